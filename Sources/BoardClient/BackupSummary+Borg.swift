import BoardModel
import Foundation

extension BackupSummary {
    /// borg `create --json`: the pretty-printed object printed last (`archive.stats`, `archive.duration`).
    static func borgJSON(_ output: String) -> BackupSummary? {
        // Its first line is a lone `{` at the start of a line.
        let lines = output.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for start in lines.indices.reversed() where lines[start].trimmingCharacters(in: .whitespaces) == "{"
            && !lines[start].hasPrefix(" ") && !lines[start].hasPrefix("\t") {
            let text = lines[start...].joined(separator: "\n")
            guard let end = text.lastIndex(of: "}"),
                  let object = jsonObject(String(text[...end])),
                  let archive = object["archive"] as? [String: Any] else { continue }
            let stats = archive["stats"] as? [String: Any] ?? [:]
            var summary = BackupSummary(tool: .borg)
            summary.files = integer(stats["nfiles"])
            summary.size = integer(stats["original_size"])
            summary.compressedSize = integer(stats["compressed_size"])
            summary.dataAdded = integer(stats["deduplicated_size"])
            summary.duration = number(archive["duration"])
            summary.snapshot = archive["name"] as? String
            return summary
        }
        return nil
    }

    /// borg 1.x `create --stats`, printed on stderr:
    ///
    ///     Archive name: web01-2026-11-27
    ///     Duration: 1 minutes 23.21 seconds
    ///     Number of files: 48213
    ///                            Original size      Compressed size    Deduplicated size
    ///     This archive:               21.47 GB              9.88 GB            123.46 MB
    ///
    /// Sizes are borg's rounded decimal units.
    static func borgText(_ output: String) -> BackupSummary? {
        var summary = BackupSummary(tool: .borg)
        var found = false
        for line in lines(output) {
            if let rest = after("Archive name:", in: line) {
                summary.snapshot = rest.isEmpty ? nil : rest
            } else if let rest = after("Duration:", in: line) {
                summary.duration = HumanUnits.duration(rest)
            } else if let rest = after("Number of files:", in: line) {
                summary.files = Int64(rest)
            } else if let rest = after("This archive:", in: line) {
                // Three sizes, each a number and a unit: `21.47 GB  9.88 GB  123.46 MB`.
                let words = rest.split(separator: " ").map(String.init)
                guard words.count == 6 else { continue }
                let sizes = stride(from: 0, to: 6, by: 2).map { HumanUnits.size(words[$0] + " " + words[$0 + 1]) }
                summary.size = sizes[0]
                summary.compressedSize = sizes[1]
                summary.dataAdded = sizes[2]
                found = true
            }
        }
        return found ? summary : nil
    }
}
