import BoardModel
import Foundation

/// `serve`'s notification delivery: takes due notifications from the outbox, delivers them (several at once),
/// and records each attempt. A failed delivery is retried with `RetryBackoff`; one that fails `maxAttempts`
/// times (`permanentAttempts` when the receiver refused the request itself) is given up with its last error
/// kept. Nothing lives in memory between polls: the rows are the queue, so a restart of `serve` loses nothing.
struct OutboxWorker: Sendable {
    let store: BoardStore
    let channels: [String: NotificationChannel]
    let sender: any NotificationSender
    var backoff = RetryBackoff()
    var maxAttempts = 12
    var permanentAttempts = 3
    /// Deliveries in flight at once.
    var concurrency = 8
    /// Notifications taken per poll.
    var batchSize = 256
    /// How long to wait when nothing is due.
    var pollInterval: Duration = .seconds(1)
    var log: @Sendable (String) -> Void = Evaluator.standardError
    var clock: @Sendable () -> Date = { Date() }
    var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    /// Delivers what is due at `now`; returns how many notifications were attempted.
    @discardableResult
    func deliverDue(at now: Date) async throws -> Int {
        let due = try store.deliverableNotifications(at: now, limit: batchSize)
        guard !due.isEmpty else { return 0 }
        var attempts: [OutboxAttempt] = []
        attempts.reserveCapacity(due.count)
        try await withThrowingTaskGroup(of: OutboxAttempt.self) { group in
            var next = due.makeIterator()
            for _ in 0..<concurrency {
                guard let message = next.next() else { break }
                group.addTask { await attempt(message) }
            }
            while let result = try await group.next() {
                attempts.append(result)
                if let message = next.next() {
                    group.addTask { await attempt(message) }
                }
            }
        }
        try store.recordAttempts(attempts, at: clock())
        return due.count
    }

    /// One delivery, and what to record of it.
    private func attempt(_ message: OutboxMessage) async -> OutboxAttempt {
        let id = message.id ?? 0
        let failure: DeliveryError
        do {
            guard let channel = channels[message.channel] else {
                throw DeliveryError.permanent("channel '\(message.channel)' is not in the configuration")
            }
            try await sender.deliver(try NotificationEvent.decode(message.payload), via: channel)
            return OutboxAttempt(id: id)
        } catch let error as DeliveryError {
            failure = error
        } catch {
            failure = .permanent("\(message.channel): \(error)")
        }
        let attempts = message.attempts + 1
        let limit = failure.isPermanent ? min(permanentAttempts, maxAttempts) : maxAttempts
        guard attempts < limit else {
            log("notify: gave up on \(message.eventID) to \(message.channel) after \(attempts) attempts: \(failure)")
            return OutboxAttempt(id: id, error: failure.message)
        }
        let delay = backoff.delay(afterAttempts: attempts, random: random())
        if attempts == 1 {
            log("notify: \(message.eventID) to \(message.channel) failed, retrying with backoff: \(failure)")
        }
        return OutboxAttempt(id: id, error: failure.message, retryAt: clock().addingTimeInterval(delay))
    }

    /// Delivers until the task is cancelled: at once while notifications are due, else every poll interval. A
    /// store error is logged and tried again at the next poll.
    func run() async {
        while !Task.isCancelled {
            var delivered = 0
            do {
                delivered = try await deliverDue(at: clock())
            } catch {
                log("notify: cannot read or write the outbox, trying again: \(error)")
            }
            if delivered == 0 {
                do {
                    try await Task.sleep(for: pollInterval)
                } catch {
                    return
                }
            }
        }
    }
}
