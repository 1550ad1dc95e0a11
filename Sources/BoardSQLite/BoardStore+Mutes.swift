import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Adds a mute and returns it with its id.
    @discardableResult
    public func add(_ mute: Mute) async throws -> Mute {
        try await write { db in
            let (scope, target) = MuteCodec.columns(mute.scope)
            try db.execute(
                sql: "INSERT INTO mutes(scope, target, until, created_by, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [scope, target, mute.until.timeIntervalSince1970, mute.createdBy, mute.reason, mute.createdAt.timeIntervalSince1970])
            var stored = mute
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    /// Unmutes: removes every mute with this scope. Returns how many were removed.
    @discardableResult
    public func removeMutes(scope: MuteScope) async throws -> Int {
        try await write { db in
            let (kind, target) = MuteCodec.columns(scope)
            try db.execute(sql: "DELETE FROM mutes WHERE scope = ? AND target = ?", arguments: [kind, target])
            return db.changesCount
        }
    }

    /// Mutes in force at `now`.
    public func activeMutes(at now: Date) async throws -> [Mute] {
        try await read { try Self.activeMutes($0, at: now) }
    }

    static func activeMutes(_ db: Database, at now: Date) throws -> [Mute] {
        try Row.fetchAll(
            db, sql: "SELECT id, scope, target, until, created_by, reason, created_at FROM mutes WHERE until > ? ORDER BY until",
            arguments: [now.timeIntervalSince1970]
        ).map(MuteCodec.mute)
    }
}

enum MuteCodec {
    static func columns(_ scope: MuteScope) -> (String, String) {
        switch scope {
        case .job(let slug): ("job", slug)
        case .tag(let tag): ("tag", tag)
        case .fleet: ("fleet", "")
        }
    }

    static func mute(_ row: Row) -> Mute {
        let target: String = row["target"]
        let scope: MuteScope = switch row["scope"] as String {
        case "job": .job(target)
        case "tag": .tag(target)
        default: .fleet
        }
        return Mute(
            id: row["id"], scope: scope, until: Date(timeIntervalSince1970: row["until"]), createdBy: row["created_by"],
            reason: row["reason"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
