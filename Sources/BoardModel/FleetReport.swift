import Foundation

/// One job, judged at a moment, with whether a mute silences it.
public struct JobReport: Sendable, Equatable {
    public var job: Job
    public var status: JobStatus
    public var muted: Bool

    public init(job: Job, status: JobStatus, muted: Bool) {
        self.job = job
        self.status = status
        self.muted = muted
    }

    /// Neither paused nor muted: it counts towards the fleet's level.
    public var counts: Bool { !job.paused && !muted }
}

/// Every job judged at one moment: what `status` prints and the board's header counts.
public struct FleetReport: Sendable, Equatable {
    /// The jobs, worst state first, then by priority and slug.
    public var jobs: [JobReport]
    public var now: Date

    /// Judges each job at `now`; mutes active at `now` mark the jobs they cover. Slots whose deadline fell
    /// inside one of `outages` of the monitor are not judged (see `JobEvaluator.evaluate`).
    public init(
        jobs: [(job: Job, activity: JobActivity)], mutes: [Mute], at now: Date, skipping outages: [DateInterval] = []
    ) {
        self.now = now
        self.jobs = jobs.map { entry in
            JobReport(
                job: entry.job,
                status: JobEvaluator.evaluate(entry.job, activity: entry.activity, at: now, skipping: outages),
                muted: mutes.contains { $0.covers(entry.job, at: now) }
            )
        }
        .sorted { OrderKey($0) < OrderKey($1) }
    }

    /// The report's order: worst state first, then priority, then slug.
    struct OrderKey: Comparable {
        var state: JobState
        var priority: JobPriority
        var slug: String

        init(_ report: JobReport) {
            state = report.status.state
            priority = report.job.priority
            slug = report.job.slug
        }

        static func < (a: OrderKey, b: OrderKey) -> Bool {
            if a.state != b.state { return a.state < b.state }
            if a.priority != b.priority { return a.priority < b.priority }
            return a.slug < b.slug
        }
    }

    /// The loudest level among jobs neither muted nor paused (the exit code 0/1/2 of docs/architecture.md §3),
    /// their restore states included (`RestoreState.level`).
    public var level: StateLevel {
        let restore = restoreStates
        var level = StateLevel.ok
        for index in jobs.indices where jobs[index].counts {
            level = max(level, jobs[index].status.level)
            if let state = restore[jobs[index].job] {
                level = max(level, state.level(escalationPeriods: jobs[index].job.alerting.restoreEscalationPeriods))
            }
        }
        return level
    }

    /// How many jobs show each state.
    public var countsByState: [JobState: Int] {
        var counts: [JobState: Int] = [:]
        for index in jobs.indices { counts[jobs[index].status.state, default: 0] += 1 }
        return counts
    }

    /// How many jobs are at each level (paused jobs are left out).
    public var countsByLevel: [StateLevel: Int] {
        jobs.filter { !$0.job.paused }.reduce(into: [:]) { $0[$1.status.level, default: 0] += 1 }
    }
}

extension FleetReport {
    /// The snapshot's jobs judged at `now`, with its mutes, skipping slots inside monitor outages:
    /// the same judgement `serve`, the board and `status` show.
    public init(_ snapshot: BoardSnapshot, at now: Date) {
        self.init(jobs: snapshot.jobsWithActivity, mutes: snapshot.activeMutes, at: now, skipping: snapshot.monitorOutages)
    }
}

extension BoardSnapshot {
    /// How often `serve`'s evaluator ticks unless configured otherwise.
    public static let defaultEvaluatorInterval: TimeInterval = 10

    /// The snapshot's jobs with their current-state rows, for `FleetReport`.
    public var jobsWithActivity: [(job: Job, activity: JobActivity)] {
        entries.map { ($0.job, $0.activity) }
    }

    /// Stale when the evaluator's last tick is older than three intervals; a database that never had an
    /// evaluator (no tick stored) is never stale.
    public func evaluatorIsStale(at now: Date, interval: TimeInterval = defaultEvaluatorInterval) -> Bool {
        Self.evaluatorIsStale(lastTick: evaluatorLastTick, at: now, interval: interval)
    }

    /// The same rule for a tick read on its own.
    public static func evaluatorIsStale(lastTick: Date?, at now: Date, interval: TimeInterval) -> Bool {
        guard let lastTick else { return false }
        return now.timeIntervalSince(lastTick) > 3 * interval
    }
}
