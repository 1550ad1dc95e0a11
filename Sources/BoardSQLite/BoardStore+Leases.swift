import BoardModel
import Foundation

/// One `serve` at most opens a SQLite file (its serve lock), so that `serve` holds every lease, in one term
/// that never ends: fenced writes are never refused here (docs/high-availability.md).
extension BoardStore: LeaseStore {
    /// The file's one `serve`.
    public var sessionName: String { "serve" }

    public func acquireLease(_ role: Lease.Role, instance: String, ttl: TimeInterval) async throws -> LeaseHolding {
        LeaseHolding(lease: Lease(role: role, holder: sessionName, epoch: 1), instance: instance, expiresAt: .distantFuture)
    }

    public func renewLease(_ lease: Lease, ttl: TimeInterval) async throws -> Bool {
        true
    }

    public func releaseLease(_ lease: Lease) async throws {}

    /// This machine's: the file is on it.
    public func databaseClock() async throws -> Date {
        Date()
    }
}
