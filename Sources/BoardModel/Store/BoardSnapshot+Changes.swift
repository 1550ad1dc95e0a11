import Foundation

extension BoardSnapshot {
    /// `previous` with the `changed` entries replacing (or joining) theirs and the `removed` job ids gone,
    /// ordered by slug: how every store updates a board from the jobs whose version moved.
    package static func entries(updating previous: [Entry], changed: [Int64: Entry], removed: Set<Int64>) -> [Entry] {
        var changed = changed
        var entries: [Entry] = []
        entries.reserveCapacity(previous.count + changed.count)
        var reorder = false
        for entry in previous {
            let id = entry.job.id ?? 0
            if removed.contains(id) { continue }
            if let update = changed.removeValue(forKey: id) {
                reorder = reorder || update.job.slug != entry.job.slug
                entries.append(update)
            } else {
                entries.append(entry)
            }
        }
        if !changed.isEmpty {
            entries.append(contentsOf: changed.values)
            reorder = true
        }
        if reorder { entries.sort { $0.job.slug < $1.job.slug } }
        return entries
    }
}
