import Foundation

/// What `serve`'s evaluator reads besides the board, and the one write of a tick.
public protocol EvaluationStore: Sendable {
    /// The state each job was last recorded in, by job id.
    func evaluatedStates() async throws -> [Int64: EvaluatedState]
    func maintenanceWindows() async throws -> [MaintenanceWindow]
    /// Writes a tick in one transaction: the transitions, the alert changes, their notifications (when a
    /// planner is given) and the tick time. Answers the alerts opened, with their ids. With a `fence`, the
    /// transaction first checks that the lease's term still runs, and throws `LeaseLost` having written
    /// nothing when it does not (docs/high-availability.md).
    @discardableResult
    func recordEvaluation(
        transitions: [StateTransition], alertChanges: AlertChanges, tick: Date, notifying planner: NotificationPlanner?,
        fence: Lease?
    ) async throws -> [Alert]
}

extension EvaluationStore {
    /// A tick not fenced by a lease.
    @discardableResult
    public func recordEvaluation(
        transitions: [StateTransition], alertChanges: AlertChanges, tick: Date, notifying planner: NotificationPlanner?
    ) async throws -> [Alert] {
        try await recordEvaluation(transitions: transitions, alertChanges: alertChanges, tick: tick, notifying: planner, fence: nil)
    }

    /// A tick without notifications.
    @discardableResult
    public func recordEvaluation(transitions: [StateTransition], alertChanges: AlertChanges, tick: Date) async throws -> [Alert] {
        try await recordEvaluation(transitions: transitions, alertChanges: alertChanges, tick: tick, notifying: nil, fence: nil)
    }
}
