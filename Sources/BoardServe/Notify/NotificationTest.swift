import BoardModel
import Foundation
import Logging
import Synchronization

/// `backupboard notify test CHANNEL`: a `test` event enqueued for one channel and delivered through the real
/// path (the outbox row, the worker, the channel's sender, its retries), then what came of it. Either this
/// process delivers it (`notify test --db`, no `serve` running) or `serve`'s own worker does
/// (`POST /api/v1/notifications/test/CHANNEL`, what `notify test --server` calls).
package struct NotificationTest: Sendable {
    /// How the test ended.
    package enum Outcome: Sendable, Equatable {
        case delivered(DeliveryReceipt)
        /// Given up (the receiver refused it, or time ran out), with the last error.
        case failed(String)
    }

    let store: any OutboxStore
    let channel: NotificationChannel
    let receipts: DeliveryReceipts
    /// The worker that delivers the test here; nil when `serve`'s worker does.
    var worker: OutboxWorker?
    /// How long to wait for the delivery, retries included.
    package var deadline: TimeInterval = 30
    var pollInterval: Duration = .milliseconds(100)

    /// A test delivered by this process, as `serve` would deliver it (same sender, backoff and attempts).
    package init(store: any OutboxStore, channel: NotificationChannel, settings: NotificationSettings, logger: Logger) {
        self.store = store
        self.channel = channel
        let receipts = DeliveryReceipts()
        self.receipts = receipts
        var worker = OutboxWorker(
            store: store, channels: [channel.name: channel], sender: ChannelSender(), backoff: settings.backoff,
            maxAttempts: settings.maxAttempts, logger: logger)
        worker.onDelivered = { message, receipt in receipts.record(message.eventID, receipt) }
        self.worker = worker
    }

    /// A test delivered by `serve`'s worker, which records its receipts in `receipts`.
    init(store: any OutboxStore, channel: NotificationChannel, receipts: DeliveryReceipts) {
        self.store = store
        self.channel = channel
        self.receipts = receipts
    }

    /// Enqueues the test event and waits until it is delivered, given up or `deadline` passes; a row still
    /// pending then is given up, so no later delivery sends a stale test.
    package func run(now: @escaping @Sendable () -> Date = { Date() }) async throws -> Outcome {
        let start = now()
        let event = NotificationEvent.test(channel: channel.name, at: start)
        try await store.enqueue(OutboxMessage(eventID: event.id, channel: channel.name, payload: event.encoded(), createdAt: start))
        var worker = self.worker
        worker?.clock = now
        while true {
            guard var row = try await store.notification(eventID: event.id, channel: channel.name) else {
                return .failed("the test notification left the outbox before it was delivered")
            }
            // Delivered here only the test's own row, whatever else the outbox holds.
            if let worker, row.deliveredAt == nil, row.failedAt == nil, row.nextAttemptAt <= now() {
                try await worker.deliverAndRecord(row)
                row = try await store.notification(eventID: event.id, channel: channel.name) ?? row
            }
            if row.deliveredAt != nil {
                return .delivered(receipts.take(event.id) ?? DeliveryReceipt(status: 0, answer: [UInt8]()))
            }
            if row.failedAt != nil { return .failed(row.lastError ?? "given up") }
            if now().timeIntervalSince(start) >= deadline {
                let error = "not delivered within \(Int(deadline)) s" + (row.lastError.map { "; last error: \($0)" } ?? "")
                try await store.recordAttempts([OutboxAttempt(id: row.id ?? 0, error: error)], at: now())
                return .failed(error)
            }
            try await Task.sleep(for: pollInterval)
        }
    }
}

/// The receivers' answers to test notifications, from the worker that delivered them to the test waiting for
/// them. Only `test` events are kept (and each only until its test takes it), so memory does not grow with
/// the notifications `serve` sends.
package final class DeliveryReceipts: Sendable {
    private let receipts = Mutex<[String: DeliveryReceipt]>([:])

    package init() {}

    /// Keeps `receipt` if `eventID` is a test's.
    package func record(_ eventID: String, _ receipt: DeliveryReceipt) {
        guard eventID.hasPrefix("\(NotificationEventName.test)-") else { return }
        receipts.withLock { $0[eventID] = receipt }
    }

    /// The receipt of `eventID`, removed.
    func take(_ eventID: String) -> DeliveryReceipt? {
        receipts.withLock { $0.removeValue(forKey: eventID) }
    }
}
