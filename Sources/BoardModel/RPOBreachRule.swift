import Foundation

/// Backup age beyond the job's RPO: `rpo_breach` (critical by default). Backup age is the time since the
/// latest good run ended, or, for a job never good, since it was created. Judged on its own, whatever the
/// schedule says: a job whose grace is longer than its RPO allows breaches while it is only late.
///
/// The RPO is not judged inside outages of the monitor (docs/architecture.md §5), like the slots: a breach whose
/// moment fell inside an outage is judged from the job's first deadline after that outage (its next slot
/// plus grace), since a run that happened while the monitor was down may have gone unheard, and the job
/// gets the same chance to show a good run as for its slots. A breach before the outage stays a breach.
public struct RPOBreachRule: JobAlertRule {
    public var kind: AlertKind { .rpoBreach }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = report.job
        guard let rpo = job.rpo else { return nil }
        let since = report.status.lastGoodAt ?? job.createdAt
        let breach = since.addingTimeInterval(rpo)
        guard input.now > breach, input.now >= Self.judged(breach, of: job, skipping: input.outages) else { return nil }
        let age = HumanUnits.formatDuration(input.now.timeIntervalSince(since))
        let message = report.status.lastGoodAt == nil
            ? "\(job.slug) has had no good backup in the \(age) since it was created, longer than its RPO "
                + HumanUnits.formatDuration(rpo)
            : "\(job.slug)'s latest good backup is \(age) old, older than its RPO \(HumanUnits.formatDuration(rpo)): "
                + "it ended \(AlertText.time(since, for: job, now: input.now))"
        return AlertFinding(kind: .rpoBreach, jobID: job.id, severity: job.alerting.severity(for: .rpoBreach), message: message)
    }

    /// When a breach at `breach` is judged: then, or, when that moment fell inside an outage, the job's first
    /// deadline after it. The breach is treated as a deadline so the slots' rule applies to it unchanged.
    static func judged(_ breach: Date, of job: Job, skipping outages: [DateInterval]) -> Date {
        guard !outages.isEmpty else { return breach }
        let slot = JobEvaluator.slotAfterOutages(breach.addingTimeInterval(-job.grace), job: job, outages: outages)
        return slot.addingTimeInterval(job.grace)
    }
}
