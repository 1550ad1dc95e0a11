import BoardModel
import Foundation

/// `/healthz`: healthy unless the evaluator's last stored tick is older than three evaluator intervals
/// (design section 5). A database that never had a tick is healthy; an unreadable one is not.
struct HealthCheck: Sendable {
    let evaluatorInterval: TimeInterval

    /// 200 "ok", or 503 with the reason.
    func reply(lastTick: () throws -> Date?, at now: Date) -> IngestReply {
        let tick: Date?
        do {
            tick = try lastTick()
        } catch {
            return IngestReply(status: 503, body: "database unreadable: \(WriteFailure(error).reason)\n")
        }
        guard let tick else { return IngestReply(status: 200, body: "ok\n") }
        let age = now.timeIntervalSince(tick)
        guard age > 3 * evaluatorInterval else { return IngestReply(status: 200, body: "ok\n") }
        return IngestReply(
            status: 503,
            body: "evaluator stale: last tick \(HumanUnits.shortDuration(age)) ago, more than three intervals of \(HumanUnits.shortDuration(evaluatorInterval))\n")
    }
}
