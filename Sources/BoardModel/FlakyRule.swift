import Foundation

/// A job whose runs keep needing a second try: `flaky` (warning by default) when at least `flakyRuns` (3)
/// of its last `flakyWindow` (10) finished runs needed a retry (`Run.neededRetry`: `run --attempts` ran the
/// command more than once). Resolves when fewer of the last `flakyWindow` runs did.
///
/// Such a job still reports good backups, so no other rule sees it; but a backup that only succeeds on
/// its second or third try is one bad night away from failing (docs/architecture.md §5). The open run does
/// not count: its attempts are not known until it ends.
public struct FlakyRule: JobAlertRule {
    public var kind: AlertKind { .flaky }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = report.job
        guard let id = job.id, let runs = input.activities[id]?.recentRuns else { return nil }
        let window = max(1, job.alerting.flakyWindow)
        let finished = runs.lazy.filter { $0.outcome != .running }.suffix(window)
        let retried = finished.filter(\.neededRetry)
        guard retried.count >= max(1, job.alerting.flakyRuns), let latest = retried.last else { return nil }
        let message = "\(job.slug) needed a retry in \(retried.count) of its last \(finished.count) runs; "
            + "the latest, \(AlertText.time(latest.time, for: job, now: input.now)), took \(latest.attempts ?? 1) attempts"
        return AlertFinding(kind: .flaky, jobID: id, severity: job.alerting.severity(for: .flaky), message: message)
    }
}
