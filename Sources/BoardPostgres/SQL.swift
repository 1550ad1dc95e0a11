import Foundation
import PostgresNIO

/// A value bound to a `?` of `SQL`; nil binds NULL.
typealias SQLValue = (any PostgresThrowingDynamicTypeEncodable)?

/// A statement written with `?` placeholders, as the SQLite store writes them, with its values: each `?`
/// becomes `$1`, `$2`… in order. The statements here never hold a `?` of their own.
struct SQL {
    var text: String
    var values: [SQLValue]

    init(_ text: String, _ values: [SQLValue] = []) {
        self.text = text
        self.values = values
    }

    /// The statement as PostgresNIO sends it.
    func query() throws -> PostgresQuery {
        var numbered = ""
        numbered.reserveCapacity(text.utf8.count + values.count * 2)
        var index = 0
        for character in text {
            if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        precondition(index == values.count, "\(index) placeholders for \(values.count) values in: \(text)")
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: bindings)
    }
}

/// One row read by position.
struct SQLRow {
    private let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = PostgresRandomAccessRow(row)
    }

    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws { try row[index].decode(T.self) }
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

    /// Every row of `sql`.
    func rows(_ sql: String, _ values: [SQLValue] = []) async throws -> [SQLRow] {
        try await result(sql, values).rows.map(SQLRow.init)
    }

    private func result(_ sql: String, _ values: [SQLValue]) async throws -> PostgresQueryResult {
        try await connection.query(SQL(sql, values).query(), logger: logger).get()
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
