import Foundation

/// A backup chain that cannot be restored end to end: `chain_broken` (emergency by default), raised on the
/// job that has a chain parent (an incremental and its full, named by slug).
///
/// - **The full under it fails**: the parent's latest finished run is not good while the child has runs that
///   started after it — they build on a full that is not there. Clears when the parent's next run is good.
/// - **An incremental fails after its full**: a run of the child that started after the parent's latest good
///   run ended is not good (failed, abandoned, below min size). Every later incremental lacks its changes, so the
///   chain stays broken until the next good full, however the later incrementals went. A differential
///   depends on the full alone, so for `kind = differential` only its latest finished run counts.
///
/// A chain parent that is not in the fleet, or a child that is paused, is not judged.
public struct ChainBrokenRule: AlertRule {
    public var kinds: Set<AlertKind> { [.chainBroken] }

    public init() {}

    public func findings(in input: AlertInput) -> [AlertFinding] {
        // Indices and fields read in place, not copies of job reports: a fleet of 10,000 jobs is judged every
        // few seconds, and copying each report costs more than judging it.
        let jobs = input.jobs
        var children: [Int] = []
        var parents: [String: Int] = [:]
        for index in jobs.indices {
            if let parent = jobs[index].job.chainParent, parent != jobs[index].job.slug, jobs[index].job.id != nil,
               !jobs[index].job.paused
            {
                children.append(index)
                parents[parent] = -1
            }
        }
        guard !children.isEmpty else { return [] }
        for index in jobs.indices where parents[jobs[index].job.slug] != nil {
            parents[jobs[index].job.slug] = index
        }
        return children.compactMap { child in
            guard let slug = jobs[child].job.chainParent, let parent = parents[slug], parent >= 0 else { return nil }
            return finding(child: child, parent: parent, in: input)
        }
    }

    /// `input.jobs[child]`'s chain, over its parent `input.jobs[parent]`.
    func finding(child: Int, parent: Int, in input: AlertInput) -> AlertFinding? {
        let jobs = input.jobs
        guard let id = jobs[child].job.id else { return nil }
        let runs = input.activities[id]?.recentRuns ?? []

        if let full = jobs[parent].status.lastFinishedRun, !full.isGood(minSize: jobs[parent].job.minSize) {
            // Runs are oldest first: count from the newest back to the full.
            let onTop = runs.reversed().prefix { $0.time > full.time }.count
            if onTop > 0 {
                let (job, parentJob) = (jobs[child].job, jobs[parent].job)
                let message = "\(job.slug)'s chain is broken: its full \(parentJob.slug) of "
                    + "\(AlertText.time(full.time, for: parentJob, now: input.now)) failed, and "
                    + "\(onTop) run\(onTop == 1 ? "" : "s") of \(job.slug) since build\(onTop == 1 ? "s" : "") on it"
                return AlertFinding(
                    kind: .chainBroken, jobID: id, severity: job.alerting.severity(for: .chainBroken), message: message)
            }
        }

        guard let fullEnded = jobs[parent].status.lastGoodAt else { return nil }
        let minSize = jobs[child].job.minSize
        let differential = jobs[child].job.kind == .differential
        var failed: Run?
        // Newest first, back to the full; a differential depends on the full alone, so only its latest counts.
        for run in runs.reversed() where run.outcome != .running {
            guard run.time > fullEnded else { break }
            if !run.isGood(minSize: minSize) { failed = run }
            if failed != nil || differential { break }
        }
        guard let broken = failed else { return nil }
        let (job, parentJob) = (jobs[child].job, jobs[parent].job)
        var message = "\(job.slug)'s chain is broken: its run of \(AlertText.time(broken.time, for: job, now: input.now)) "
            + "failed after the full \(parentJob.slug) of \(AlertText.time(fullEnded, for: parentJob, now: input.now))"
        if !differential { message += "; later runs lack its changes until the next good full" }
        return AlertFinding(
            kind: .chainBroken, jobID: id, severity: job.alerting.severity(for: .chainBroken), message: message)
    }
}
