import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Counts a ping for a key that belongs to no job (the server answered 404). Only a digest of the key and
    /// `shown` are kept, the user agent and source cut short, and at most `UnknownKey.maxKept` keys.
    public func recordUnknownKey(_ key: String, shownAs shown: String, source: String?, userAgent: String?, at date: Date) async throws {
        let source = source.map { String($0.prefix(UnknownKey.maxSourceLength)) }
        let userAgent = userAgent.map { String($0.prefix(UnknownKey.maxUserAgentLength)) }
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO unknown_keys(key_hash, key_prefix, count, last_source, last_user_agent, first_seen_at, last_seen_at)
                    VALUES (?, ?, 1, ?, ?, ?, ?)
                    ON CONFLICT(key_hash) DO UPDATE SET count = count + 1, last_source = excluded.last_source,
                        last_user_agent = excluded.last_user_agent, last_seen_at = MAX(last_seen_at, excluded.last_seen_at)
                    """,
                arguments: [
                    Data(SHA256.digest(of: key)), String(shown.prefix(UnknownKey.maxShownLength)), source, userAgent,
                    date.timeIntervalSince1970, date.timeIntervalSince1970,
                ])
            try db.execute(
                sql: """
                    DELETE FROM unknown_keys WHERE key_hash IN (
                        SELECT key_hash FROM unknown_keys ORDER BY last_seen_at DESC LIMIT -1 OFFSET ?)
                    """,
                arguments: [UnknownKey.maxKept])
        }
    }

    /// Unknown keys, most recently seen first.
    public func unknownKeys(limit: Int = 50) async throws -> [UnknownKey] {
        try await read { try Self.unknownKeys($0, limit: limit) }
    }

    static func unknownKeys(_ db: Database, limit: Int) throws -> [UnknownKey] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT key_prefix, count, last_source, last_user_agent, first_seen_at, last_seen_at FROM unknown_keys
                ORDER BY last_seen_at DESC LIMIT ?
                """,
            arguments: [limit]
        ).map { row in
            UnknownKey(
                keyPrefix: row[0], count: row[1], lastSource: row[2], lastUserAgent: row[3],
                firstSeenAt: Date(timeIntervalSince1970: row[4]), lastSeenAt: Date(timeIntervalSince1970: row[5]))
        }
    }
}
