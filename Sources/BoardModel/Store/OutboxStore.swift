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
    func deliverableNotifications(at now: Date, limit: Int) async throws -> [OutboxMessage]

    /// Records delivery attempts in one transaction: delivered, to retry at a time, or given up (the last
    /// error is kept either way).
    func recordAttempts(_ attempts: [OutboxAttempt], at date: Date) async throws

    /// Enqueues one notification unless its (event id, channel) is already there; false when it was.
    /// (`notify test` enqueues its event here; the evaluator's go in with the round that causes them.)
    @discardableResult
    func enqueue(_ message: OutboxMessage) async throws -> Bool

    /// The outbox row of one event on one channel, as it is now.
    func notification(eventID: String, channel: String) async throws -> OutboxMessage?
}
