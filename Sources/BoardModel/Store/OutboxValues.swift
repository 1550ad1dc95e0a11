import Foundation

/// One channel's share of the outbox, for the board, `/healthz` and `/metrics`.
public struct OutboxChannelHealth: Sendable, Equatable {
    public var channel: String
    /// Neither delivered nor given up.
    public var pending: Int
    /// When the oldest pending notification was enqueued.
    public var oldestPendingSince: Date?
    /// Given up after their attempts (kept with their last error).
    public var failed: Int
    /// The error of the latest attempt that failed, among notifications not delivered.
    public var lastError: String?
    public var lastDeliveredAt: Date?

    public init(
        channel: String, pending: Int, oldestPendingSince: Date?, failed: Int, lastError: String?, lastDeliveredAt: Date?
    ) {
        self.channel = channel
        self.pending = pending
        self.oldestPendingSince = oldestPendingSince
        self.failed = failed
        self.lastError = lastError
        self.lastDeliveredAt = lastDeliveredAt
    }
}

/// The outcome of one delivery attempt, for `BoardStore.recordAttempts(_:at:)`.
public struct OutboxAttempt: Sendable, Equatable {
    public var id: Int64
    /// nil: delivered.
    public var error: String?
    /// When to try again after an error; nil with an error: given up.
    public var retryAt: Date?

    public init(id: Int64, error: String? = nil, retryAt: Date? = nil) {
        self.id = id
        self.error = error
        self.retryAt = retryAt
    }
}

/// Notifications waiting in the outbox for one channel: what the board shows of the outbox's health
/// (`slack: 3 waiting for 12m, last error HTTP 503`).
public struct OutboxBacklog: Sendable, Equatable {
    public var channel: String
    public var pending: Int
    /// When the oldest of them was enqueued.
    public var oldestSince: Date
    /// The error of the latest failed attempt among them, if any.
    public var lastError: String?

    public init(channel: String, pending: Int, oldestSince: Date, lastError: String?) {
        self.channel = channel
        self.pending = pending
        self.oldestSince = oldestSince
        self.lastError = lastError
    }
}
