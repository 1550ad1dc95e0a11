import BoardModel
import Foundation
import BoardLive
import Logging

/// `serve`'s evaluator: every interval, judges the jobs, records state transitions and raises, escalates
/// and resolves alerts (docs/architecture.md §5). The tick is `FleetEvaluator`'s; this is the loop around it.
///
/// `serve` starts it once, on the store it ingests into:
///
///     let evaluator = Evaluator(store: store, interval: .seconds(10), logger: logger)
///     let task = Task { await evaluator.run() }
///     …
///     task.cancel()   // on shutdown; run() returns after the tick in progress
package struct Evaluator: Sendable {
    let store: any FleetEvaluator.Store
    let interval: Duration
    let policy: AlertPolicy
    /// Turns each round's alert changes into outbox rows, in the round's transaction; nil: no notifications.
    let notifications: NotificationPlanner?
    private let evaluator: FleetEvaluator
    /// Which instance ticks when several share the database; nil: this one always does.
    let leadership: Leadership?
    let logger: Logger
    let clock: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - interval: time between ticks; an outage of the monitor is a gap longer than three of them (or than a
    ///     hand-over of the lease, `EvaluationRound.outageGap`).
    ///   - fleet: the judged fleet to keep current (`BoardServer.fleet`, so that the API and `/metrics` share it);
    ///     nil: one of its own.
    ///   - leadership: ticks only while it holds the evaluator's lease, each round fenced by it.
    ///   - logger: one line per outage found (notice), failing tick (error) and recovery (notice).
    ///   - clock, sleep: the real clock and `Task.sleep` unless a test gives its own.
    package init(
        store: any FleetEvaluator.Store, interval: Duration = .seconds(BoardSnapshot.defaultEvaluatorInterval),
        policy: AlertPolicy = .standard, notifications: NotificationPlanner? = nil, fleet: LiveFleet? = nil,
        leadership: Leadership? = nil, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.store = store
        self.interval = interval
        self.policy = policy
        self.notifications = notifications
        self.leadership = leadership
        self.logger = logger
        self.clock = clock
        self.sleep = sleep
        evaluator = FleetEvaluator(
            store: store, fleet: fleet, policy: policy, notifications: notifications, interval: Self.seconds(interval),
            failover: leadership?.settings.failover ?? 0)
    }

    /// The interval in seconds.
    var intervalSeconds: TimeInterval { Self.seconds(interval) }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// One tick at `now` (`FleetEvaluator.tick`), logging an outage of the monitor when it found one. Throws
    /// when the store cannot be read or written; nothing is half-written then.
    @discardableResult
    func tick(at now: Date, fence lease: Lease? = nil) async throws -> TickReport {
        let report = try await evaluator.tick(at: now, fence: lease)
        if let outage = report.outage, let alert = report.opened.first(where: { $0.kind == .monitorOutage }) {
            logger.notice("evaluator: \(alert.message) (\(Int(outage.duration)) s since the last tick)")
        }
        return report
    }

    /// Ticks now and then every interval until the task is cancelled; with a leadership, only while it holds
    /// the evaluator's lease (a follower looks again every `followerWait`, so it ticks as soon as it takes the
    /// lease). A failing tick (database locked, disk full) is logged and tried again at the next interval; it
    /// never ends the loop. A round refused by its fence ends this instance's use of the lease.
    func run() async {
        var failures = 0
        while !Task.isCancelled {
            let lease = leadership?.lease(.evaluator)
            if leadership != nil, lease == nil {
                guard (try? await sleep(Self.followerWait)) != nil else { return }
                continue
            }
            do {
                try await tick(at: clock(), fence: lease)
                if failures > 0 {
                    logger.notice("evaluator: ticking again after \(failures) failed tick\(failures == 1 ? "" : "s")")
                    failures = 0
                }
            } catch let lost as LeaseLost {
                leadership?.lost(lost.lease)
                logger.warning("evaluator: round not written: \(lost)")
                continue
            } catch {
                failures += 1
                logger.error("evaluator: tick failed (\(failures) in a row), trying again in \(HumanUnits.formatDuration(intervalSeconds)): \(error)")
            }
            do {
                try await sleep(interval)
            } catch {
                return
            }
        }
    }

    /// How often an instance that does not hold the evaluator's lease looks whether it took it.
    static let followerWait: Duration = .milliseconds(200)
}
