import Foundation

/// What `/healthz` and `/metrics` read besides the board: is the evaluator ticking, is the outbox moving.
public protocol HealthReading: Sendable {
    /// When the evaluator last finished a tick; nil when it never did.
    func evaluatorLastTick() async throws -> Date?
    /// The data version (`JobDirectory.dataVersion`) and the evaluator's last tick, in one read: what a waiting
    /// long poll watches every second (`FleetWatch`).
    func versionAndLastTick() async throws -> (dataVersion: Int64, evaluatorLastTick: Date?)
    /// Each channel's pending, failed and oldest notifications.
    func outboxHealth() async throws -> [OutboxChannelHealth]
    /// Why what is written now would not be kept (a SQLite file deleted or replaced while open), or nil.
    func storageProblem() async -> String?
}
