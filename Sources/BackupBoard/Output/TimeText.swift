import BoardModel
import Foundation

/// The short time phrases `status` and the board share, so both say the same thing about a job.
enum TimeText {
    /// `3h05m ago`.
    static func ago(_ date: Date, now: Date) -> String {
        HumanUnits.shortDuration(now.timeIntervalSince(date)) + " ago"
    }

    /// `in 3h05m`, `late 12m`, `overdue 2h10m`, `running 40%` for a run in progress, `-` when paused.
    static func due(_ status: JobStatus, now: Date) -> String {
        if status.state == .paused { return "-" }
        switch status.evaluated {
        case .overdue:
            return "overdue " + HumanUnits.shortDuration(now.timeIntervalSince(status.dueAt))
        case .late:
            return "late " + HumanUnits.shortDuration(now.timeIntervalSince(status.dueAt))
        default:
            if let run = status.openRun, let progress = run.progress {
                return "running \(Int(progress))%"
            }
            return "in " + HumanUnits.shortDuration(status.dueAt.timeIntervalSince(now))
        }
    }
}
