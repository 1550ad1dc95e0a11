import BoardModel
import Foundation

/// What a backup tool said about its run, read from the end of its output, in the forms the tools print
/// by default and in their `--json` forms:
/// - restic `backup`: the plain summary (`Files:`, `Added to the repository:`, `processed N files, X in
///   M:SS`, `snapshot ID saved`) or `--json`'s last `{"message_type":"summary",…}` line (stdout);
/// - borg `create --stats`: the statistics block (stderr), or `--json`'s object printed last (stdout);
/// - rsync `--stats`: `Number of files`, `Total file size`, `Total transferred file size`,
///   `Total bytes sent`, and the `sent … received … bytes/sec` line (plain, comma-grouped or `-h` numbers);
/// - rclone `copy`/`sync`: the final stats of `-v` (`Transferred:`, `Errors:`, `Checks:`, `Elapsed time:`),
///   of `--stats-one-line`, or of `--use-json-log` (the last log line carrying `stats`) (stderr).
///
/// Pure: the text in, a summary (or nil when no tool's summary is there) out.
package struct BackupSummary: Equatable, Sendable {
    enum Tool: String, Sendable {
        case restic, borg, rsync, rclone
    }

    var tool: Tool
    /// Files in the backup (restic: new + changed + unmodified; borg: nfiles; rsync: Number of files;
    /// rclone: files transferred).
    var files: Int64?
    /// Bytes the backup covers (restic: bytes processed; borg: original size; rsync: Total file size;
    /// rclone, which prints no total of its source: bytes transferred).
    var size: Int64?
    /// Bytes that were new (restic: data added; borg: deduplicated size; rsync: Total transferred file size).
    var dataAdded: Int64?
    /// Bytes after compression (borg: compressed size).
    var compressedSize: Int64?
    /// Bytes that went over the wire (rsync: Total bytes sent).
    var bytesSent: Int64?
    /// The tool's own duration, in seconds (restic: total_duration or `in M:SS`; borg: Duration;
    /// rclone: Elapsed time).
    var duration: TimeInterval?
    /// Bytes per second (rsync's `bytes/sec`; restic's bytes processed over its duration).
    var rate: Double?
    /// The snapshot or archive made (restic: snapshot id; borg: archive name).
    var snapshot: String?
    /// Files the tool compared without copying (rclone: Checks).
    var checks: Int64?
    /// Errors the tool counted (rclone: Errors).
    var errors: Int64?

    /// The summary at the end of a command's output: standard output first (restic, borg `--json`, rsync),
    /// then standard error (borg `--stats`, rclone's log).
    package static func parse(output: String, errorOutput: String = "") -> BackupSummary? {
        parse(output) ?? parse(errorOutput)
    }

    private static func parse(_ text: String) -> BackupSummary? {
        guard !text.isEmpty else { return nil }
        return resticJSON(text) ?? borgJSON(text) ?? rcloneJSON(text) ?? resticText(text) ?? borgText(text)
            ?? rcloneText(text) ?? rsync(text)
    }

    /// The heartbeat fields this summary adds (names the server reads where it has one).
    package var fields: [String: HeartbeatValue] {
        var fields: [String: HeartbeatValue] = ["backup_tool": .text(tool.rawValue)]
        if let files { fields["files"] = .integer(files) }
        if let size { fields["size"] = .integer(size) }
        if let dataAdded { fields["data_added"] = .integer(dataAdded) }
        if let compressedSize { fields["compressed_size"] = .integer(compressedSize) }
        if let bytesSent { fields["bytes_sent"] = .integer(bytesSent) }
        if let duration { fields["tool_duration"] = HeartbeatValue.seconds(duration) }
        if let rate { fields["transfer_rate"] = .number(rate.rounded()) }
        if let snapshot { fields["snapshot"] = .text(snapshot) }
        if let checks { fields["checks"] = .integer(checks) }
        if let errors { fields["errors"] = .integer(errors) }
        return fields
    }

    // MARK: Reading text

    /// The lines of `text`, trimmed, without empty ones.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The rest of `line` after `label`, trimmed; nil when `line` does not start with it.
    static func after(_ label: String, in line: String) -> String? {
        guard line.hasPrefix(label) else { return nil }
        return line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
    }

    /// `1,234` from `1,234 (reg: 1,000, dir: 234)`, `9.88M` from `9.88M bytes`: the first word.
    static func firstWord(_ text: String) -> String? {
        text.split(separator: " ").first.map(String.init)
    }

    // MARK: JSON values

    static func jsonObject(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    static func integer(_ value: Any?) -> Int64? {
        guard let number = number(value), number >= 0, number < 9.2e18 else { return nil }
        return Int64(number.rounded())
    }

    static func number(_ value: Any?) -> Double? {
        switch value {
        case let int as Int: return Double(int)
        case let double as Double: return double.isFinite ? double : nil
        case let number as NSNumber: return number.doubleValue.isFinite ? number.doubleValue : nil
        default: return nil
        }
    }
}
