import BoardModel
import Foundation

/// `/healthz`: healthy unless the store cannot be trusted (its file deleted or replaced under `serve`), heartbeats
/// were answered 503 for a storage reason in the last `ingestFailureWindow`, the evaluator's last stored tick is
/// older than `staleAfter` (three evaluator intervals, or a hand-over of its lease if that is longer:
/// `EvaluationRound.outageGap`), the outbox is stuck — a notification pending for longer than `outboxStuckAfter`
/// (docs/architecture.md §5) — or this instance's clock is too far from the database's to lead
/// (docs/high-availability.md). A database that never had a tick is healthy; an unreadable one is not.
struct HealthCheck: Sendable {
    let evaluatorInterval: TimeInterval
    /// The longest time the evaluator's lease takes to change hands (`Leadership.Settings.failover`).
    var failover: TimeInterval = 0
    var outboxStuckAfter: TimeInterval = 15 * 60
    /// How long after a heartbeat was refused for a storage reason the server still says it is failing.
    var ingestFailureWindow: TimeInterval = 30

    /// 200 "ok", or 503 with the reason.
    func reply(
        lastTick: () async throws -> Date?, outbox: () async throws -> [OutboxChannelHealth] = { [] },
        storage: () async -> String? = { nil }, ingestFailure: ServerMetrics.IngestFailure? = nil, clockProblem: String? = nil,
        at now: Date
    ) async -> IngestReply {
        if let problem = await storage() {
            return IngestReply(status: 503, body: "database unusable: \(problem)\n")
        }
        if let clockProblem {
            return IngestReply(status: 503, body: "clock skew: \(clockProblem)\n")
        }
        if let failure = ingestFailure, now.timeIntervalSince(failure.at) < ingestFailureWindow {
            return IngestReply(
                status: 503,
                body: "ingest failing: heartbeats answered 503 \(HumanUnits.shortDuration(max(0, now.timeIntervalSince(failure.at)))) ago: \(failure.reason)\n")
        }
        let tick: Date?
        let channels: [OutboxChannelHealth]
        do {
            tick = try await lastTick()
            channels = try await outbox()
        } catch {
            return IngestReply(status: 503, body: "database unreadable: \(WriteFailure(error).reason)\n")
        }
        if let stuck = channels.first(where: { ($0.oldestPendingSince.map { now.timeIntervalSince($0) } ?? 0) > outboxStuckAfter }),
           let since = stuck.oldestPendingSince
        {
            return IngestReply(
                status: 503,
                body: "outbox stuck: \(stuck.channel) has \(stuck.pending) pending, the oldest for \(HumanUnits.shortDuration(now.timeIntervalSince(since)))"
                    + (stuck.lastError.map { ", last error: \($0)" } ?? "") + "\n")
        }
        guard let tick else { return IngestReply(status: 200, body: "ok\n") }
        let age = now.timeIntervalSince(tick)
        let staleAfter = EvaluationRound.outageGap(interval: evaluatorInterval, failover: failover)
        guard age > staleAfter else { return IngestReply(status: 200, body: "ok\n") }
        return IngestReply(
            status: 503,
            body: "evaluator stale: last tick \(HumanUnits.shortDuration(age)) ago, more than \(HumanUnits.shortDuration(staleAfter)) "
                + "(the evaluator ticks every \(HumanUnits.shortDuration(evaluatorInterval)))\n")
    }
}
