import BoardModel
import BoardSQLite

/// Where the group-commit writer puts a batch: one transaction, one fsync, outcomes in order.
/// `BoardStore` is the real one; tests use a sink that fails on purpose.
protocol HeartbeatSink: Sendable {
    /// Stores every heartbeat of `batch` in one transaction, or none of them.
    func insert(_ batch: [Heartbeat]) throws -> [InsertOutcome]
}

extension BoardStore: HeartbeatSink {}
