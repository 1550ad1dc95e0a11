import BoardModel
import Foundation

extension MetricsPage {
    /// States that count a job as down in `backupboard_tag_jobs`.
    static let downStates: Set<JobState> = [.failed, .verificationFailed, .overdue, .runningTooLong]

    /// The series Prometheus users alert on beside the per-job ones: open alerts by severity and kind, jobs up
    /// and down by tag, and the fleet's level as `status` exits with it (0 ok, 1 warning, 2 critical, 3 stale).
    package static func render(fleet board: BoardSnapshot, report: FleetReport, at now: Date, evaluatorInterval: TimeInterval) -> String {
        var out = ""
        header(&out, "backupboard_alerts_open", "gauge", "Open alerts, by severity and kind.")
        var alerts: [String: Int] = [:]
        for alert in board.openAlerts {
            alerts["severity=\"\(alert.severity.rawValue)\",kind=\"\(alert.kind.rawValue)\"", default: 0] += 1
        }
        for severity in AlertSeverity.allCases {
            for kind in AlertKind.allCases {
                let labels = "severity=\"\(severity.rawValue)\",kind=\"\(kind.rawValue)\""
                out += "backupboard_alerts_open{\(labels)} \(alerts[labels, default: 0])\n"
            }
        }
        header(&out, "backupboard_tag_jobs", "gauge", "Jobs by tag: up, or down (failed, verification failed, overdue, running too long).")
        var tags: [String: (up: Int, down: Int)] = [:]
        for job in report.jobs where !job.job.tags.isEmpty {
            let down = downStates.contains(job.status.state)
            for tag in Set(job.job.tags) {
                if down { tags[tag, default: (0, 0)].down += 1 } else { tags[tag, default: (0, 0)].up += 1 }
            }
        }
        for (tag, count) in tags.sorted(by: { $0.key < $1.key }) {
            let name = escape(tag)
            out += "backupboard_tag_jobs{tag=\"\(name)\",state=\"up\"} \(count.up)\n"
            out += "backupboard_tag_jobs{tag=\"\(name)\",state=\"down\"} \(count.down)\n"
        }
        restoreSeries(&out, report: report)
        header(&out, "backupboard_fleet_level", "gauge", "The fleet's level as `backupboard status` exits: 0 ok, 1 warning, 2 critical, 3 evaluator stale.")
        out += "backupboard_fleet_level \(board.evaluatorIsStale(at: now, interval: evaluatorInterval) ? 3 : report.level.rawValue)\n"
        return out
    }
}
