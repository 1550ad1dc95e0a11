import Foundation

/// The store's upkeep and its long reads: `backupboard prune`, the nightly prune of `serve`, `report`.
public protocol UpkeepStore: Sendable {
    /// Deletes what `policy` no longer keeps, as of `now`.
    func prune(now: Date, policy: RetentionPolicy) async throws -> PruneReport
    /// Folds the write-ahead log into the database where the store has one; answers whether it could.
    func checkpoint() async throws -> Bool
    /// Each job's compliance over `period`.
    func complianceReport(over period: DateInterval) async throws -> ComplianceReport
}
