import Foundation

/// The fleet judged at a moving `now`, kept up to date cheaply: a job is judged again only when its data
/// changed (its version moved, or it has no version) or time crossed its `JobStatus.validUntil`; mutes are
/// applied again when they change or one ends; new outages of the monitor re-judge everything.
///
/// The report is always the one `FleetReport(snapshot, at: now)` gives — the board ticks a judge every
/// second and `serve`'s evaluator every interval, without judging 10,000 jobs each time:
///
///     var judge = FleetJudge(snapshot, at: now)
///     judge.advance(to: now + 1)          // cheap while no job's threshold passed
///     judge.update(newerSnapshot, at: now + 2)
///     judge.report.jobs                   // worst first
public struct FleetJudge: Sendable {
    /// Every job judged at `now`, worst state first, then priority and slug.
    public private(set) var report: FleetReport
    /// The data judged.
    public private(set) var snapshot: BoardSnapshot

    /// Beside each of `report.jobs`: what was judged and until when it holds.
    private struct Mark: Sendable {
        /// Position of the job's entry in `snapshot.entries`.
        var entry: Int
        var version: Int64
        var validUntil: Date
    }

    private var marks: [Mark]
    /// Position in `report.jobs` by slug.
    private var positions: [String: Int]
    /// The earliest `validUntil`, or the end of the first mute to end: nothing changes before it.
    private var nextChange: Date
    /// False for a fleet judged elsewhere (`take`): only mutes that end are applied here.
    private var judgesLocally = true

    /// Judges every job of `snapshot` at `now`.
    public init(_ snapshot: BoardSnapshot, at now: Date) {
        self.snapshot = snapshot
        report = FleetReport(judged: [], at: now)
        marks = []
        positions = [:]
        nextChange = now
        rebuild(at: now)
    }

    /// Takes a fleet judged elsewhere — by `serve`, read back through its JSON API — with the snapshot it was
    /// judged from. Nothing of it is judged here again (`serve` judges, and sends what changed); mutes that end
    /// still unmute their jobs at once.
    public mutating func take(_ judged: FleetReport, of snapshot: BoardSnapshot, at now: Date) {
        judgesLocally = false
        self.snapshot = snapshot
        var entries: [String: Int] = [:]
        entries.reserveCapacity(snapshot.entries.count)
        for (index, entry) in snapshot.entries.enumerated() { entries[entry.job.slug] = index }
        let known = judged.jobs.allSatisfy { entries[$0.job.slug] != nil }
        report = FleetReport(judged: known ? judged.jobs : judged.jobs.filter { entries[$0.job.slug] != nil }, at: now)
        marks = report.jobs.map { Mark(entry: entries[$0.job.slug]!, version: 0, validUntil: .distantFuture) }
        lastJudged = 0
        sort(reindex: true)
        nextChange = earliestChange(after: now)
    }

    /// Takes newer data of a fleet judged elsewhere whose jobs did not change since the last `take` (the
    /// evaluator ticked, alerts or mutes moved): the report stays as it is, without a pass over the fleet.
    /// Returns false, taking nothing, when the fleet was not taken from elsewhere or its jobs are not the ones
    /// judged; then `take` it whole.
    public mutating func take(unchangedJobsOf snapshot: BoardSnapshot, at now: Date) -> Bool {
        guard !judgesLocally, snapshot.entries.count == marks.count else { return false }
        self.snapshot = snapshot
        report.now = now
        lastJudged = 0
        nextChange = earliestChange(after: now)
        return true
    }

    /// How many jobs the last `advance` or `update` judged again (for benchmarks and tests).
    public private(set) var lastJudged = 0

    /// Moves the clock to `now`, judging again the jobs whose judgement has run out. Returns whether any
    /// job's report changed. A clock that moves backwards judges everything again.
    @discardableResult
    public mutating func advance(to now: Date) -> Bool {
        defer { report.now = now }
        lastJudged = 0
        if now < report.now, judgesLocally {
            rebuild(at: now)
            return true
        }
        guard now >= nextChange else { return false }
        var stale: [Int] = []
        for (index, mark) in marks.enumerated() where mark.validUntil <= now {
            stale.append(index)
        }
        return rejudge(stale, mutesChanged: mutesEnded(snapshot.activeMutes, by: now), at: now)
    }

    /// Takes newer data at `now`: jobs whose version moved (or that have none) are judged again, new jobs
    /// judged, removed ones dropped; then time-expired judgements as in `advance`. Returns whether any job's
    /// report changed.
    @discardableResult
    public mutating func update(_ snapshot: BoardSnapshot, at now: Date) -> Bool {
        let old = self.snapshot
        self.snapshot = snapshot
        defer { report.now = now }
        lastJudged = 0
        if !judgesLocally || now < report.now || snapshot.monitorOutages != old.monitorOutages || snapshot.entries.count < marks.count {
            rebuild(at: now)
            return true
        }
        // The same data version is the same jobs (a store answers it with the entries it gave before): only
        // time moved, and perhaps the mutes in force — no pass over the fleet.
        if snapshot.dataVersion != 0, snapshot.dataVersion == old.dataVersion, snapshot.entries.count == marks.count {
            let mutesChanged = snapshot.activeMutes != old.activeMutes || mutesEnded(old.activeMutes, by: now)
            guard now >= nextChange || mutesChanged else { return false }
            let stale = marks.indices.filter { marks[$0].validUntil <= now }
            return rejudge(stale, mutesChanged: mutesChanged, at: now)
        }
        var stale: [Int] = []
        var added: [Int] = []
        // By index, not `for entry in`: a copied entry costs a reference count per field of its job.
        let entries = snapshot.entries
        for entryIndex in entries.indices {
            guard let position = positions[entries[entryIndex].job.slug] else {
                added.append(entryIndex)
                continue
            }
            let version = entries[entryIndex].version
            let mark = marks[position]
            marks[position].entry = entryIndex
            if version == 0 || version != mark.version || mark.validUntil <= now {
                stale.append(position)
            }
        }
        // A job renamed or removed leaves its old slug behind: start again rather than track it.
        if snapshot.entries.count - added.count != marks.count {
            rebuild(at: now)
            return true
        }
        var changed = false
        for entryIndex in added {
            let judged = judge(entryIndex, at: now)
            positions[judged.report.job.slug] = report.jobs.count
            report.jobs.append(judged.report)
            marks.append(judged.mark)
            changed = true
        }
        let mutesChanged = snapshot.activeMutes != old.activeMutes || mutesEnded(old.activeMutes, by: now)
        let rejudged = rejudge(stale, mutesChanged: mutesChanged, at: now, forceSort: !added.isEmpty)
        return changed || rejudged
    }

    /// The job with this slug, judged at `now`.
    public func job(slug: String) -> JobReport? {
        positions[slug].map { report.jobs[$0] }
    }

    // MARK: Judging

    /// Judges the jobs at `positions` again (and every job's mute when `mutesChanged`), re-sorting when a
    /// state moved.
    private mutating func rejudge(_ stale: [Int], mutesChanged: Bool, at now: Date, forceSort: Bool = false) -> Bool {
        lastJudged = stale.count
        var changed = false
        var reorder = forceSort
        for position in stale {
            let judged = judge(marks[position].entry, at: now)
            let before = report.jobs[position]
            if judged.report != before {
                changed = true
                if judged.report.status.state != before.status.state { reorder = true }
                report.jobs[position] = judged.report
            }
            marks[position] = judged.mark
        }
        if mutesChanged {
            for position in report.jobs.indices {
                let muted = Self.muted(report.jobs[position].job, by: snapshot.activeMutes, at: now)
                if muted != report.jobs[position].muted {
                    report.jobs[position].muted = muted
                    changed = true
                }
            }
        }
        if reorder { sort() }
        nextChange = earliestChange(after: now)
        return changed
    }

    /// Judges the whole snapshot afresh.
    private mutating func rebuild(at now: Date) {
        judgesLocally = true
        var jobs: [JobReport] = []
        jobs.reserveCapacity(snapshot.entries.count)
        marks = []
        marks.reserveCapacity(snapshot.entries.count)
        for index in snapshot.entries.indices {
            let judged = judge(index, at: now)
            jobs.append(judged.report)
            marks.append(judged.mark)
        }
        lastJudged = jobs.count
        // Consumed, so that `sort` swaps in the only copy of the array instead of copying 10,000 reports first.
        report = FleetReport(judged: consume jobs, at: now)
        sort(reindex: true)
        nextChange = earliestChange(after: now)
    }

    private func judge(_ entryIndex: Int, at now: Date) -> (report: JobReport, mark: Mark) {
        let job = snapshot.entries[entryIndex].job
        let status = JobEvaluator.evaluate(
            job, activity: snapshot.entries[entryIndex].activity, at: now, skipping: snapshot.monitorOutages)
        let mark = Mark(entry: entryIndex, version: snapshot.entries[entryIndex].version, validUntil: status.validUntil)
        return (JobReport(job: job, status: status, muted: Self.muted(job, by: snapshot.activeMutes, at: now)), mark)
    }

    /// Whether one of `mutes` ended between the last judgement and `now`.
    private func mutesEnded(_ mutes: [Mute], by now: Date) -> Bool {
        mutes.contains { $0.until <= now && $0.until > report.now }
    }

    private static func muted(_ job: Job, by mutes: [Mute], at now: Date) -> Bool {
        mutes.contains { $0.covers(job, at: now) }
    }

    /// Puts the jobs (and their marks) in the fleet report's order and keeps `positions` right (made afresh
    /// when `reindex`, else moved with the jobs). Nearly sorted input costs one pass and sorted input moves
    /// nothing. It sorts small keys and then swaps the reports into place: a `JobReport` copied costs a dozen
    /// reference counts, a swap none.
    private mutating func sort(reindex: Bool = false) {
        let keys = report.jobs.map(FleetReport.OrderKey.init)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        let moved = order.indices.filter { order[$0] != $0 }
        if !moved.isEmpty {
            marks = order.map { marks[$0] }
            // Each cycle of the permutation in turn: the report wanted at `slot` is at `pending[slot]`.
            var pending = order
            for start in moved where pending[start] != start {
                var slot = start
                while pending[slot] != start {
                    let source = pending[slot]
                    report.jobs.swapAt(slot, source)
                    pending[slot] = slot
                    slot = source
                }
                pending[slot] = slot
            }
        }
        if reindex {
            positions = [:]
            positions.reserveCapacity(keys.count)
            for index in order.indices { positions[keys[order[index]].slug] = index }
        } else {
            for index in moved { positions[keys[order[index]].slug] = index }
        }
    }

    private func earliestChange(after now: Date) -> Date {
        var next = Date.distantFuture
        for mark in marks where mark.validUntil < next { next = mark.validUntil }
        for mute in snapshot.activeMutes where mute.until > now && mute.until < next { next = mute.until }
        return next
    }
}
