import BoardModel
import Foundation
import Logging

/// `serve`'s notification delivery: takes due notifications from the outbox, delivers them (several at once),
/// and records each attempt as soon as it ends. A failed delivery is retried with `RetryBackoff`; one that fails
/// `maxAttempts` times (`permanentAttempts` when the receiver refused the request itself) is given up with its
/// last error kept. Nothing lives in memory between polls but the deliveries in flight: the rows are the queue,
/// so a restart of `serve` loses nothing.
///
/// Channels do not wait for each other: at most `perChannel` of the `concurrency` deliveries in flight go to one
/// channel, and a new delivery starts as soon as one ends, so a receiver that takes its full timeout to answer
/// holds back only its own notifications.
package struct OutboxWorker: Sendable {
    let store: any OutboxStore
    let channels: [String: NotificationChannel]
    let sender: any NotificationSender
    var backoff = RetryBackoff.outbox
    var maxAttempts = 12
    var permanentAttempts = 3
    /// Deliveries in flight at once.
    package var concurrency = 8
    /// Deliveries in flight at once to one channel.
    var perChannel = 4
    /// Notifications read per poll.
    var batchSize = 256
    /// How long to wait when nothing is due.
    var pollInterval: Duration = .seconds(1)
    /// Where store errors (error), first failures of a notification (warning) and given-up ones (error) are logged.
    var logger: Logger
    /// Told of every delivery that went through, with the receiver's answer (`notify test` prints it).
    package var onDelivered: (@Sendable (OutboxMessage, DeliveryReceipt) -> Void)?
    /// Which instance delivers when several share the database: this one delivers only while it holds the
    /// outbox's lease, and claims what it delivers for the lease's term (docs/high-availability.md). nil: it
    /// always delivers.
    package var leadership: Leadership?

    package init(
        store: any OutboxStore, channels: [String: NotificationChannel], sender: any NotificationSender,
        backoff: RetryBackoff = .outbox, maxAttempts: Int = 12, logger: Logger
    ) {
        self.store = store
        self.channels = channels
        self.sender = sender
        self.backoff = backoff
        self.maxAttempts = maxAttempts
        self.logger = logger
    }
    var clock: @Sendable () -> Date = { Date() }
    var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    /// Which of the deliverable notifications start now, given those in flight (by id, with their channel).
    private func startable(_ due: [OutboxMessage], inFlight: [Int64: String]) -> [OutboxMessage] {
        var perChannelCount: [String: Int] = [:]
        for channel in inFlight.values { perChannelCount[channel, default: 0] += 1 }
        var total = inFlight.count
        var chosen: [OutboxMessage] = []
        for message in due where total < concurrency {
            guard let id = message.id, inFlight[id] == nil, perChannelCount[message.channel, default: 0] < perChannel else { continue }
            perChannelCount[message.channel, default: 0] += 1
            total += 1
            chosen.append(message)
        }
        return chosen
    }

    /// Delivers what is due at `now` until none of it is left to start, each attempt recorded as it ends; returns
    /// how many notifications were attempted. (`run` is the loop `serve` uses; this is its one-shot form.)
    @discardableResult
    package func deliverDue(at now: Date) async throws -> Int {
        let due = try await store.deliverableNotifications(at: now, limit: batchSize)
        var waiting = due[...]
        var inFlight: [Int64: String] = [:]
        var attempted = 0
        try await withThrowingTaskGroup(of: Int64.self) { group in
            repeat {
                for message in startable(Array(waiting), inFlight: inFlight) {
                    let id = message.id ?? 0
                    inFlight[id] = message.channel
                    waiting.removeAll { $0.id == id }
                    attempted += 1
                    group.addTask {
                        try await deliverAndRecord(message)
                        return id
                    }
                }
                guard let finished = try await group.next() else { break }
                inFlight[finished] = nil
            } while !inFlight.isEmpty || !waiting.isEmpty
        }
        return attempted
    }

    /// Delivers until the task is cancelled: a notification starts as soon as it is due and a place is free, else
    /// the outbox is read again every poll interval. A store error is logged and tried again at the next poll.
    func run() async {
        enum Event { case delivered(Int64), poll }
        await withTaskGroup(of: Event.self) { group in
            var inFlight: [Int64: String] = [:]
            var polling = false
            while !Task.isCancelled {
                let lease = leadership?.lease(.outbox)
                do {
                    let due = leadership != nil && lease == nil
                        ? [] : try await store.deliverableNotifications(at: clock(), limit: batchSize, claimingFor: lease)
                    for message in startable(due, inFlight: inFlight) {
                        let id = message.id ?? 0
                        inFlight[id] = message.channel
                        group.addTask {
                            do {
                                try await deliverAndRecord(message, claimedBy: lease)
                            } catch {
                                logger.error("notify: cannot record a delivery attempt in the outbox, it will be tried again: \(error)")
                            }
                            return .delivered(id)
                        }
                    }
                } catch let lost as LeaseLost {
                    leadership?.lost(lost.lease)
                } catch {
                    logger.error("notify: cannot read or write the outbox, trying again: \(error)")
                }
                if !polling {
                    polling = true
                    group.addTask {
                        try? await Task.sleep(for: pollInterval)
                        return .poll
                    }
                }
                switch await group.next() {
                case .delivered(let id): inFlight[id] = nil
                case .poll: polling = false
                case nil: return
                }
            }
            group.cancelAll()
        }
    }

    /// One delivery, its attempt recorded at once. A delivery under way is finished, and its record written, even
    /// while the worker is being cancelled (a stopping `serve`): a request cut off after the receiver had it, or an
    /// outcome not recorded, would be sent again by the next leader or at the next start.
    /// A notification claimed for a lease's term is recorded only while the claim is still that term's: a newer
    /// term claimed it meanwhile and delivers it again, with the same idempotency key.
    /// (`notify test` calls it for its one notification.)
    func deliverAndRecord(_ message: OutboxMessage, claimedBy lease: Lease? = nil) async throws {
        // In a task of its own, which the worker's cancellation does not reach; the sender's timeout bounds it.
        let outcome = await Task { await attempt(message) }.value
        let store = self.store
        let now = clock()
        let recorded = try await Task.detached { try await store.recordAttempts([outcome], at: now, claimedBy: lease) }.value
        if recorded == 0, let lease {
            logger.warning(
                "notify: \(message.eventID) to \(message.channel) was claimed by a newer outbox term than \(lease.epoch) before its outcome was recorded; it will be delivered again with the same idempotency key")
        }
    }

    /// One delivery, and what to record of it.
    private func attempt(_ message: OutboxMessage) async -> OutboxAttempt {
        let id = message.id ?? 0
        let failure: DeliveryError
        do {
            guard let channel = channels[message.channel] else {
                throw DeliveryError.permanent("channel '\(message.channel)' is not in the configuration")
            }
            let receipt = try await sender.deliver(try NotificationEvent.decode(message.payload), via: channel)
            onDelivered?(message, receipt)
            return OutboxAttempt(id: id)
        } catch let error as DeliveryError {
            failure = error
        } catch {
            failure = .permanent("\(message.channel): \(error)")
        }
        let attempts = message.attempts + 1
        let limit = failure.isFinal ? 1 : failure.isPermanent ? min(permanentAttempts, maxAttempts) : maxAttempts
        guard attempts < limit else {
            logger.error("notify: gave up on \(message.eventID) to \(message.channel) after \(attempts) attempts: \(failure)")
            return OutboxAttempt(id: id, error: failure.message)
        }
        // A receiver that asked for a pause (429 with Retry-After) gets it, up to the backoff's cap.
        let delay = max(backoff.delay(afterFailures: attempts, random: random()), min(failure.retryAfter ?? 0, backoff.cap))
        if attempts == 1 {
            logger.warning("notify: \(message.eventID) to \(message.channel) failed, retrying with backoff: \(failure)")
        }
        return OutboxAttempt(id: id, error: failure.message, retryAt: clock().addingTimeInterval(delay))
    }
}

extension RetryBackoff {
    /// The outbox's: from 5 s, doubling up to 15 minutes, each wait jittered down to half, so that notifications
    /// that failed together do not all retry together.
    static let outbox = RetryBackoff(base: 5, cap: 15 * 60, jitter: 0.5)
}
