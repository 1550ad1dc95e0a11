import Foundation

/// A job's shown state changed: recorded by `serve`'s evaluator so the board and the API can say
/// "overdue since 14:00" even when no heartbeat marked the moment.
public struct StateTransition: Sendable, Equatable {
    public var jobID: Int64
    /// When the new state began, as near as the evaluator can tell (see `detect`).
    public var at: Date
    /// The previous state; nil the first time the job is evaluated.
    public var from: JobState?
    public var to: JobState

    public init(jobID: Int64, at: Date, from: JobState?, to: JobState) {
        self.jobID = jobID
        self.at = at
        self.from = from
        self.to = to
    }
}

/// The last state the evaluator recorded for a job, and since when.
public struct EvaluatedState: Sendable, Equatable {
    public var state: JobState
    public var since: Date

    public init(state: JobState, since: Date) {
        self.state = state
        self.since = since
    }
}

extension StateTransition {
    /// The transition from `previous` to the state `status` shows, or nil when it did not change.
    ///
    /// The time is when the new state began when the status tells it (overdue: the deadline; late: the slot;
    /// running too long: start + max runtime; running: the start; a finished run's state: its end), kept
    /// between `notBefore` (the previous tick: the old state was still seen then) and `now`; else `now`.
    public static func detect(
        from previous: EvaluatedState?, to status: JobStatus, of job: Job, at now: Date, notBefore: Date?
    ) -> StateTransition? {
        guard let jobID = job.id, previous?.state != status.state else { return nil }
        var at = beginning(of: status, job: job, at: now) ?? now
        if at > now { at = now }
        for floor in [notBefore, previous?.since].compactMap({ $0 }) where at < floor && floor <= now {
            at = floor
        }
        return StateTransition(jobID: jobID, at: at, from: previous?.state, to: status.state)
    }

    private static func beginning(of status: JobStatus, job: Job, at now: Date) -> Date? {
        switch status.state {
        case .overdue: status.deadline
        case .late: status.dueAt
        case .runningTooLong:
            status.openRun.map { ($0.startedAt ?? $0.lastHeartbeatAt).addingTimeInterval(JobEvaluator.maxRuntime(of: job, at: now)) }
        case .running: status.openRun.map { $0.startedAt ?? $0.lastHeartbeatAt }
        case .verificationFailed: status.lastFinishedRun?.lastHeartbeatAt
        case .failed, .up: status.lastFinishedRun.map { $0.endedAt ?? $0.lastHeartbeatAt }
        case .new, .paused: nil
        }
    }
}
