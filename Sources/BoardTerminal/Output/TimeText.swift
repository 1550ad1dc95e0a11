import BoardModel
import Foundation

/// The short time phrases `status` and the board share, so both say the same thing about a job.
package enum TimeText {
    /// `3h05m ago`.
    package static func ago(_ date: Date, now: Date) -> String {
        HumanUnits.shortDuration(now.timeIntervalSince(date)) + " ago"
    }

    /// `in 3h05m`, `late 12m`, `overdue 2h10m`, `running 40%` for a run in progress, `-` when paused. A job
    /// whose state is worse than overdue (failed, its next slot missed too) still shows the overdue timer.
    static func due(_ status: JobStatus, now: Date) -> String {
        if status.state == .paused { return "-" }
        switch dueTimer(status) {
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

    /// `.overdue` or `.late` when the job is (among its conditions), whatever its state; else nil.
    static func dueTimer(_ status: JobStatus) -> JobState? {
        [JobState.overdue, .late].first { status.evaluated == $0 || status.conditions.contains($0) }
    }

    /// `07`: a clock's part in two digits, without `String(format:)`, which is slow on the drawing path.
    static func twoDigits(_ value: Int?) -> String {
        HumanUnits.twoDigits(value ?? 0)
    }

    /// `2026-11-27 09:00` in UTC.
    package static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0)
    }
}
