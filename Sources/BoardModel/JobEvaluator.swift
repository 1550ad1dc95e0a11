import Foundation

/// What a job looks like at `now`: its state and the times the board and `status` show.
public struct JobStatus: Sendable, Equatable {
    /// The state shown: `paused` when the job is paused, else `evaluated`.
    public var state: JobState
    /// The state the rules give, ignoring pause.
    public var evaluated: JobState
    /// The next slot: when the next run is due to start.
    public var dueAt: Date
    /// `dueAt + grace`: past this without a start, the job is overdue.
    public var deadline: Date
    /// Whole periods missed beyond the deadline (0 while not overdue).
    public var missedPeriods: Int
    /// The latest run, open or finished.
    public var lastRun: Run?
    /// The latest run that has ended: the one whose duration and size are shown.
    public var lastFinishedRun: Run?
    /// The open run, if one is running.
    public var openRun: Run?
    /// End of the latest good run.
    public var lastGoodAt: Date?
    /// Good runs over finished runs in the last 30 days, when any finished.
    public var successRate: Double?
    /// Every condition true at `now`, worst first; `evaluated` is the first. The alert rules read each one
    /// (a failed job that is also overdue raises both `failed` and `delayed`).
    public var conditions: [JobState] = []
    /// Until this moment the judgement stands: the next time a slot, deadline, missed period, max runtime or
    /// the 30-day window is crossed. Only new data or this moment can change the state, so a board or an
    /// evaluator judges a job again only then (`FleetJudge`). Ages are not part of it: they are read at the
    /// moment they are shown (`backupAge(at:)`).
    public var validUntil: Date = .distantFuture

    /// Time since the latest good run at `now`, set against the RPO.
    public func backupAge(at now: Date) -> TimeInterval? {
        lastGoodAt.map { max(0, now.timeIntervalSince($0)) }
    }

    /// Failed, verification failed, or overdue by a further whole period: `status` exits 2.
    public var isCritical: Bool {
        evaluated.level == .critical || (evaluated == .overdue && missedPeriods >= 1)
    }

    /// The level `status` counts for this job: critical, warning or ok.
    public var level: StateLevel {
        isCritical ? .critical : evaluated.level
    }
}

/// Judges a job against its schedule and its recent runs. Pure: `now` is a parameter.
public enum JobEvaluator {
    /// The state of `job` at `now`, given its current-state row.
    ///
    /// Conditions, all judged and the worst shown: the latest finished run's verification failed; it failed,
    /// was abandoned or came in below min size; the open run has outlived max runtime; the next slot plus grace
    /// has passed with no start (overdue) or the slot itself has (late); a run is open; the latest run was good;
    /// nothing was ever seen (new).
    ///
    /// `outages` are stretches when the monitor was down (docs/architecture.md §5): a slot whose deadline fell inside
    /// one was not judged, so it moves forward to the first slot after the outage ends, and the job is due again
    /// from there. Deadlines before an outage were judged before it and stay.
    public static func evaluate(
        _ job: Job, activity: JobActivity, at now: Date, skipping outages: [DateInterval] = []
    ) -> JobStatus {
        let runs = activity.recentRuns
        let openRun = activity.openRun
        let lastFinished = activity.lastFinishedRun
        let (period, periodChangesAt) = job.schedule.periodAndChange(near: now)
        var validUntil = periodChangesAt
        func changes(at date: Date) {
            if date >= now && date < validUntil { validUntil = date }
        }
        let dueAt = slotAfterOutages(
            nextSlot(for: job, runs: runs, period: period), job: job, outages: outages)
        let deadline = dueAt.addingTimeInterval(job.grace)

        var conditions: [JobState] = []
        conditions.reserveCapacity(3)
        if let run = lastFinished {
            if run.verification == .failed {
                conditions.append(.verificationFailed)
            } else if run.outcome != .completed || run.isBelowMinSize(job.minSize) {
                conditions.append(.failed)
            } else {
                conditions.append(.up)
            }
        }
        if let run = openRun {
            let limit = (run.startedAt ?? run.lastHeartbeatAt).addingTimeInterval(job.maxRuntime ?? period)
            conditions.append(now > limit ? .runningTooLong : .running)
            changes(at: limit)
        }
        var missedPeriods = 0
        if now >= deadline {
            conditions.append(.overdue)
            missedPeriods = Int(now.timeIntervalSince(deadline) / max(period, 1))
            changes(at: deadline.addingTimeInterval(Double(missedPeriods + 1) * max(period, 1)))
        } else if now >= dueAt {
            conditions.append(.late)
            changes(at: deadline)
        } else {
            changes(at: dueAt)
        }
        if runs.isEmpty { conditions.append(.new) }
        conditions.sort()
        let evaluated = conditions.first ?? .new

        var lastGoodAt = activity.lastGoodAt
        for index in runs.indices.reversed() where runs[index].isGood(minSize: job.minSize) {
            lastGoodAt = runs[index].endedAt ?? runs[index].time
            break
        }
        let window = successRate(runs, minSize: job.minSize, since: now.addingTimeInterval(-successWindow))
        if let oldest = window.oldest { changes(at: oldest.addingTimeInterval(successWindow)) }
        return JobStatus(
            state: job.paused ? .paused : evaluated,
            evaluated: evaluated,
            dueAt: dueAt,
            deadline: deadline,
            missedPeriods: missedPeriods,
            lastRun: runs.last,
            lastFinishedRun: lastFinished,
            openRun: openRun,
            lastGoodAt: lastGoodAt,
            successRate: window.rate,
            conditions: conditions,
            validUntil: validUntil
        )
    }

    /// The success rate looks back this far: 30 days.
    static let successWindow: TimeInterval = 30 * 86_400

    /// How long a run of `job` may take: its max runtime, else one period of its schedule near `now`.
    public static func maxRuntime(of job: Job, at now: Date) -> TimeInterval {
        job.maxRuntime ?? job.schedule.period(near: now)
    }

    /// `slot`, or, when its deadline fell inside an outage of the monitor, the first slot after that outage
    /// (repeated, in case the new deadline falls inside a later outage).
    static func slotAfterOutages(_ slot: Date, job: Job, outages: [DateInterval]) -> Date {
        var slot = slot
        for outage in outages.sorted(by: { $0.start < $1.start }) {
            let deadline = slot.addingTimeInterval(job.grace)
            // The monitor was alive at the outage's start (its last tick) and judged deadlines up to it.
            if deadline > outage.start && deadline <= outage.end {
                slot = job.schedule.nextDue(after: outage.end)
            }
        }
        return slot
    }

    /// The slot after the latest run's first heartbeat, or after creation for a job never seen.
    ///
    /// For cron and calendar events, a run that starts a little before a fire time meets that fire time: the next slot is the first
    /// fire after `start + tolerance`, where the tolerance is the smaller of the grace and half a period.
    static func nextSlot(for job: Job, runs: [Run], period: TimeInterval) -> Date {
        guard let lastStart = runs.lazy.map(\.time).max() else {
            return job.schedule.nextDue(after: job.createdAt)
        }
        switch job.schedule {
        case .interval:
            return job.schedule.nextDue(after: lastStart)
        case .cron, .calendar, .several:
            let tolerance = min(job.grace, period / 2)
            return job.schedule.nextDue(after: lastStart.addingTimeInterval(tolerance))
        }
    }

    /// Good runs over finished runs that started at or after `start`, and the oldest of those starts (when it
    /// leaves the window the rate changes).
    private static func successRate(_ runs: [Run], minSize: Int64?, since start: Date) -> (rate: Double?, oldest: Date?) {
        var finished = 0, good = 0
        var oldest: Date?
        for index in runs.indices where runs[index].outcome != .running && runs[index].time >= start {
            finished += 1
            if runs[index].isGood(minSize: minSize) { good += 1 }
            if oldest.map({ runs[index].time < $0 }) ?? true { oldest = runs[index].time }
        }
        guard finished > 0 else { return (nil, nil) }
        return (Double(good) / Double(finished), oldest)
    }
}
