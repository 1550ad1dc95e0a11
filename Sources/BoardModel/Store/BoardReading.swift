import Foundation

/// The board, read in one snapshot: what the evaluator, the API, `/metrics`, the local board and the
/// commands judge (through `LiveFleet` where they keep it between reads).
public protocol BoardReading: Sendable {
    /// The whole board at `now`.
    func loadBoard(at now: Date) async throws -> BoardSnapshot
    /// The board at `now`, reading again only the jobs whose version moved past `previous`.
    func loadBoard(at now: Date, updating previous: BoardSnapshot) async throws -> BoardSnapshot
    /// The board at `now` (updating `previous` when given) and what changed after `version` (docs/architecture.md §10).
    func loadBoard(at now: Date, updating previous: BoardSnapshot?, changesSince version: Int64) async throws
        -> (board: BoardSnapshot, changes: BoardChanges)
}
