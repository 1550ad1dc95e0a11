import BoardModel
import Foundation

/// What a backup tool said about its run, read from the end of its standard output:
/// - restic `backup --json`: the last `{"message_type":"summary",…}` line;
/// - borg `create --json`: the JSON object printed last (`archive.stats`, `archive.duration`);
/// - rsync `--stats`: `Number of files`, `Total file size`, `Total transferred file size`,
///   `Total bytes sent`, and the `sent … received … bytes/sec` line (plain, comma-grouped or `-h` numbers).
///
/// Pure: the text in, a summary (or nil when no tool's summary is there) out.
package struct BackupSummary: Equatable, Sendable {
    enum Tool: String, Sendable {
        case restic, borg, rsync
    }

    var tool: Tool
    /// Files in the backup (restic: new + changed + unmodified; borg: nfiles; rsync: Number of files).
    var files: Int64?
    /// Bytes the backup covers (restic: total_bytes_processed; borg: original_size; rsync: Total file size).
    var size: Int64?
    /// Bytes that were new (restic: data_added; borg: deduplicated_size; rsync: Total transferred file size).
    var dataAdded: Int64?
    /// Bytes that went over the wire (rsync: Total bytes sent).
    var bytesSent: Int64?
    /// The tool's own duration, in seconds (restic: total_duration; borg: archive.duration).
    var duration: TimeInterval?
    /// Bytes per second (rsync's `bytes/sec`).
    var rate: Double?
    /// The snapshot or archive made (restic: snapshot_id; borg: archive.name).
    var snapshot: String?

    /// The summary at the end of `output`, trying restic, borg and rsync in turn.
    package static func parse(output: String) -> BackupSummary? {
        restic(output) ?? borg(output) ?? rsync(output)
    }

    /// The heartbeat fields this summary adds (names the server reads where it has one).
    package var fields: [String: HeartbeatValue] {
        var fields: [String: HeartbeatValue] = ["backup_tool": .text(tool.rawValue)]
        if let files { fields["files"] = .integer(files) }
        if let size { fields["size"] = .integer(size) }
        if let dataAdded { fields["data_added"] = .integer(dataAdded) }
        if let bytesSent { fields["bytes_sent"] = .integer(bytesSent) }
        if let duration { fields["tool_duration"] = HeartbeatValue.seconds(duration) }
        if let rate { fields["transfer_rate"] = .number(rate.rounded()) }
        if let snapshot { fields["snapshot"] = .text(snapshot) }
        return fields
    }

    // MARK: restic

    private static func restic(_ output: String) -> BackupSummary? {
        let lines = output.split(whereSeparator: \.isNewline)
        for line in lines.reversed() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("{"), trimmed.contains("\"message_type\""),
                  let object = jsonObject(trimmed), object["message_type"] as? String == "summary" else { continue }
            var summary = BackupSummary(tool: .restic)
            let counts = ["files_new", "files_changed", "files_unmodified"].compactMap { integer(object[$0]) }
            summary.files = counts.isEmpty ? integer(object["total_files_processed"]) : counts.reduce(0, +)
            summary.size = integer(object["total_bytes_processed"])
            summary.dataAdded = integer(object["data_added"])
            summary.duration = number(object["total_duration"])
            summary.snapshot = object["snapshot_id"] as? String
            if let size = summary.size, let duration = summary.duration, duration > 0 {
                summary.rate = Double(size) / duration
            }
            return summary
        }
        return nil
    }

    // MARK: borg

    private static func borg(_ output: String) -> BackupSummary? {
        // borg prints one pretty-printed object; its first line is a lone `{` at the start of a line.
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
            summary.dataAdded = integer(stats["deduplicated_size"])
            summary.duration = number(archive["duration"])
            summary.snapshot = archive["name"] as? String
            return summary
        }
        return nil
    }

    // MARK: rsync

    private static func rsync(_ output: String) -> BackupSummary? {
        var summary = BackupSummary(tool: .rsync)
        var found = false
        for line in output.split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if let value = statValue(text, "Number of files:") {
                summary.files = HumanUnits.size(value)
                found = true
            } else if let value = statValue(text, "Total file size:") {
                summary.size = HumanUnits.size(value)
                found = true
            } else if let value = statValue(text, "Total transferred file size:") {
                summary.dataAdded = HumanUnits.size(value)
            } else if let value = statValue(text, "Total bytes sent:") {
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

    /// `1,234` from `Number of files: 1,234 (reg: 1,000, dir: 234)`, `9.88M` from `Total file size: 9.88M bytes`.
    private static func statValue(_ line: String, _ label: String) -> String? {
        guard line.hasPrefix(label) else { return nil }
        let rest = line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
        guard let first = rest.split(separator: " ").first else { return nil }
        return String(first)
    }

    // MARK: JSON values

    private static func jsonObject(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    private static func integer(_ value: Any?) -> Int64? {
        guard let number = number(value), number >= 0, number < 9.2e18 else { return nil }
        return Int64(number.rounded())
    }

    private static func number(_ value: Any?) -> Double? {
        switch value {
        case let int as Int: return Double(int)
        case let double as Double: return double.isFinite ? double : nil
        case let number as NSNumber: return number.doubleValue.isFinite ? number.doubleValue : nil
        default: return nil
        }
    }
}
