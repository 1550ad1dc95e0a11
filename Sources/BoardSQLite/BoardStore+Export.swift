import BoardModel
import Foundation
internal import GRDB

extension BoardStore: TableExport {
    /// Rows of `table` in rowid order, `limit` at a time; the small tables without rowid come whole.
    package func exportRows(of table: String, after cursor: Int64?, limit: Int) async throws -> ExportedRows {
        guard StoreCopy.tables.contains(table) else { throw BoardError.invalidValue("No table \(table) to copy") }
        return try await read { db in
            let withoutRowID = ["maintenance_windows", "unknown_keys"].contains(table)
            if withoutRowID, cursor != nil { return ExportedRows(columns: [], rows: [], next: nil) }
            let rows = withoutRowID
                ? try Row.fetchAll(db, sql: "SELECT 0 AS copy_cursor, * FROM \(table)")
                : try Row.fetchAll(
                    db, sql: "SELECT rowid AS copy_cursor, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    arguments: [cursor ?? Int64.min, limit])
            let columns = try db.columns(in: table).map(\.name)
            let values = rows.map { row in
                (1..<row.count).map { index -> StoredValue in
                    switch row[index] as DatabaseValue {
                    case let value where value.isNull: .null
                    case let value:
                        switch value.storage {
                        case .int64(let number): .integer(number)
                        case .double(let number): .real(number)
                        case .string(let text): .text(text)
                        case .blob(let data): .blob(Array(data))
                        case .null: .null
                        }
                    }
                }
            }
            let next: Int64? = withoutRowID || rows.count < limit ? nil : rows.last?["copy_cursor"]
            return ExportedRows(columns: columns, rows: values, next: next)
        }
    }

    package func exportMeta() async throws -> (evaluatorLastTick: Date?, highWater: [String: Int64]) {
        try await read { db in
            var highWater: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence") {
                highWater[row[0]] = row[1]
            }
            return (try Self.evaluatorTick(db), highWater)
        }
    }
}
