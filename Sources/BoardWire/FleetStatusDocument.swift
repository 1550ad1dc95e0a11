import BoardModel
import Foundation

/// `GET /api/v1/status`: the fleet in a few hundred bytes, for a status bar that asks every few seconds
/// (`status --oneline --server`) and for `status --server`'s exit code, without the whole board.
package struct FleetStatusDocument: Codable, Equatable {
    /// `ok`, `warning` or `critical`: the worst job neither muted nor paused (docs/architecture.md §3).
    package var level: String
    /// What `status` exits with: 0 ok, 1 warning, 2 critical, 3 stale.
    package var exitCode: Int
    /// The evaluator last ran more than three intervals ago: states may be out of date.
    package var stale: Bool
    @Null package var evaluatorLastTick: Date?
    @Null package var evaluatorAgeS: Double?
    package var jobs: Int
    /// Jobs by state (`up`, `failed`, …), and by level (`ok`, `warning`, `critical`; paused jobs not counted).
    package var states: [String: Int]
    package var levels: [String: Int]
    /// Open alerts by severity.
    package var openAlerts: [String: Int]
    /// Notifications waiting in the outbox, over every channel.
    package var outboxBacklog: Int

    package enum CodingKeys: String, CodingKey {
        case level, stale, jobs, states, levels
        case exitCode = "exit_code"
        case evaluatorLastTick = "evaluator_last_tick"
        case evaluatorAgeS = "evaluator_age_s"
        case openAlerts = "open_alerts"
        case outboxBacklog = "outbox_backlog"
    }

    package init(board: BoardSnapshot, report: FleetReport, stale: Bool) {
        level = StatusDocument.word(report.level)
        exitCode = stale ? 3 : report.level.rawValue
        self.stale = stale
        evaluatorLastTick = board.evaluatorLastTick
        evaluatorAgeS = board.evaluatorLastTick.map { max(0, report.now.timeIntervalSince($0)).rounded() }
        jobs = report.jobs.count
        states = Dictionary(uniqueKeysWithValues: report.countsByState.map { ($0.key.rawValue, $0.value) })
        levels = Dictionary(uniqueKeysWithValues: report.countsByLevel.map { (StatusDocument.word($0.key), $0.value) })
        openAlerts = board.openAlerts.reduce(into: [:]) { $0[$1.severity.rawValue, default: 0] += 1 }
        outboxBacklog = board.outboxBacklog.reduce(0) { $0 + $1.pending }
    }

    /// Jobs by level, as `StatusFormatter.oneLine` counts them.
    package var countsByLevel: [StateLevel: Int] {
        [.ok: levels["ok"] ?? 0, .warning: levels["warning"] ?? 0, .critical: levels["critical"] ?? 0]
    }

    /// What a status bar shows: it moves only when one of these does, not with the evaluator's clock.
    package var visibleTag: String {
        let parts = [level, "\(exitCode)", "\(stale)", "\(jobs)", "\(outboxBacklog)"]
            + [states, levels, openAlerts].map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
        return "\"s" + SHA256.hex(Array(SHA256.digest(of: parts.joined(separator: ";")).prefix(8))) + "\""
    }
}
