import Foundation

/// A term of one of `serve`'s two leader roles, held by one instance among those sharing a database
/// (docs/high-availability.md). The epoch grows by one with every new term, so a write fenced by a lease
/// (`EvaluationStore.recordEvaluation`, the outbox's claims) is refused once a newer term began.
public struct Lease: Sendable, Hashable {
    public enum Role: String, Sendable, CaseIterable {
        /// Judges the fleet and writes its rounds.
        case evaluator
        /// Delivers the outbox's notifications.
        case outbox
    }

    public var role: Role
    /// Who holds it: one process's own id (`LeaseHolding.instance` is its name for people).
    public var holder: String
    public var epoch: Int64

    public init(role: Role, holder: String, epoch: Int64) {
        self.role = role
        self.holder = holder
        self.epoch = epoch
    }
}

/// A role's lease as the database has it: who holds it, for which term, until when (the database's clock).
public struct LeaseHolding: Sendable, Equatable {
    public var lease: Lease
    /// The holder's name for people: `serve`'s instance name.
    public var instance: String
    public var expiresAt: Date

    public init(lease: Lease, instance: String, expiresAt: Date) {
        self.lease = lease
        self.instance = instance
        self.expiresAt = expiresAt
    }
}

/// A fenced write refused: its lease's term is over (expired, or taken by another instance). Nothing of the
/// write was kept.
public struct LeaseLost: Error, Sendable, CustomStringConvertible {
    public var lease: Lease

    public init(_ lease: Lease) {
        self.lease = lease
    }

    public var description: String {
        "the \(lease.role.rawValue) lease of term \(lease.epoch) is no longer held by this instance; nothing was written"
    }
}

/// The leases of `serve`'s leader roles (docs/high-availability.md). Only the database's clock decides
/// whether a lease has expired. A store that one `serve` at most can open (SQLite, kept by its serve lock)
/// gives every lease to that `serve`.
public protocol LeaseStore: Sendable {
    /// Who this store holds leases as: unique to it, the same for every lease it takes.
    var sessionName: String { get }

    /// Takes `role`'s lease for `sessionName` (a new term) when it is free, expired, or already this store's,
    /// for `ttl` seconds; answers the lease as it is afterwards, whoever holds it. Taking over an expired
    /// lease ends the transactions its holder left open, so a stopped holder cannot hold the others' writes.
    func acquireLease(_ role: Lease.Role, instance: String, ttl: TimeInterval) async throws -> LeaseHolding

    /// Extends a lease still held, in its term, by `ttl` seconds from now; false when its term is over.
    func renewLease(_ lease: Lease, ttl: TimeInterval) async throws -> Bool

    /// Ends a lease's term now, so another instance takes it at its next attempt.
    func releaseLease(_ lease: Lease) async throws

    /// The database's clock now, to compare with this machine's.
    func databaseClock() async throws -> Date
}
