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
}
