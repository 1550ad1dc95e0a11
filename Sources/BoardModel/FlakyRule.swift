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
        // Newest first, reading in place: this runs for every job on every tick.
        guard let id = report.job.id, let runs = input.activities[id]?.recentRuns else { return nil }
        let window = max(1, report.job.alerting.flakyWindow)
        var finished = 0, retried = 0
        var latest: Int?
        for index in runs.indices.reversed() where runs[index].outcome != .running {
            guard finished < window else { break }
            finished += 1
            if runs[index].neededRetry {
                retried += 1
                latest = latest ?? index
            }
        }
        guard retried >= max(1, report.job.alerting.flakyRuns), let latest else { return nil }
        let job = report.job
        let message = "\(job.slug) needed a retry in \(retried) of its last \(finished) runs; "
            + "the latest, \(AlertText.time(runs[latest].time, for: job, now: input.now)), took \(runs[latest].attempts ?? 1) attempts"
        return AlertFinding(kind: .flaky, jobID: id, severity: job.alerting.severity(for: .flaky), message: message)
    }
}
