import BoardModel
import Foundation

extension BackupSummary {
    /// rsync `--stats`: `Number of files`, `Total file size`, `Total transferred file size`,
    /// `Total bytes sent`, and the `sent … received … bytes/sec` line (plain, comma-grouped or `-h` numbers).
    static func rsync(_ output: String) -> BackupSummary? {
        var summary = BackupSummary(tool: .rsync)
        var found = false
        for text in lines(output) {
            if let value = after("Number of files:", in: text).flatMap(firstWord) {
                summary.files = HumanUnits.size(value)
                found = true
            } else if let value = after("Total file size:", in: text).flatMap(firstWord) {
                summary.size = HumanUnits.size(value)
                found = true
            } else if let value = after("Total transferred file size:", in: text).flatMap(firstWord) {
                summary.dataAdded = HumanUnits.size(value)
            } else if let value = after("Total bytes sent:", in: text).flatMap(firstWord) {
                summary.bytesSent = HumanUnits.size(value)
            } else if text.hasPrefix("sent "), text.hasSuffix("bytes/sec") {
                // `sent 130,123 bytes  received 456 bytes  87,052.67 bytes/sec` (or `87.05K bytes/sec`)
                let words = text.split(separator: " ")
                if words.count >= 2, summary.bytesSent == nil { summary.bytesSent = HumanUnits.size(String(words[1])) }
                if words.count >= 2 { summary.rate = HumanUnits.rate(String(words[words.count - 2])) }
                found = true
            }
        }
        return found ? summary : nil
    }
}
