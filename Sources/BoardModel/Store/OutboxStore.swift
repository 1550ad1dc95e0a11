import Foundation

/// What the outbox worker of `serve` needs of a store: the notifications it may send now, and a place to
/// record each attempt.
///
/// The calls suspend rather than block: an implementation does its I/O off Swift's cooperative pool
/// (two threads on a 2-core machine), so a slow disk or a lock held by another process never stalls the
/// rest of `serve` — ingest, the API, the evaluator — while a notification waits for the database.
public protocol OutboxStore: Sendable {
    /// Notifications due at `now` that may go out now, oldest first: of the pending notifications of one
    /// alert on one channel, only the first, so a receiver hears an alert's trigger, acknowledge and resolve
    /// in order even while one of them waits for a retry.
    /// With a lease, they are claimed for its term in the same transaction, which first checks that the term
    /// still runs (`LeaseLost` otherwise): several `serve` instances share the outbox (docs/high-availability.md).
    func deliverableNotifications(at now: Date, limit: Int, claimingFor lease: Lease?) async throws -> [OutboxMessage]

    /// Records delivery attempts in one transaction: delivered, to retry at a time, or given up (the last
    /// error is kept either way). With a lease, only notifications still claimed by its term are recorded (a
    /// newer term claimed the others and will deliver them again); answers how many were recorded.
    @discardableResult
    func recordAttempts(_ attempts: [OutboxAttempt], at date: Date, claimedBy lease: Lease?) async throws -> Int

    /// Enqueues one notification unless its (event id, channel) is already there; false when it was.
    /// (`notify test` enqueues its event here; the evaluator's go in with the round that causes them.)
    @discardableResult
    func enqueue(_ message: OutboxMessage) async throws -> Bool

    /// The outbox row of one event on one channel, as it is now.
    func notification(eventID: String, channel: String) async throws -> OutboxMessage?
}

extension OutboxStore {
    /// Due notifications, not claimed (one `serve`, or a reader).
    public func deliverableNotifications(at now: Date, limit: Int) async throws -> [OutboxMessage] {
        try await deliverableNotifications(at: now, limit: limit, claimingFor: nil)
    }

    /// Records attempts whatever claimed them.
    public func recordAttempts(_ attempts: [OutboxAttempt], at date: Date) async throws {
        try await recordAttempts(attempts, at: date, claimedBy: nil)
    }
}
