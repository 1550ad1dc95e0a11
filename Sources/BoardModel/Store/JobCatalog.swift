import Foundation

/// The job definitions and their audit trail: `jobs add`, `jobs apply`, `jobs remove`, the jobs API, the demo.
public protocol JobCatalog: Sendable {
    /// Adds a job; answers its id.
    @discardableResult
    func insert(_ job: Job) async throws -> Int64
    func update(_ job: Job) async throws
    func removeJob(slug: String) async throws
    /// Carries out a plan (`jobs apply`'s, or one API request's) and records it in the audit trail as made by
    /// `actor` at `date`, in one transaction; replaces the maintenance windows too unless they are nil.
    func apply(_ plan: JobsPlan, maintenanceWindows: [MaintenanceWindow]?, by actor: String, at date: Date) async throws
    /// The newest audit entries first, of one job (by slug) or of all.
    func auditTrail(slug: String?, limit: Int) async throws -> [JobAuditEntry]
    /// Creates `job` for a ping by slug, with its audit entry signed `actor`, in one transaction that first takes the
    /// writers' lock: when its slug is taken by then (another instance created it a moment ago), answers that job;
    /// when `actor` already created `limit.count` jobs since `limit.since`, creates nothing.
    func create(_ job: Job, by actor: String, at date: Date, limit: CreationLimit) async throws -> JobCreation
    /// Records an alert no rule owns and the evaluator leaves alone (a refused auto-create), as given: opened and
    /// usually resolved already, so it shows in the alert log and pages nobody.
    @discardableResult
    func record(_ alert: Alert) async throws -> Int64
}

/// How many jobs one actor may create in a period (`max_creates_per_hour` of a server ping key).
public struct CreationLimit: Sendable, Equatable {
    public var count: Int
    public var since: Date

    public init(count: Int, since: Date) {
        self.count = count
        self.since = since
    }
}

/// What `JobCatalog.create(_:by:at:limit:)` did.
public enum JobCreation: Sendable, Equatable {
    /// The job was created (with its id).
    case created(Job)
    /// Its slug was taken by then: the job that has it.
    case existing(Job)
    /// The actor reached its limit: nothing was created.
    case limited
}
