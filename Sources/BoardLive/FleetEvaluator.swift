import BoardModel
import Foundation
import Synchronization
import BoardSQLite

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
/// judge what data or time changed (`FleetJudge`), work out the round (`EvaluationRound`, pure), and write
/// transitions, alert changes, their notifications (into the outbox) and the tick time in one transaction.
///
/// It remembers the last board, the judged fleet and the states it recorded, so a tick costs what changed
/// rather than the whole fleet. Ticks are serialised; other processes may write to the store between them.
public final class FleetEvaluator: Sendable {
    public let store: BoardStore
    public let policy: AlertPolicy
    /// Turns each round's alert changes into outbox rows, in the round's transaction; nil: no notifications.
    public let notifications: NotificationPlanner?
    /// Seconds between ticks: a gap of more than three is an outage of the monitor.
    public let interval: TimeInterval

    private struct Memory {
        var judge: FleetJudge?
        /// The states last recorded, by job id; nil until read from the store.
        var states: [Int64: EvaluatedState]?
    }

    private let memory = Mutex(Memory())

    public init(
        store: BoardStore, policy: AlertPolicy = .standard, notifications: NotificationPlanner? = nil,
        interval: TimeInterval = BoardSnapshot.defaultEvaluatorInterval
    ) {
        self.store = store
        self.policy = policy
        self.notifications = notifications
        self.interval = interval
    }

    /// One tick at `now`. Throws when the store cannot be read or written; nothing is half-written then, and
    /// the next tick records what this one could not.
    @discardableResult
    public func tick(at now: Date) throws -> TickReport {
        try memory.withLock { memory in
            let snapshot = try memory.judge.map { try store.loadBoard(at: now, updating: $0.snapshot) }
                ?? store.loadBoard(at: now)
            let outage = EvaluationRound.outage(endingAt: now, lastTick: snapshot.evaluatorLastTick, interval: interval)
            // The outage ending now is not in the store yet; its slots are not judged either.
            var judged = snapshot
            if let outage { judged.monitorOutages.append(outage) }
            if memory.judge == nil {
                memory.judge = FleetJudge(judged, at: now)
            } else {
                memory.judge!.update(judged, at: now)
            }
            let states = try memory.states ?? store.evaluatedStates()
            let round = EvaluationRound(
                snapshot: snapshot, fleet: memory.judge!.report, outage: outage, previousStates: states,
                maintenanceWindows: try store.maintenanceWindows(), policy: policy)
            let opened = try store.recordEvaluation(
                transitions: round.transitions, alertChanges: round.alertChanges, tick: now, notifying: notifications)
            var recorded = states
            for transition in round.transitions {
                recorded[transition.jobID] = EvaluatedState(state: transition.to, since: transition.at)
            }
            memory.states = recorded
            return TickReport(
                at: now, jobs: round.fleet.jobs.count, transitions: round.transitions, opened: opened,
                updated: round.alertChanges.updated, resolved: round.alertChanges.resolved, outage: round.outage)
        }
    }
}
