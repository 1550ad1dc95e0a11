import BoardModel
import Foundation

/// What one evaluator tick did.
public struct TickReport: Sendable, Equatable {
    public var at: Date
    /// Jobs judged.
    public var jobs: Int
    public var transitions: [StateTransition]
    /// Alerts stored this tick, with their ids (the outage's `monitor_outage` alert included).
    public var opened: [Alert]
    public var updated: [Alert]
    public var resolved: [Alert]
    /// The outage of the monitor that this tick found, if any.
    public var outage: DateInterval?
}

/// One tick of `serve`'s evaluator (docs/architecture.md §5), without the loop: read what changed in the store,
/// judge what data or time changed (`LiveFleet`), work out the round (`EvaluationRound`, pure), and write
/// transitions, alert changes, their notifications (into the outbox) and the tick time in one transaction.
///
/// It remembers the judged fleet and the states it recorded, so a tick costs what changed rather than the
/// whole fleet. One caller ticks it, one tick after another (`Evaluator`'s loop); other processes may
/// write to the store between ticks. In `serve` the judged fleet is the server's own `LiveFleet`, which the API
/// and `/metrics` refresh between ticks too: one copy of the fleet in the process (docs/architecture.md §10).
public actor FleetEvaluator {
    public typealias Store = BoardReading & EvaluationStore

    public let store: any Store
    public let policy: AlertPolicy
    /// Turns each round's alert changes into outbox rows, in the round's transaction; nil: no notifications.
    public let notifications: NotificationPlanner?
    /// Seconds between ticks.
    public let interval: TimeInterval
    /// A time between ticks longer than this is an outage of the monitor (`EvaluationRound.outageGap`).
    public let outageGap: TimeInterval

    private let fleet: LiveFleet
    /// The states last recorded, by job id; nil until read from the store.
    private var states: [Int64: EvaluatedState]?
    /// The lease term of the last tick: another term may have had another instance write rounds in between.
    private var term: Int64?

    /// - Parameters:
    ///   - fleet: the judged fleet to keep current, read from `store`; nil: one of its own.
    ///   - failover: the longest time the evaluator's lease takes to change hands between instances
    ///     (`Leadership.Settings.failover`); 0 with one `serve`.
    public init(
        store: any Store, fleet: LiveFleet? = nil, policy: AlertPolicy = .standard, notifications: NotificationPlanner? = nil,
        interval: TimeInterval = BoardSnapshot.defaultEvaluatorInterval, failover: TimeInterval = 0
    ) {
        self.store = store
        self.policy = policy
        self.notifications = notifications
        self.interval = interval
        outageGap = EvaluationRound.outageGap(interval: interval, failover: failover)
        self.fleet = fleet ?? LiveFleet(store: store)
    }

    /// One tick at `now`, its write fenced by `lease` when one is given (docs/high-availability.md). Throws when
    /// the store cannot be read or written, or `LeaseLost`; nothing is half-written then, and the next tick
    /// records what this one could not. The round is recorded at the time the fleet was judged at: on a fleet
    /// shared with the API's requests (monotonic) that may be a moment after `now`.
    @discardableResult
    public func tick(at now: Date, fence lease: Lease? = nil) async throws -> TickReport {
        if let lease, lease.epoch != term {
            // A new term: what this instance remembers may be stale, so it starts from the store.
            if term != nil {
                await fleet.forget()
                states = nil
            }
            term = lease.epoch
        }
        // The outage ending now is not in the store yet; its slots are not judged either.
        let gap = outageGap
        let judged = try await fleet.refresh(at: now) { board in
            EvaluationRound.outage(endingAt: now, lastTick: board.evaluatorLastTick, gap: gap)
        }
        let now = judged.report.now
        let previous: [Int64: EvaluatedState]
        if let states { previous = states } else { previous = try await store.evaluatedStates() }
        let round = EvaluationRound(
            snapshot: judged.board, fleet: judged.report, outage: judged.outage, previousStates: previous,
            maintenanceWindows: try await store.maintenanceWindows(), policy: policy)
        let opened = try await store.recordEvaluation(
            transitions: round.transitions, alertChanges: round.alertChanges, tick: now, notifying: notifications, fence: lease)
        var recorded = previous
        for transition in round.transitions {
            recorded[transition.jobID] = EvaluatedState(state: transition.to, since: transition.at)
        }
        states = recorded
        return TickReport(
            at: now, jobs: round.fleet.jobs.count, transitions: round.transitions, opened: opened,
            updated: round.alertChanges.updated, resolved: round.alertChanges.resolved, outage: round.outage)
    }
}
