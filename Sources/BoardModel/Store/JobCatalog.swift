import Foundation

/// The job definitions: `jobs add`, `jobs apply`, `jobs remove`, the demo.
public protocol JobCatalog: Sendable {
    /// Adds a job; answers its id.
    @discardableResult
    func insert(_ job: Job) async throws -> Int64
    func update(_ job: Job) async throws
    func removeJob(slug: String) async throws
    /// Carries out a `jobs apply` plan and replaces the maintenance windows, in one transaction.
    func apply(_ plan: JobsPlan, maintenanceWindows: [MaintenanceWindow]) async throws
}
