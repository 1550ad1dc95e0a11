import Foundation

/// A backup chain that cannot be restored end to end: `chain_broken` (emergency by default), raised on the
/// job that has a chain parent (an incremental and its full, named by slug).
///
/// - **The full under it fails**: the parent's latest finished run is not good while the child has runs that
///   started after it — they build on a full that is not there. Clears when the parent's next run is good.
/// - **An incremental fails after its full**: a run of the child that is not good (failed, abandoned, below
///   min size) ended after the parent's latest good run. Every later incremental lacks its changes, so the
///   chain stays broken until the next good full, however the later incrementals went. A differential
///   depends on the full alone, so for `kind = differential` only its latest finished run counts.
///
/// A chain parent that is not in the fleet, or a child that is paused, is not judged.
public struct ChainBrokenRule: AlertRule {
    public var kinds: Set<AlertKind> { [.chainBroken] }

    public init() {}

    public func findings(in input: AlertInput) -> [AlertFinding] {
        let children = input.jobs.filter { $0.job.chainParent != nil && $0.job.id != nil && !$0.job.paused }
        guard !children.isEmpty else { return [] }
        var bySlug: [String: JobReport] = [:]
        bySlug.reserveCapacity(input.jobs.count)
        for report in input.jobs { bySlug[report.job.slug] = report }
        return children.compactMap { child in
            guard let slug = child.job.chainParent, slug != child.job.slug, let parent = bySlug[slug] else { return nil }
            return finding(for: child, parent: parent, in: input)
        }
    }

    func finding(for child: JobReport, parent: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = child.job
        guard let id = job.id else { return nil }
        let runs = input.activities[id]?.recentRuns ?? []
        let severity = job.alerting.severity(for: .chainBroken)

        if let full = parent.status.lastFinishedRun, !full.isGood(minSize: parent.job.minSize) {
            let onTop = runs.filter { $0.time > full.time }.count
            if onTop > 0 {
                let message = "\(job.slug)'s chain is broken: its full \(parent.job.slug) of "
                    + "\(AlertText.time(full.time, for: parent.job, now: input.now)) failed, and "
                    + "\(onTop) run\(onTop == 1 ? "" : "s") of \(job.slug) since build\(onTop == 1 ? "s" : "") on it"
                return AlertFinding(kind: .chainBroken, jobID: id, severity: severity, message: message)
            }
        }

        guard let fullEnded = parent.status.lastGoodAt else { return nil }
        let differential = job.kind == .differential
        let finished = differential
            ? (child.status.lastFinishedRun.map { [$0] } ?? []) : runs.filter { $0.outcome != .running }
        guard let broken = finished.first(where: { run in
            !run.isGood(minSize: job.minSize) && (run.endedAt ?? run.lastHeartbeatAt) > fullEnded
        }) else { return nil }
        var message = "\(job.slug)'s chain is broken: its run of \(AlertText.time(broken.time, for: job, now: input.now)) "
            + "failed after the full \(parent.job.slug) of \(AlertText.time(fullEnded, for: parent.job, now: input.now))"
        if !differential { message += "; later runs lack its changes until the next good full" }
        return AlertFinding(kind: .chainBroken, jobID: id, severity: severity, message: message)
    }
}
