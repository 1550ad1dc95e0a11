import BoardModel
import Foundation

/// The fleet judged and kept live between reads of a store: each refresh reads only what changed since the
/// last one (`BoardReading.loadBoard(at:updating:)`) and judges again only what changed (`FleetJudge`).
/// `serve`'s evaluator, its API and `/metrics` share one (docs/architecture.md §10); the local board keeps
/// its `FleetJudge` in `BoardState`, which moves its clock every second without a read.
///
/// Refreshes run one at a time, in the order they were asked: an actor alone would let a second refresh
/// start while the first waits for the store, and the older board could land last.
public actor LiveFleet {
    /// One refresh: the board as read, and the fleet judged from it.
    public struct Judged: Sendable {
        public var board: BoardSnapshot
        public var report: FleetReport
        /// The outage of the monitor that was judged beside the board's (`refresh(at:outage:)` only).
        public var outage: DateInterval?
    }

    /// Signalled when the store may have changed (a commit through this instance, or a version read that
    /// moved): the API's long poll waits on it instead of polling.
    public nonisolated let changes = ChangeSignal()
    private let store: any BoardReading
    private let monotonic: Bool
    private var judge: FleetJudge?
    /// The last refresh asked for: the next one waits for it.
    private var tail: Task<Void, Never>?

    /// - Parameter monotonic: a refresh asked for a time before the last one's is answered at the last
    ///   one's time: for readers whose requests race (the API, `/metrics`), so an answer never goes back in
    ///   time and a late request never makes the whole fleet be judged again.
    public init(store: any BoardReading, monotonic: Bool = false) {
        self.store = store
        self.monotonic = monotonic
    }

    /// The fleet at `now`. `outage` finds, in the board read, one more outage of the monitor to skip in the
    /// judgement that is not in the store yet: the evaluator's, ending at this tick.
    public func refresh(
        at now: Date, outage: @escaping @Sendable (BoardSnapshot) -> DateInterval? = { _ in nil }
    ) async throws -> Judged {
        let store = store
        return try await inTurn { fleet in
            try await fleet.step(at: now, outage: outage) { now, previous in
                let board = if let previous {
                    try await store.loadBoard(at: now, updating: previous)
                } else {
                    try await store.loadBoard(at: now)
                }
                return (board, ())
            }
        }.judged
    }

    /// The fleet at `now`, with what changed after `version`: for the API's `?since=`.
    public func refresh(at now: Date, changesSince version: Int64) async throws -> (judged: Judged, changes: BoardChanges) {
        let store = store
        let (judged, changes) = try await inTurn { fleet in
            try await fleet.step(at: now, outage: { _ in nil }) { now, previous in
                try await store.loadBoard(at: now, updating: previous, changesSince: version)
            }
        }
        return (judged, changes)
    }

    /// Drops the fleet judged so far, after every refresh asked before: the next refresh reads and judges the
    /// whole board again. The evaluator starting a new lease term does, since another instance may have written
    /// rounds meanwhile.
    public func forget() async {
        _ = try? await inTurn { fleet in fleet.judge = nil }
    }

    /// Reads the board with `load` (given the last board read, if any), then judges what changed.
    private func step<Extra: Sendable>(
        at now: Date, outage findOutage: (BoardSnapshot) -> DateInterval?,
        load: (Date, BoardSnapshot?) async throws -> (BoardSnapshot, Extra)
    ) async throws -> (judged: Judged, extra: Extra) {
        let now = monotonic ? max(now, judge?.report.now ?? now) : now
        let (board, extra) = try await load(now, judge?.snapshot)
        let outage = findOutage(board)
        var judged = board
        if let outage { judged.monitorOutages.append(outage) }
        if judge == nil {
            judge = FleetJudge(judged, at: now)
        } else {
            judge!.update(judged, at: now)
        }
        return (Judged(board: board, report: judge!.report, outage: outage), extra)
    }

    /// Runs `body` after every refresh asked before it.
    private func inTurn<Result: Sendable>(
        _ body: @escaping @Sendable (isolated LiveFleet) async throws -> Result
    ) async throws -> Result {
        let previous = tail
        let turn = Task { () async throws -> Result in
            await previous?.value
            return try await body(self)
        }
        tail = Task { _ = try? await turn.value }
        return try await turn.value
    }
}
