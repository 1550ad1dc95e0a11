import BoardModel
import Foundation

/// What one evaluator tick did.
struct TickReport: Sendable, Equatable {
    var at: Date
    /// Jobs judged.
    var jobs: Int
    var transitions: [StateTransition]
    /// Alerts stored this tick, with their ids (the outage's `monitor_outage` alert included).
    var opened: [Alert]
    var updated: [Alert]
    var resolved: [Alert]
    /// The outage of the monitor that this tick found, if any.
    var outage: DateInterval?
}

/// `serve`'s evaluator: every interval, judges every job, records state transitions and raises, escalates
/// and resolves alerts (design section 5). All I/O goes through the store; the judging is
/// `EvaluationRound`, which is pure.
///
/// `serve` starts it once, on the store it ingests into:
///
///     let evaluator = Evaluator(store: store, interval: .seconds(10), log: { logLine($0) })
///     let task = Task { await evaluator.run() }
///     …
///     task.cancel()   // on shutdown; run() returns after the tick in progress
struct Evaluator: Sendable {
    let store: BoardStore
    let interval: Duration
    let policy: AlertPolicy
    /// Turns each round's alert changes into outbox rows, in the round's transaction; nil: no notifications.
    let notifications: NotificationPlanner?
    let log: @Sendable (String) -> Void
    let clock: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - interval: time between ticks; an outage of the monitor is a gap longer than three of them.
    ///   - log: one line per problem (a failing tick, the recovery) and per outage found.
    ///   - clock, sleep: the real clock and `Task.sleep` unless a test gives its own.
    init(
        store: BoardStore, interval: Duration = .seconds(BoardSnapshot.defaultEvaluatorInterval),
        policy: AlertPolicy = .basic, notifications: NotificationPlanner? = nil, log: @escaping @Sendable (String) -> Void = Evaluator.standardError,
        clock: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.store = store
        self.interval = interval
        self.policy = policy
        self.notifications = notifications
        self.log = log
        self.clock = clock
        self.sleep = sleep
    }

    /// The interval in seconds.
    var intervalSeconds: TimeInterval {
        let parts = interval.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// One tick at `now`: loads the board, judges it, and writes transitions, alert changes and the tick time
    /// in one transaction. Throws when the store cannot be read or written; nothing is half-written then.
    @discardableResult
    func tick(at now: Date) throws -> TickReport {
        let snapshot = try store.loadBoard(at: now)
        let round = EvaluationRound(
            snapshot: snapshot, previousStates: try store.evaluatedStates(),
            maintenanceWindows: try store.maintenanceWindows(), policy: policy, interval: intervalSeconds, at: now)
        let opened = try store.recordEvaluation(
            transitions: round.transitions, alertChanges: round.alertChanges, tick: now, notifying: notifications)
        if let outage = round.outage, let alert = opened.first(where: { $0.kind == .monitorOutage }) {
            log("evaluator: \(alert.message) (\(Int(outage.duration)) s since the last tick)")
        }
        return TickReport(
            at: now, jobs: round.fleet.jobs.count, transitions: round.transitions, opened: opened,
            updated: round.alertChanges.updated, resolved: round.alertChanges.resolved, outage: round.outage)
    }

    /// Ticks now and then every interval until the task is cancelled. A failing tick (database locked, disk
    /// full) is logged and tried again at the next interval; it never ends the loop.
    func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try tick(at: clock())
                if failures > 0 {
                    log("evaluator: ticking again after \(failures) failed tick\(failures == 1 ? "" : "s")")
                    failures = 0
                }
            } catch {
                failures += 1
                log("evaluator: tick failed (\(failures) in a row), trying again in \(HumanUnits.formatDuration(intervalSeconds)): \(error)")
            }
            do {
                try await sleep(interval)
            } catch {
                return
            }
        }
    }

    /// Writes a line to standard error.
    static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
