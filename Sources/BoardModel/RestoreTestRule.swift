import Foundation

/// Restore drills that prove a job's backups (`RestoreState`), carried by the proved job:
///
/// - `restore_failed` (critical): the newest restore test of the job failed;
/// - `rto_breach` (critical): the newest successful restore took longer than the job's RTO;
/// - `restore_overdue` (warning; critical once `restore_escalation_periods` further periods pass): no
///   successful restore within the test's period plus its grace. A job with `require_restore_test` that no
///   test proves raises it too; an untested job without it raises nothing (docs/restore-tests.md).
///
/// The restore test job itself raises no `failed` (`FailedRule` leaves it to this rule). Paused jobs raise
/// nothing. One pass over the fleet that allocates only for restore tests and the jobs they prove.
public struct RestoreTestRule: AlertRule {
    public var kinds: Set<AlertKind> { [.restoreOverdue, .rtoBreach, .restoreFailed] }

    public init() {}

    public func findings(in input: AlertInput) -> [AlertFinding] {
        let jobs = input.jobs
        let provers = RestoreStates.provers(in: jobs)
        var findings: [AlertFinding] = []
        // Fields read in place: this runs for every job on every tick, and most jobs have no restore state.
        for index in jobs.indices where jobs[index].job.kind != .restoreTest && !jobs[index].job.paused {
            guard let id = jobs[index].job.id else { continue }
            let tests = provers.isEmpty ? nil : provers[jobs[index].job.slug]
            guard tests != nil || jobs[index].job.requireRestoreTest else { continue }
            let job = jobs[index].job
            guard let tests else {
                // Required, and no restore test names it.
                var message = "\(job.slug) has no restore test: no job of kind restore_test names it in its tests"
                if let rto = job.rto { message += ", so nothing proves its RTO \(HumanUnits.formatDuration(rto))" }
                findings.append(AlertFinding(
                    kind: .restoreOverdue, jobID: id, severity: job.alerting.severity(for: .restoreOverdue), message: message))
                continue
            }
            let state = RestoreStates.state(of: jobs[index], provedBy: tests, in: jobs, at: input.now)
            findings += Self.findings(for: job, id: id, state: state, now: input.now)
        }
        return findings
    }

    static func findings(for job: Job, id: Int64, state: RestoreState, now: Date) -> [AlertFinding] {
        var findings: [AlertFinding] = []
        let test = state.lastTestSlug ?? state.tests.first ?? "its restore test"
        for condition in state.conditions {
            switch condition {
            case .failed:
                guard let run = state.lastTest else { continue }
                var message = "\(job.slug)'s restore test \(test) failed at "
                    + AlertText.time(run.endedAt ?? run.lastHeartbeatAt, for: job, now: now)
                if let code = run.exitCode { message += " (exit \(code))" }
                if let detail = AlertText.detail(run.message) { message += ": \(detail)" }
                findings.append(AlertFinding(
                    kind: .restoreFailed, jobID: id, severity: job.alerting.severity(for: .restoreFailed), message: message))
            case .rtoBreach:
                guard let rto = state.rto, let duration = state.restoreDuration, let at = state.lastRestoredAt else { continue }
                let message = "\(job.slug)'s latest restore (\(test), ended \(AlertText.time(at, for: job, now: now))) took "
                    + "\(HumanUnits.formatDuration(duration)), longer than its RTO \(HumanUnits.formatDuration(rto))"
                findings.append(AlertFinding(
                    kind: .rtoBreach, jobID: id, severity: job.alerting.severity(for: .rtoBreach), message: message))
            case .overdue:
                guard let dueBy = state.dueBy else { continue }
                let base = job.alerting.severity(for: .restoreOverdue)
                let escalated = state.missedPeriods >= job.alerting.restoreEscalationPeriods
                var message = state.lastRestoredAt.map {
                    "\(job.slug)'s latest successful restore ended \(AlertText.time($0, for: job, now: now)), "
                        + "\(HumanUnits.formatDuration(now.timeIntervalSince($0))) ago"
                } ?? "\(job.slug) has never been restored successfully"
                message += ": a restore was due by \(AlertText.time(dueBy, for: job, now: now))"
                if state.missedPeriods > 0 {
                    message += "; \(state.missedPeriods) further period\(state.missedPeriods == 1 ? "" : "s") missed"
                }
                findings.append(AlertFinding(
                    kind: .restoreOverdue, jobID: id, severity: escalated ? max(base, .critical) : base, message: message))
            case .untested, .proved:
                continue
            }
        }
        return findings
    }
}
