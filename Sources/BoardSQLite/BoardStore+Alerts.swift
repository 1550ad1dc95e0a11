import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Opens an alert, unless the same kind is already open for the same job (or the fleet): a condition
    /// that stays true never opens a duplicate.
    public func open(_ alert: Alert) async throws -> AlertOpening {
        try await write { db in
            if let existing = try Row.fetchOne(
                db,
                sql: "SELECT \(AlertCodec.selectColumns) FROM alerts WHERE kind = ? AND IFNULL(job_id, 0) = ? AND resolved_at IS NULL",
                arguments: [alert.kind.rawValue, alert.jobID ?? 0]
            ).map(AlertCodec.alert) {
                return .alreadyOpen(existing)
            }
            try db.execute(
                sql: """
                    INSERT INTO alerts(kind, severity, job_id, message, opened_at, acknowledged_at, acknowledged_by,
                        acknowledgement_note, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    alert.kind.rawValue, alert.severity.rawValue, alert.jobID, alert.message,
                    alert.openedAt.timeIntervalSince1970, alert.acknowledgedAt?.timeIntervalSince1970, alert.acknowledgedBy,
                    alert.acknowledgementNote, alert.resolvedAt?.timeIntervalSince1970,
                ])
            var stored = alert
            stored.id = db.lastInsertedRowID
            return .opened(stored)
        }
    }

    /// Changes the message or severity of an open alert (a delayed alert that escalates).
    public func updateOpenAlert(id: Int64, severity: AlertSeverity, message: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE alerts SET severity = ?, message = ? WHERE id = ? AND resolved_at IS NULL",
                arguments: [severity.rawValue, message, id])
            if db.changesCount == 0 { throw BoardError.invalidValue("No open alert #\(id)") }
        }
    }

    /// Alerts not yet resolved, oldest first.
    public func openAlerts() async throws -> [Alert] {
        try await read { try Self.openAlerts($0) }
    }

    /// The latest alerts, open or not, newest first (the board's alert log).
    public func recentAlerts(limit: Int = 100) async throws -> [Alert] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(AlertCodec.selectColumns) FROM alerts ORDER BY opened_at DESC, id DESC LIMIT ?",
                arguments: [limit]
            ).map(AlertCodec.alert)
        }
    }

    /// Acknowledges an alert: who, when, and an optional note. Acknowledging again updates them.
    public func acknowledgeAlert(id: Int64, by who: String, note: String? = nil, at date: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, acknowledgement_note = ? WHERE id = ?",
                arguments: [date.timeIntervalSince1970, who, note, id])
            if db.changesCount == 0 { throw BoardError.invalidValue("No alert #\(id)") }
        }
    }

    /// Resolves an alert (its condition cleared). Resolving a resolved alert keeps the first time.
    public func resolveAlert(id: Int64, at date: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE alerts SET resolved_at = IFNULL(resolved_at, ?) WHERE id = ?",
                arguments: [date.timeIntervalSince1970, id])
            if db.changesCount == 0 { throw BoardError.invalidValue("No alert #\(id)") }
        }
    }

    static func openAlerts(_ db: Database) throws -> [Alert] {
        try Row.fetchAll(
            db, sql: "SELECT \(AlertCodec.selectColumns) FROM alerts WHERE resolved_at IS NULL ORDER BY opened_at, id"
        ).map(AlertCodec.alert)
    }

    /// The alert with this id, open or not.
    public func alert(id: Int64) async throws -> Alert? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(AlertCodec.selectColumns) FROM alerts WHERE id = ?", arguments: [id])
                .map(AlertCodec.alert)
        }
    }
}

enum AlertCodec {
    static let selectColumns = """
        id, kind, severity, job_id, message, opened_at, acknowledged_at, acknowledged_by, acknowledgement_note, resolved_at
        """

    static func alert(_ row: Row) -> Alert {
        let kind = AlertKind(rawValue: row["kind"]) ?? .fleet
        return Alert(
            id: row["id"], kind: kind, severity: AlertSeverity(rawValue: row["severity"]) ?? kind.defaultSeverity,
            jobID: row["job_id"], message: row["message"], openedAt: Date(timeIntervalSince1970: row["opened_at"]),
            acknowledgedAt: row.date("acknowledged_at"),
            acknowledgedBy: row["acknowledged_by"], acknowledgementNote: row["acknowledgement_note"],
            resolvedAt: row.date("resolved_at"))
    }
}
