import BoardModel
import Foundation

extension BackupSummary {
    /// rclone with `--use-json-log`: the last log line that carries a `stats` object
    /// (`bytes`, `transfers`, `checks`, `errors`, `elapsedTime`).
    static func rcloneJSON(_ output: String) -> BackupSummary? {
        for line in lines(output).reversed() {
            guard line.hasPrefix("{"), line.contains("\"stats\""), let object = jsonObject(line),
                  let stats = object["stats"] as? [String: Any] else { continue }
            var summary = BackupSummary(tool: .rclone)
            summary.size = integer(stats["bytes"])
            summary.files = integer(stats["transfers"])
            summary.checks = integer(stats["checks"])
            summary.errors = integer(stats["errors"])
            summary.duration = number(stats["elapsedTime"])
            return summary
        }
        return nil
    }

    /// rclone `copy`/`sync` stats as its log prints them on stderr: with `-v` (or `--stats`) a block,
    ///
    ///     Transferred:   	   19.539 KiB / 19.539 KiB, 100%, 0 B/s, ETA -
    ///     Errors:                 1 (retrying may help)
    ///     Checks:                 4 / 4, 100%
    ///     Transferred:            3 / 3, 100%
    ///     Elapsed time:         1m2.3s
    ///
    /// and with `--stats-one-line` its first line alone, after the log prefix
    /// (`2026/12/06 16:15:56 INFO  :    19.539 KiB / 19.539 KiB, 100%, 0 B/s, ETA -`). The last block wins:
    /// rclone prints one every minute while it runs.
    static func rcloneText(_ output: String) -> BackupSummary? {
        var summary: BackupSummary?
        for line in lines(output.replacingOccurrences(of: "\t", with: " ")) {
            if let bytes = transferredBytes(line) {
                summary = BackupSummary(tool: .rclone)
                summary?.size = bytes
            } else if summary != nil, let rest = after("Transferred:", in: line) {
                summary?.files = firstWord(rest).flatMap { Int64($0) }
            } else if summary != nil, let rest = after("Errors:", in: line) {
                summary?.errors = firstWord(rest).flatMap { Int64($0) }
            } else if summary != nil, let rest = after("Checks:", in: line) {
                summary?.checks = firstWord(rest).flatMap { Int64($0) }
            } else if summary != nil, let rest = after("Elapsed time:", in: line) {
                summary?.duration = HumanUnits.duration(rest)
            }
        }
        return summary
    }

    /// The bytes done in rclone's progress line: `… 19.539 KiB / 19.539 KiB, 100%, 0 B/s, ETA -`, or before
    /// 1.56, `… 19.539k / 19.539 kBytes, 100%, 0 Bytes/s, ETA 0s`.
    private static func transferredBytes(_ line: String) -> Int64? {
        guard let eta = line.range(of: ", ETA "), let slash = line.range(of: " / "),
              slash.upperBound <= eta.lowerBound else { return nil }
        let words = line[..<slash.lowerBound].split(separator: " ").map(String.init)
        guard let last = words.last else { return nil }
        if last.first?.isNumber == true { return rcloneSize(last) }
        guard words.count >= 2 else { return nil }
        return rcloneSize(words[words.count - 2] + last)
    }

    /// rclone's sizes are binary whatever their letters say: `19.539 KiB`, and before 1.56 `19.539k`,
    /// `1.234 MBytes`, `0 Bytes`.
    private static func rcloneSize(_ text: String) -> Int64? {
        var unit = String(text.drop(while: { $0.isNumber || $0 == "." }))
        let number = text.dropLast(unit.count)
        if unit.hasSuffix("Bytes") { unit.removeLast("Bytes".count) }
        if unit.hasSuffix("iB") { unit.removeLast(2) }
        if unit == "B" { unit = "" }
        let powers = ["": 0.0, "k": 1, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5]
        guard let value = Double(number), let power = powers[unit] else { return nil }
        let bytes = value * pow(1_024, power)
        guard bytes.isFinite, bytes < 9.2e18 else { return nil }
        return Int64(bytes.rounded())
    }
}
