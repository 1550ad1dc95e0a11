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
    /// Set for a statement of fixed text sent often: each connection has the server parse and plan it once.
    var prepared: (any PreparedText.Type)?

    init(_ text: String, _ values: [SQLValue] = [], prepared: (any PreparedText.Type)? = nil) {
        self.text = text
        self.values = values
        self.prepared = prepared
    }

    /// `(?, ?), (?, ?)` for `count` rows of `width` values.
    static func tuples(_ count: Int, width: Int) -> String {
        tuples(count, of: "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")")
    }

    /// `tuple` `count` times, separated by commas: the rows of a multi-row VALUES.
    static func tuples(_ count: Int, of tuple: String) -> String {
        Array(repeating: tuple, count: count).joined(separator: ", ")
    }

    /// `text` with its `?` numbered `$1`, `$2`… as PostgreSQL reads them, and how many there are.
    static func numbered(_ text: String) -> (text: String, count: Int) {
        // Byte by byte: a batch's statement has thousands of placeholders (docs/postgresql.md).
        var numbered: [UInt8] = []
        numbered.reserveCapacity(text.utf8.count * 2)
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
        return (String(decoding: numbered, as: UTF8.self), index)
    }

    /// The values as a `PreparedQuery` binds them, each encoded as PostgresNIO encodes a bound value.
    func data() throws -> [PostgresData] {
        try values.map { value in
            guard let value else { return PostgresData(type: .null) }
            var buffer = ByteBuffer()
            try value.encode(into: &buffer, context: .default)
            return PostgresData(type: value.psqlType, formatCode: value.psqlFormat, value: buffer)
        }
    }

    /// The values as PostgresNIO binds them.
    func bindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        return bindings
    }

    /// The statement as PostgresNIO sends it.
    func query() throws -> PostgresQuery {
        let (numbered, count) = Self.numbered(text)
        precondition(count == values.count, "\(count) placeholders for \(values.count) values in: \(text)")
        return PostgresQuery(unsafeSQL: numbered, binds: try bindings())
    }
}

/// The fixed text of a statement every connection prepares once, on its first use, and then only binds and
/// runs: the server parses and plans it once instead of for every batch (docs/postgresql.md). Its placeholders
/// carry their types (`?::bigint[]`), since it is prepared before any value is bound.
protocol PreparedText: Sendable {
    /// The statement with its placeholders numbered (`SQL.numbered`), computed once.
    static var numberedText: String { get }
}

/// The statements each connection of a store has prepared (`PreparedText`), kept for as long as the connection
/// is open. They are run through PostgresNIO's `PreparedQuery`, whose `execute` queues the statement on the
/// connection before it returns: a prepared statement can be queued with the ones after it, such as the
/// `COMMIT`, without a wait of the caller's between them (`SQLSession.pipeline`).
final class PreparedStatements: Sendable {
    private struct Key: Hashable {
        var pool: ObjectIdentifier
        var connection: PostgresConnection.ID
        var text: ObjectIdentifier
    }

    private struct Prepared {
        var query: PreparedQuery
        var connection: PostgresConnection
    }

    private let prepared = Mutex<[Key: Prepared]>([:])

    /// `text` as prepared on `connection` of `pool`, prepared now if it is not yet.
    func query(
        _ text: any PreparedText.Type, pool: ObjectIdentifier, connection: PostgresConnection
    ) async throws -> PreparedQuery {
        let key = Key(pool: pool, connection: connection.id, text: ObjectIdentifier(text))
        if let query = prepared.withLock({ $0[key]?.query }) { return query }
        let query = try await connection.prepare(query: text.numberedText).get()
        prepared.withLock { prepared in
            prepared = prepared.filter { !$0.value.connection.isClosed }
            prepared[key] = Prepared(query: query, connection: connection)
        }
        return query
    }
}

/// One row read by position.
struct SQLRow {
    private let row: PostgresRandomAccessRow
    /// Where position 0 is: a statement that joins two reads side by side is decoded as two rows.
    private let offset: Int
    /// A row of a `PreparedQuery`: its columns come in binary, as PostgresNIO's `Bind` asks for every statement,
    /// but the row description it keeps from preparing says text, which the cells would be decoded as.
    private let binary: Bool

    init(_ row: PostgresRow, binary: Bool = false) {
        self.row = PostgresRandomAccessRow(row)
        offset = 0
        self.binary = binary
    }

    private init(_ row: PostgresRandomAccessRow, offset: Int, binary: Bool) {
        self.row = row
        self.offset = offset
        self.binary = binary
    }

    /// The same row read from its column `offset` on (which becomes position 0).
    func columns(from offset: Int) -> SQLRow {
        SQLRow(row, offset: self.offset + offset, binary: binary)
    }

    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws {
            var cell = row[offset + index]
            if binary { cell.format = .binary }
            return try cell.decode(T.self)
        }
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
    /// The statements prepared on the store's connections, and which pool `connection` is of.
    let prepared: PreparedStatements
    let pool: ObjectIdentifier
    /// Set once the session's COMMIT has answered (`commit(after:)`, `markCommitted`).
    private let committed = Committed()

    private final class Committed: Sendable {
        let value = Atomic(false)
    }

    init(connection: PostgresConnection, logger: Logger, prepared: PreparedStatements, pool: ObjectIdentifier) {
        self.connection = connection
        self.logger = logger
        self.prepared = prepared
        self.pool = pool
    }

    /// Whether a COMMIT ended the transaction already.
    var isCommitted: Bool { committed.value.load(ordering: .relaxed) }

    /// The rows of `statements`, sent with the transaction's COMMIT in one round trip; the COMMIT has
    /// answered (the transaction is durable) when this returns.
    func commit(after statements: [SQL]) async throws -> [[SQLRow]] {
        let rows = try await pipeline(statements + [SQL("COMMIT")])
        markCommitted()
        return Array(rows.dropLast())
    }

    /// Notes that a COMMIT the caller queued has answered.
    func markCommitted() {
        committed.value.store(true, ordering: .relaxed)
    }

    /// Every row of `sql`.
    func rows(_ sql: String, _ values: [SQLValue] = []) async throws -> [SQLRow] {
        try await result(sql, values).rows.map { SQLRow($0) }
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
    /// after it do nothing; the first failure is thrown once every statement has answered. A prepared statement
    /// (`SQL.prepared`) this connection has not prepared yet is prepared first, before anything is queued.
    func pipeline(_ statements: [SQL]) async throws -> [[SQLRow]] {
        try checkOpen()
        var queries: [ObjectIdentifier: PreparedQuery] = [:]
        for text in statements.compactMap(\.prepared) where queries[ObjectIdentifier(text)] == nil {
            queries[ObjectIdentifier(text)] = try await prepared.query(text, pool: pool, connection: connection)
        }
        var queued: [(rows: EventLoopFuture<[PostgresRow]>, binary: Bool)] = []
        for statement in statements {
            if let text = statement.prepared, let query = queries[ObjectIdentifier(text)] {
                queued.append((query.execute(try statement.data()), true))
            } else {
                queued.append((connection.query(try statement.query(), logger: logger).map(\.rows), false))
            }
        }
        var rows: [[SQLRow]] = []
        var failure: (any Error)?
        for answer in queued {
            do {
                rows.append(try await answer.rows.get().map { SQLRow($0, binary: answer.binary) })
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

/// One column of many rows bound as one array value (`unnest(?, ?, …)` reads the columns back as rows): a
/// statement's text stays the same whatever the number of rows, so it can be prepared (`PreparedText`). `values`
/// are the column's, nil for NULL, each of the type `element`.
struct ColumnArray: PostgresThrowingDynamicTypeEncodable, Sendable {
    let element: PostgresDataType
    let values: [SQLValue]

    var psqlType: PostgresDataType {
        switch element {
        case .int8: .int8Array
        case .float8: .float8Array
        case .bool: .boolArray
        case .bytea: .byteaArray
        default: .textArray
        }
    }

    var psqlFormat: PostgresFormat { .binary }

    /// PostgreSQL's binary array: one dimension, its length and lower bound, then each element's length
    /// (-1: NULL) and bytes.
    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) throws {
        buffer.writeInteger(1, as: Int32.self)
        buffer.writeInteger(values.contains { $0 == nil } ? 1 : 0, as: Int32.self)
        buffer.writeInteger(element.rawValue)
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(1, as: Int32.self)
        for value in values {
            guard let value else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            guard value.psqlType == element, value.psqlFormat == .binary else {
                throw WrongElement(description: "a \(value.psqlType) value in a column of \(element)")
            }
            let start = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            try value.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(buffer.writerIndex - start - 4), at: start)
        }
    }

    struct WrongElement: Error, CustomStringConvertible {
        let description: String
    }

    /// The columns of `rows` (each a row's values in column order), the `n`-th of the type `types[n]`.
    static func columns(_ rows: [[SQLValue]], types: [PostgresDataType]) -> [SQLValue] {
        types.indices.map { column in ColumnArray(element: types[column], values: rows.map { $0[column] }) }
    }
}
