import Foundation

/// What the loader fetches for one job when its detail view opens.
public struct JobDetail: Sendable, Equatable {
    public var jobID: Int64
    /// The latest runs, newest first (the board shows 20).
    public var runs: [Run]
    /// The latest heartbeat, with its raw body and parse problems.
    public var lastHeartbeat: Heartbeat?
    /// The job's whole definition, when the board's copy lacks some of it (a remote board: owner,
    /// protects, RTO…); nil when the board's copy is whole.
    public var job: Job?
    /// The latest changes to the job's definition, newest first (the board shows 5).
    public var changes: [JobAuditEntry]

    public init(jobID: Int64, runs: [Run], lastHeartbeat: Heartbeat?, job: Job? = nil, changes: [JobAuditEntry] = []) {
        self.jobID = jobID
        self.runs = runs
        self.lastHeartbeat = lastHeartbeat
        self.job = job
        self.changes = changes
    }
}
