import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore {
    /// What `db copy` copied: rows per table, in `StoreCopy.tables` order.
    public struct CopyReport: Sendable, Equatable, CustomStringConvertible {
        public var rows: [(table: String, count: Int)]

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.rows.map(\.table) == rhs.rows.map(\.table) && lhs.rows.map(\.count) == rhs.rows.map(\.count)
        }

        /// `jobs 25, job_state 25, runs 1,204, …`
        public var description: String {
            rows.map { "\($0.table) \($0.count.formatted(.number.grouping(.automatic)))" }.joined(separator: ", ")
        }
    }

    /// Copies every table of `source` into this database in one transaction: all or nothing. A database that
    /// already holds jobs, history, alerts, mutes or notifications is refused unless `replacing` (then its
    /// rows are deleted first). Ids are kept (a ping URL, an alert number, an event id mean the same after),
    /// the sequences moved past them; everything copied is stamped with this database's next data version.
    package func copy(from source: some TableExport, replacing: Bool) async throws -> CopyReport {
        let (tick, highWater) = try await guarded { try await source.exportMeta() }
        return try await write { [self] session, _ in
            let held: Int64 = try await session.value(
                """
                SELECT (SELECT COUNT(*) FROM jobs) + (SELECT COUNT(*) FROM heartbeats) + (SELECT COUNT(*) FROM alerts)
                    + (SELECT COUNT(*) FROM mutes) + (SELECT COUNT(*) FROM outbox)
                """) ?? 0
            if held > 0 {
                guard replacing else {
                    throw BoardError.database(
                        path: location.description,
                        reason: "it already holds data (jobs, history, alerts, mutes or notifications); give --force to replace it")
                }
                try await session.execute(
                    "TRUNCATE \((StoreCopy.tables + ["job_removals"]).joined(separator: ", ")) RESTART IDENTITY CASCADE")
            }
            var report = CopyReport(rows: [])
            for table in StoreCopy.tables {
                let types = try await Self.columnTypes(of: table, session)
                var count = 0
                var cursor: Int64?
                repeat {
                    let page = try await source.exportRows(of: table, after: cursor, limit: 1_000)
                    cursor = page.next
                    guard !page.rows.isEmpty else { break }
                    let kept = page.columns.enumerated().filter { types[$0.element] != nil && $0.element != "version" }
                    let width = kept.count
                    for chunk in page.rows.chunked(by: 60_000 / max(width, 1)) {
                        let values = try chunk.flatMap { row in
                            try kept.map { index, column in
                                try Self.convert(row[index], to: types[column] ?? "text", table: table, column: column)
                            }
                        }
                        try await session.execute(
                            "INSERT INTO \(table)(\(kept.map(\.element).joined(separator: ", "))) VALUES "
                                + SQL.tuples(chunk.count, width: width),
                            values)
                    }
                    count += page.rows.count
                } while cursor != nil
                report.rows.append((table, count))
            }
            for table in StoreCopy.tablesWithSequences {
                try await session.execute(
                    """
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'),
                        GREATEST((SELECT COALESCE(MAX(id), 0) FROM \(table)), ?::bigint, 1))
                    """,
                    [highWater[table] ?? 0])
            }
            if let tick { try await session.execute(Self.saveTick(tick)) }
            return report
        }
    }

    private static func columnTypes(of table: String, _ session: SQLSession) async throws -> [String: String] {
        var types: [String: String] = [:]
        for row in try await session.rows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?",
            [table])
        {
            types[try row[0]] = try row[1]
        }
        return types
    }

    /// A SQLite value as the PostgreSQL column's type takes it.
    private static func convert(_ value: StoredValue, to type: String, table: String, column: String) throws -> SQLValue {
        switch (value, type) {
        case (.null, _): return nil
        case (.integer(let number), "bigint"): return number
        case (.real(let number), "bigint"): return Int64(number)
        case (.integer(let number), "double precision"): return Double(number)
        case (.real(let number), "double precision"): return number
        case (.integer(let number), "boolean"): return number != 0
        case (.text(let text), "text"): return text
        case (.integer(let number), "text"): return String(number)
        case (.real(let number), "text"): return String(number)
        case (.blob(let bytes), "bytea"): return Data(bytes)
        case (.text(let text), "bytea"): return Data(text.utf8)
        case (.blob(let bytes), "text"): return String(decoding: bytes, as: UTF8.self)
        default:
            throw BoardError.invalidValue("Cannot copy \(table).\(column): the value \(value) does not fit a \(type) column")
        }
    }
}
