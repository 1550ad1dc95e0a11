import Foundation

/// Everything stored about one job, read in one snapshot: its detail view and `GET /api/v1/jobs/SLUG`.
public struct JobRecord: Sendable, Equatable {
    public var job: Job
    public var activity: JobActivity
    /// The data version of the read, and of the last write that changed this job.
    public var dataVersion: Int64
    public var version: Int64
    /// The asked page of runs, newest first; nil when `beforeRunID` names no run of this job.
    public var runs: [Run]?
    /// The latest heartbeats, newest first.
    public var heartbeats: [Heartbeat]
    public var transitions: [StateTransition]
    /// The job's open alerts.
    public var openAlerts: [Alert]
    /// Mutes in force at the read time, of any scope (the caller asks which cover the job).
    public var activeMutes: [Mute]
    /// The monitor's outages, whose slots are not judged.
    public var monitorOutages: [DateInterval]

    public init(
        job: Job, activity: JobActivity, dataVersion: Int64, version: Int64, runs: [Run]?, heartbeats: [Heartbeat],
        transitions: [StateTransition], openAlerts: [Alert], activeMutes: [Mute], monitorOutages: [DateInterval]
    ) {
        self.job = job
        self.activity = activity
        self.dataVersion = dataVersion
        self.version = version
        self.runs = runs
        self.heartbeats = heartbeats
        self.transitions = transitions
        self.openAlerts = openAlerts
        self.activeMutes = activeMutes
        self.monitorOutages = monitorOutages
    }
}

/// How a `JobRecord` read names its job and how much history it takes.
public struct JobRecordRequest: Sendable, Equatable {
    public enum Job: Sendable, Equatable {
        case slug(String)
        case id(Int64)
    }

    public var job: Job
    public var runs: Int
    /// Runs older than this run (paging); nil: the latest.
    public var beforeRunID: Int64?
    public var heartbeats: Int
    public var transitions: Int

    public init(_ job: Job, runs: Int, beforeRunID: Int64? = nil, heartbeats: Int, transitions: Int = 50) {
        self.job = job
        self.runs = runs
        self.beforeRunID = beforeRunID
        self.heartbeats = heartbeats
        self.transitions = transitions
    }
}

/// A job's history and the alert log: reads for the detail view, the API and `backupboard alerts`.
public protocol JobHistory: Sendable {
    /// One job with its history, read in one snapshot; nil when there is no such job.
    func jobRecord(_ request: JobRecordRequest, at now: Date) async throws -> JobRecord?
    func alert(id: Int64) async throws -> Alert?
    /// Alerts not yet resolved, oldest first.
    func openAlerts() async throws -> [Alert]
    /// The latest alerts, open or not, newest first.
    func recentAlerts(limit: Int) async throws -> [Alert]
}
