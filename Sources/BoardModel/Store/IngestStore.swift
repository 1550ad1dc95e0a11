import Foundation

/// What `serve`'s ingest needs of a store: somewhere to put heartbeats, and a note of keys that match no job.
///
/// Like every store role, the calls suspend rather than block: an implementation does its I/O off Swift's
/// cooperative pool, so a slow disk never stalls the rest of `serve` (docs/architecture.md §6).
public protocol IngestStore: Sendable {
    /// Stores a batch in one transaction, each heartbeat folded into its job's current state; answers what
    /// became of each one, in order.
    @discardableResult
    func insert(_ heartbeats: [Heartbeat]) async throws -> [InsertOutcome]

    /// `insert(heartbeats)`, into which the store may take more heartbeats that came meanwhile, in the same
    /// transaction: `more(accept)` hands over the longest run of queued heartbeats that `accept` takes, in order,
    /// and the store must then store them too. Answers the outcomes of `heartbeats`, then of each heartbeat
    /// `more` handed over, in order. A store that waited for another writer's lock (PostgreSQL shared by several
    /// `serve`) takes in what queued up while it waited (docs/postgresql.md, "Group commit").
    func insert(_ heartbeats: [Heartbeat], joining more: @escaping @Sendable (_ accept: (Heartbeat) -> Bool) -> [Heartbeat])
        async throws -> [InsertOutcome]

    /// Counts a ping to `key`, which belongs to no job: only its digest and `shown` are kept (the key's first
    /// characters, or the ping key's name and the slug of a ping by slug).
    func recordUnknownKey(_ key: String, shownAs shown: String, source: String?, userAgent: String?, at date: Date) async throws
}

extension IngestStore {
    /// A store that never waits for another writer takes nothing more.
    public func insert(
        _ heartbeats: [Heartbeat], joining more: @escaping @Sendable (_ accept: (Heartbeat) -> Bool) -> [Heartbeat]
    ) async throws -> [InsertOutcome] {
        try await insert(heartbeats)
    }

    /// Counts a ping to `key`, which belongs to no job, shown by its first `UnknownKey.prefixLength` characters.
    public func recordUnknownKey(_ key: String, source: String?, userAgent: String?, at date: Date) async throws {
        try await recordUnknownKey(
            key, shownAs: String(key.prefix(UnknownKey.prefixLength)), source: source, userAgent: userAgent, at: date)
    }
}
