import BoardModel
import Foundation

extension BackupSummary {
    /// restic `backup --json`: the last `{"message_type":"summary",…}` line.
    static func resticJSON(_ output: String) -> BackupSummary? {
        for line in lines(output).reversed() {
            guard line.hasPrefix("{"), line.contains("\"message_type\""),
                  let object = jsonObject(line), object["message_type"] as? String == "summary" else { continue }
            var summary = BackupSummary(tool: .restic)
            let counts = ["files_new", "files_changed", "files_unmodified"].compactMap { integer(object[$0]) }
            summary.files = counts.isEmpty ? integer(object["total_files_processed"]) : counts.reduce(0, +)
            summary.size = integer(object["total_bytes_processed"])
            summary.dataAdded = integer(object["data_added"])
            summary.duration = number(object["total_duration"])
            summary.snapshot = object["snapshot_id"] as? String
            summary.rate = rate(size: summary.size, duration: summary.duration)
            return summary
        }
        return nil
    }

    /// restic `backup` as it prints by default (0.9 to 0.17):
    ///
    ///     Files:           3 new,     0 changed,     0 unmodified
    ///     Added to the repository: 21.250 KiB (20.781 KiB stored)      (0.9–0.13: "Added to the repo:")
    ///     processed 3 files, 19.539 KiB in 0:00
    ///     snapshot 4bdfc735 saved
    ///
    /// Sizes are restic's rounded binary units, so they are close to the `--json` byte counts, not equal.
    static func resticText(_ output: String) -> BackupSummary? {
        var summary = BackupSummary(tool: .restic)
        var found = false
        var fileCounts: Int64?
        for line in lines(output) {
            if let rest = after("Files:", in: line) {
                // `3 new,     0 changed,     0 unmodified`
                let counts = rest.split(separator: ",").compactMap { part in
                    firstWord(part.trimmingCharacters(in: .whitespaces)).flatMap { Int64($0) }
                }
                if counts.count == 3 { fileCounts = counts.reduce(0, +) }
            } else if let rest = after("Added to the repository:", in: line) ?? after("Added to the repo:", in: line) {
                let added = rest.split(separator: "(").first.map { String($0) } ?? rest
                summary.dataAdded = HumanUnits.size(added)
                found = true
            } else if let rest = after("processed ", in: line), let files = rest.range(of: " files, "),
                      let duration = rest.range(of: " in ", options: .backwards), files.upperBound <= duration.lowerBound {
                summary.files = Int64(rest[..<files.lowerBound])
                summary.size = HumanUnits.size(String(rest[files.upperBound..<duration.lowerBound]))
                summary.duration = HumanUnits.duration(String(rest[duration.upperBound...]))
                found = true
            } else if let rest = after("snapshot ", in: line), rest.hasSuffix(" saved") {
                let id = rest.dropLast(" saved".count).trimmingCharacters(in: .whitespaces)
                if !id.isEmpty, !id.contains(" ") { summary.snapshot = id }
                found = true
            }
        }
        guard found else { return nil }
        if let fileCounts { summary.files = fileCounts }
        summary.rate = rate(size: summary.size, duration: summary.duration)
        return summary
    }

    /// Bytes per second, when the duration is long enough to mean something.
    static func rate(size: Int64?, duration: TimeInterval?) -> Double? {
        guard let size, let duration, duration > 0 else { return nil }
        return Double(size) / duration
    }
}
