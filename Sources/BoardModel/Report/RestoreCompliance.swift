import Foundation

/// A job's restore drills over a report's period (docs/restore-tests.md): the runs of the restore tests that
/// prove it, each restore time against its RTO, and the longest stretch without a successful restore.
public struct RestoreCompliance: Sendable, Equatable {
    /// One restore drill of the period.
    public struct Drill: Sendable, Equatable {
        /// The restore test that ran it.
        public var test: String
        public var time: Date
        public var good: Bool
        /// How long the restore took (measured, else reported).
        public var duration: TimeInterval?
        /// Whether it took no longer than the RTO; nil when the job has no RTO or the time is unknown.
        public var withinRTO: Bool?
    }

    /// The restore tests that prove the job, by slug.
    public var tests: [String]
    public var rto: TimeInterval?
    /// The drills that started in the period, oldest first.
    public var drills: [Drill]
    /// The longest stretch of the period with no successful restore before it: from the latest successful
    /// restore before (or the job's creation, or the period's start) to the next, or to the period's end.
    public var longestUntested: TimeInterval

    /// Successful drills in the period.
    public var goodDrills: Int { drills.filter(\.good).count }
    /// No successful restore in the period.
    public var untested: Bool { goodDrills == 0 }
    /// A successful restore in the period took longer than the RTO.
    public var breached: Bool { drills.contains { $0.good && $0.withinRTO == false } }
    /// The latest successful restore of the period took no longer than the RTO (or the job has none).
    public var provedWithinRTO: Bool { drills.last(where: \.good).map { $0.withinRTO ?? ($0.duration != nil || rto == nil) } ?? false }

    /// Judges `job`'s restores over `period` from `testRuns`: the runs of each restore test that proves it (by
    /// the test's slug and min size), those in the period and at least the latest good one before it.
    public init(job: Job, tests testRuns: [(slug: String, minSize: Int64?, runs: [Run])], period: DateInterval) {
        tests = testRuns.map(\.slug).sorted()
        rto = job.rto
        var drills: [Drill] = []
        var goodEnds: [Date] = []
        for test in testRuns {
            for run in test.runs where run.outcome != .running {
                let good = run.isGood(minSize: test.minSize)
                if good { goodEnds.append(run.endedAt ?? run.lastHeartbeatAt) }
                guard period.start <= run.time, run.time <= period.end else { continue }
                let within = good ? job.rto.flatMap { rto in run.duration.map { $0 <= rto } } : nil
                drills.append(Drill(test: test.slug, time: run.time, good: good, duration: run.duration, withinRTO: within))
            }
        }
        self.drills = drills.sorted { ($0.time, $0.test) < ($1.time, $1.test) }
        var longest: TimeInterval = 0
        var since = max(period.start, job.createdAt)
        for end in goodEnds.sorted() where end <= period.end {
            if end <= period.start {
                since = period.start
                continue
            }
            longest = max(longest, end.timeIntervalSince(since))
            since = max(since, end)
        }
        longest = max(longest, period.end.timeIntervalSince(since))
        longestUntested = longest
    }
}

extension ComplianceReport {
    /// Adds each job's restore drills (`JobCompliance.restore`): for the jobs restore tests prove and the jobs
    /// with an RTO. `testRuns` are the runs of every restore test, by its slug (see `RestoreCompliance.init`).
    public mutating func judgeRestores(testRuns: [String: [Run]]) {
        var provers: [String: [(slug: String, minSize: Int64?, runs: [Run])]] = [:]
        for compliance in jobs where compliance.job.kind == .restoreTest {
            for slug in compliance.job.tests {
                provers[slug, default: []].append(
                    (compliance.job.slug, compliance.job.minSize, testRuns[compliance.job.slug] ?? []))
            }
        }
        for index in jobs.indices where jobs[index].job.kind != .restoreTest {
            let job = jobs[index].job
            let tests = provers[job.slug] ?? []
            guard !tests.isEmpty || job.rto != nil || job.requireRestoreTest else { continue }
            jobs[index].restore = RestoreCompliance(job: job, tests: tests, period: period)
        }
    }

    /// Jobs with a restore state whose latest restore of the period took no longer than the RTO.
    public var jobsProvedWithinRTO: Int { jobs.filter { $0.restore?.provedWithinRTO == true }.count }
    /// Jobs with an RTO (or a restore test) and no successful restore in the period.
    public var jobsUntested: Int { jobs.filter { $0.restore?.untested == true }.count }
    /// Jobs with a successful restore in the period that took longer than the RTO.
    public var jobsBreachingRTO: Int { jobs.filter { $0.restore?.breached == true }.count }
}
