import Foundation

/// Whether a job's backups are proved restorable in time, at a moment (docs/restore-tests.md): read from the
/// restore tests, the jobs of kind `restore_test` whose `tests` name it. A restore test's run is one restore
/// drill; its duration is the restore time, set against the proved job's RTO.
///
/// Several tests proving one job: the newest counts. Its newest finished run decides `failed`; the newest
/// successful run among all of them decides the restore age, and, when that run is its test's latest finished
/// run, `rtoBreach` (a success followed by a failure is judged by the failure). The job is overdue once every
/// test proving it has gone longer than its own period plus grace without a success (since the test's creation
/// for a test that never succeeded).
public struct RestoreState: Sendable, Equatable {
    /// What is true of the job's restores at a moment, worst first.
    public enum Verdict: String, Sendable, Equatable, CaseIterable, Comparable {
        /// The newest restore test failed.
        case failed
        /// The newest successful restore took longer than the RTO.
        case rtoBreach = "rto_breach"
        /// No successful restore within the test's period plus grace.
        case overdue
        /// No successful restore yet and none due: no restore test names the job (it has an RTO or
        /// `require_restore_test`), or its tests have not succeeded yet.
        case untested
        /// Restored within the period and, when the job has an RTO, within it.
        case proved

        public var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }

        /// The verdict as users read it: `RTO breached`, `untested`.
        public var word: String {
            switch self {
            case .failed: "restore failed"
            case .rtoBreach: "RTO breached"
            case .overdue: "restore overdue"
            case .untested: "untested"
            case .proved: "proved"
            }
        }
    }

    /// The restore tests that prove the job, by slug, in slug order.
    public var tests: [String]
    /// The newest finished restore run, and the test it belongs to.
    public var lastTest: Run?
    public var lastTestSlug: String?
    /// When the newest successful restore ended.
    public var lastRestoredAt: Date?
    /// How long the newest successful restore took, when it is its test's latest finished run.
    public var restoreDuration: TimeInterval?
    /// The proved job's RTO.
    public var rto: TimeInterval?
    /// Past this moment with no newer successful restore, the job is overdue (nil when untested).
    public var dueBy: Date?
    /// The period of the test that sets `dueBy`: each one passed beyond it is a further missed period.
    public var period: TimeInterval?
    /// Whole periods missed beyond `dueBy` (0 while not overdue).
    public var missedPeriods: Int
    /// Every verdict true at the moment, worst first; empty means proved.
    public var conditions: [Verdict]
    /// Whether an untested job must be tested (`require_restore_test`).
    public var required: Bool

    /// The verdict shown: the worst condition, else proved.
    public var verdict: Verdict { conditions.first ?? .proved }

    /// How long ago the newest successful restore ended.
    public func restoreAge(at now: Date) -> TimeInterval? {
        lastRestoredAt.map { max(0, now.timeIntervalSince($0)) }
    }

    /// The level this state adds to `status`'s exit code: failed and RTO breach are critical, overdue a
    /// warning (critical after `restore_escalation_periods` further periods), untested nothing unless required.
    public func level(escalationPeriods: Int) -> StateLevel {
        var level = StateLevel.ok
        for condition in conditions {
            switch condition {
            case .failed, .rtoBreach: level = max(level, .critical)
            case .overdue: level = max(level, missedPeriods >= escalationPeriods ? .critical : .warning)
            case .untested: if required && tests.isEmpty { level = max(level, .warning) }
            case .proved: break
            }
        }
        return level
    }
}

/// Every job's restore state at one moment: the jobs restore tests prove, and the jobs with an RTO (or
/// `require_restore_test`) that none proves, which are untested. Jobs with neither, and restore tests
/// themselves, have none. Only proved jobs are kept (a fleet of 10,000 jobs with RTOs and no tests allocates
/// nothing per job); an untested job's state is made when asked for.
public struct RestoreStates: Sendable, Equatable {
    /// The states of the jobs restore tests prove, by slug.
    private var bySlug: [String: RestoreState]
    /// How many jobs (paused ones left out) are untested.
    public private(set) var untested: Int
    /// The first moment a state may change with no new data: a `dueBy` or a further missed period.
    public private(set) var validUntil: Date
    public private(set) var now: Date

    public static let empty = RestoreStates(bySlug: [:], untested: 0, validUntil: .distantFuture, now: .distantPast)

    private init(bySlug: [String: RestoreState], untested: Int, validUntil: Date, now: Date) {
        self.bySlug = bySlug
        self.untested = untested
        self.validUntil = validUntil
        self.now = now
    }

    /// `job`'s restore state, or nil when it has none.
    public subscript(job: Job) -> RestoreState? {
        if let proved = bySlug.isEmpty ? nil : bySlug[job.slug] { return proved }
        guard job.kind != .restoreTest, job.rto != nil || job.requireRestoreTest else { return nil }
        return RestoreState(
            tests: [], lastTest: nil, lastTestSlug: nil, lastRestoredAt: nil, restoreDuration: nil, rto: job.rto,
            dueBy: nil, period: nil, missedPeriods: 0, conditions: [.untested], required: job.requireRestoreTest)
    }

    /// The states of `jobs` judged at `now`. One pass over the jobs that allocates only for restore tests and
    /// the jobs they prove.
    public init(_ jobs: [JobReport], at now: Date) {
        let provers = Self.provers(in: jobs)
        var states: [String: RestoreState] = [:]
        var untested = 0
        var validUntil = Date.distantFuture
        for index in jobs.indices {
            let job = jobs[index].job
            guard job.kind != .restoreTest else { continue }
            let tests = provers.isEmpty ? [] : provers[job.slug] ?? []
            guard !tests.isEmpty || job.rto != nil || job.requireRestoreTest else { continue }
            guard !tests.isEmpty else {
                if !job.paused { untested += 1 }
                continue
            }
            let state = Self.state(of: jobs[index], provedBy: tests, in: jobs, at: now)
            if state.verdict == .untested, !job.paused { untested += 1 }
            if let dueBy = state.dueBy, let period = state.period {
                let next = dueBy > now ? dueBy : dueBy.addingTimeInterval(Double(state.missedPeriods + 1) * period)
                validUntil = min(validUntil, next)
            }
            states[job.slug] = state
        }
        self.init(bySlug: states, untested: untested, validUntil: validUntil, now: now)
    }

    /// The restore tests by the slug they prove: indices into `jobs`. Allocates only for restore tests.
    static func provers(in jobs: [JobReport]) -> [String: [Int]] {
        var provers: [String: [Int]] = [:]
        for index in jobs.indices where jobs[index].job.kind == .restoreTest {
            for slug in jobs[index].job.tests { provers[slug, default: []].append(index) }
        }
        return provers
    }

    /// `report`'s job proved by the restore tests at `tests` (indices into `jobs`).
    static func state(of report: JobReport, provedBy tests: [Int], in jobs: [JobReport], at now: Date) -> RestoreState {
        var lastTest: (run: Run, slug: String, good: Bool)?
        var lastGood: (at: Date, duration: TimeInterval?)?
        var dueBy: Date?
        var period: TimeInterval?
        for index in tests {
            let test = jobs[index]
            if let run = test.status.lastFinishedRun, lastTest.map({ run.time > $0.run.time }) ?? true {
                lastTest = (run, test.job.slug, run.isGood(minSize: test.job.minSize))
            }
            if let goodAt = test.status.lastGoodAt, lastGood.map({ goodAt > $0.at }) ?? true {
                let latest = test.status.lastFinishedRun
                let isLatest = latest.map { $0.isGood(minSize: test.job.minSize) && $0.endedAt == goodAt } ?? false
                lastGood = (goodAt, isLatest ? latest?.duration : nil)
            }
            let testPeriod = test.job.schedule.period(near: now)
            let due = (test.status.lastGoodAt ?? test.job.createdAt).addingTimeInterval(testPeriod + test.job.grace)
            if dueBy.map({ due > $0 }) ?? true {
                dueBy = due
                period = testPeriod
            }
        }
        var conditions: [RestoreState.Verdict] = []
        if let last = lastTest, !last.good { conditions.append(.failed) }
        let rto = report.job.rto
        if let rto, let duration = lastGood?.duration, duration > rto { conditions.append(.rtoBreach) }
        var missed = 0
        if let dueBy, let period, now > dueBy {
            conditions.append(.overdue)
            missed = period > 0 ? Int(now.timeIntervalSince(dueBy) / period) : 0
        } else if lastGood == nil, conditions.isEmpty {
            // Tests that have not succeeded yet, and are not due: nothing proves the job so far.
            conditions.append(.untested)
        }
        return RestoreState(
            tests: tests.map { jobs[$0].job.slug }.sorted(), lastTest: lastTest?.run, lastTestSlug: lastTest?.slug,
            lastRestoredAt: lastGood?.at, restoreDuration: lastGood?.duration, rto: rto, dueBy: dueBy, period: period,
            missedPeriods: missed, conditions: conditions, required: report.job.requireRestoreTest)
    }
}

extension FleetReport {
    /// Every job's restore state at the report's moment.
    public var restoreStates: RestoreStates { RestoreStates(jobs, at: now) }
}
