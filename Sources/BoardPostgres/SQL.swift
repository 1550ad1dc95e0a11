import Foundation
import PostgresNIO
import Synchronization

/// A value bound to a `?` of `SQL`; nil binds NULL.
typealias SQLValue = (any PostgresThrowingDynamicTypeEncodable & Sendable)?

/// A statement written with `?` placeholders, as the SQLite store writes them, with its values: each `?`
/// becomes `$1`, `$2`… in order. The statements here never hold a `?` of their own.
struct SQL: Sendable {
    var text: String
    var values: [SQLValue]

    init(_ text: String, _ values: [SQLValue] = []) {
        self.text = text
        self.values = values
    }

    /// `(?, ?), (?, ?)` for `count` rows of `width` values.
    static func tuples(_ count: Int, width: Int) -> String {
        tuples(count, of: "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")")
    }

    /// `tuple` `count` times, separated by commas: the rows of a multi-row VALUES.
    static func tuples(_ count: Int, of tuple: String) -> String {
        Array(repeating: tuple, count: count).joined(separator: ", ")
    }

    /// The statement as PostgresNIO sends it.
    func query() throws -> PostgresQuery {
        // Byte by byte: a batch's statement has thousands of placeholders (docs/postgresql.md).
        var numbered: [UInt8] = []
        numbered.reserveCapacity(text.utf8.count + values.count * 4)
        var index = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "?") {
                index += 1
                numbered.append(UInt8(ascii: "$"))
                numbered.append(contentsOf: String(index).utf8)
            } else {
                numbered.append(byte)
            }
        }
        precondition(index == values.count, "\(index) placeholders for \(values.count) values in: \(text)")
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        return PostgresQuery(unsafeSQL: String(decoding: numbered, as: UTF8.self), binds: bindings)
    }
}

/// One row read by position.
struct SQLRow {
    private let row: PostgresRandomAccessRow
    /// Where position 0 is: a statement that joins two reads side by side is decoded as two rows.
    private let offset: Int

    init(_ row: PostgresRow) {
        self.row = PostgresRandomAccessRow(row)
        offset = 0
    }

    private init(_ row: PostgresRandomAccessRow, offset: Int) {
        self.row = row
        self.offset = offset
    }

    /// The same row read from its column `offset` on (which becomes position 0).
    func columns(from offset: Int) -> SQLRow {
        SQLRow(row, offset: self.offset + offset)
    }

    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws { try row[offset + index].decode(T.self) }
    }

    /// A REAL column of seconds since 1970.
    func date(_ index: Int) throws -> Date? {
        try (self[index] as Double?).map(Date.init(timeIntervalSince1970:))
    }
}

/// Runs statements on one connection: inside a transaction of `PostgresStore.read` or `write`.
struct SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Set once `commit(after:)` has committed the session's transaction.
    private let committed = Committed()

    private final class Committed: Sendable {
        let value = Atomic(false)
    }

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Whether `commit(after:)` ended the transaction already.
    var isCommitted: Bool { committed.value.load(ordering: .relaxed) }

    /// The rows of `statements`, sent with the transaction's COMMIT in one round trip; the COMMIT has
    /// answered (the transaction is durable) when this returns.
    func commit(after statements: [SQL]) async throws -> [[SQLRow]] {
        let rows = try await pipeline(statements + [SQL("COMMIT")])
        committed.value.store(true, ordering: .relaxed)
        return Array(rows.dropLast())
    }

    /// Every row of `sql`.
    func rows(_ sql: String, _ values: [SQLValue] = []) async throws -> [SQLRow] {
        try await result(sql, values).rows.map(SQLRow.init)
    }

    /// Every row of `statement`.
    func rows(_ statement: SQL) async throws -> [SQLRow] {
        try await rows(statement.text, statement.values)
    }

    private func result(_ sql: String, _ values: [SQLValue]) async throws -> PostgresQueryResult {
        try checkOpen()
        return try await connection.query(SQL(sql, values).query(), logger: logger).get()
    }

    /// Refuses to send on a connection the server closed (it ended an idle transaction, it restarted):
    /// PostgresNIO drops a query written to a closed channel without ever answering it, and the caller would
    /// wait for ever.
    private func checkOpen() throws {
        guard !connection.isClosed else { throw ConnectionClosed() }
    }

    /// The server closed the connection before a statement was sent.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "cannot connect: the server closed the connection" }
    }

    /// The rows of each statement, all queued on the connection at once: PostgresNIO sends each as soon as the
    /// one before it answered, on the connection's event loop, so they cost one wait for the server each but
    /// no wait of the caller's between them. A failed statement leaves the transaction aborted, so the ones
    /// after it do nothing; the first failure is thrown once every statement has answered.
    func pipeline(_ statements: [SQL]) async throws -> [[SQLRow]] {
        try checkOpen()
        let answers = try statements.map { connection.query(try $0.query(), logger: logger) }
        var rows: [[SQLRow]] = []
        var failure: (any Error)?
        for answer in answers {
            do {
                rows.append(try await answer.get().rows.map(SQLRow.init))
            } catch {
                failure = failure ?? error
                rows.append([])
            }
        }
        if let failure { throw failure }
        return rows
    }

    /// The first row of `sql`, if any.
    func row(_ sql: String, _ values: [SQLValue] = []) async throws -> SQLRow? {
        try await rows(sql, values).first
    }

    /// The first column of the first row of `sql`, if any.
    func value<T: PostgresDecodable>(
        _ sql: String, _ values: [SQLValue] = [], as type: T.Type = T.self
    ) async throws -> T? where T._DecodableType == T {
        guard let row = try await row(sql, values) else { return nil }
        return try row[0] as T?
    }

    /// Runs `sql`; answers how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ values: [SQLValue] = []) async throws -> Int {
        try await result(sql, values).metadata.rows ?? 0
    }

    /// Runs `statement`; answers how many rows it changed.
    @discardableResult
    func execute(_ statement: SQL) async throws -> Int {
        try await execute(statement.text, statement.values)
    }

    /// Runs several statements without values (a migration), one after the other.
    func script(_ sql: String) async throws {
        for statement in Self.statements(sql) {
            try await execute(statement)
        }
    }

    /// `sql` cut at each `;` that ends a line outside a `$$`-quoted function body.
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quoted = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { quoted.toggle() }
            if !quoted, line.hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
