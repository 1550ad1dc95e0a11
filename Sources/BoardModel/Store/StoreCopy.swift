import Foundation

/// One stored value as a store exports it for `backupboard db copy`: SQLite's five storage classes, which
/// the receiving store converts to its own column types.
package enum StoredValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A page of one table's rows, in `columns` order; `next` continues after it (nil: the table is done).
package struct ExportedRows: Sendable {
    package var columns: [String]
    package var rows: [[StoredValue]]
    package var next: Int64?

    package init(columns: [String], rows: [[StoredValue]], next: Int64?) {
        self.columns = columns
        self.rows = rows
        self.next = next
    }
}

/// A store whose tables `backupboard db copy` can read, page by page, in one snapshot per page.
package protocol TableExport: Sendable {
    /// Rows of `table` after `cursor` (nil: from the start), at most `limit`.
    func exportRows(of table: String, after cursor: Int64?, limit: Int) async throws -> ExportedRows
    /// The evaluator's last tick and each table's id high-water mark (ids of deleted rows are never reused).
    func exportMeta() async throws -> (evaluatorLastTick: Date?, highWater: [String: Int64])
}

/// What `db copy` moves, in an order that keeps foreign keys valid: the jobs (with their ping keys), their
/// history, alerts, mutes, the outbox, maintenance windows, unknown keys and the jobs' audit trail. Data versions are not copied:
/// the target stamps everything it receives with its own.
package enum StoreCopy {
    package static let tables = [
        "jobs", "job_state", "runs", "heartbeats", "state_transitions", "evaluated_states", "alerts", "mutes", "outbox",
        "maintenance_windows", "unknown_keys", "job_audit",
    ]

    /// Tables whose `id` comes from a sequence the copy moves past the copied ids.
    package static let tablesWithSequences = ["jobs", "state_transitions", "alerts", "mutes", "outbox", "job_audit"]
}
