import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Everything the board draws, in one read transaction and eight queries whatever the number of jobs:
    /// jobs, state rows (with the last 30 runs), open alerts, mutes active at `now`, unknown keys, meta,
    /// outages of the monitor, the outbox's backlog.
    /// It reads the current-state rows only, never the heartbeat or run history.
    public func loadBoard(at now: Date = Date()) throws -> BoardSnapshot {
        try read { db in try snapshot(db, at: now) }
    }

    /// The board now, read from `previous` (a board read earlier from this store) and what changed since:
    /// only the jobs whose version moved after `previous.dataVersion`, removals, and alerts and mutes when
    /// they changed. When nothing changed it is `previous` itself (less the mutes that ended), after one
    /// query; when many jobs changed, a full read. Costs O(changed jobs) reads plus an O(jobs) merge without decoding.
    public func loadBoard(at now: Date = Date(), updating previous: BoardSnapshot) throws -> BoardSnapshot {
        try read { db in try snapshot(db, at: now, updating: previous) }
    }

    /// `loadBoard(at:updating:)`'s reads, inside a read transaction the caller holds.
    func snapshot(_ db: Database, at now: Date, updating previous: BoardSnapshot) throws -> BoardSnapshot {
        let meta = try Meta(db)
        if meta.dataVersion == previous.dataVersion {
            var same = previous
            same.activeMutes.removeAll { $0.until <= now }
            return same
        }
        let since = previous.dataVersion
        let changedCount = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM job_state WHERE version > ?", arguments: [since]) ?? 0
        if changedCount > max(64, previous.entries.count / 4) { return try snapshot(db, at: now) }

        var changed: [Int64: BoardSnapshot.Entry] = [:]
        var decoder = JobCodec.Decoder()
        let jobRows = try Row.fetchCursor(
            db, sql: """
                SELECT \(JobCodec.selectColumns) FROM jobs
                WHERE id IN (SELECT job_id FROM job_state WHERE version > ?)
                """, arguments: [since])
        while let row = try jobRows.next() {
            let job = try decoder.job(row, path: path)
            changed[job.id ?? 0] = BoardSnapshot.Entry(job: job, activity: JobActivity(jobID: job.id ?? 0))
        }
        let stateRows = try Row.fetchCursor(
            db, sql: "SELECT \(StateCodec.selectColumns), version FROM job_state WHERE version > ?", arguments: [since])
        while let row = try stateRows.next() {
            let activity = try StateCodec.activity(row)
            changed[activity.jobID]?.activity = activity
            changed[activity.jobID]?.version = row[6]
        }
        let removed = Set(try Int64.fetchAll(
            db, sql: "SELECT job_id FROM job_removals WHERE version > ?", arguments: [since]))

        var entries: [BoardSnapshot.Entry] = []
        entries.reserveCapacity(previous.entries.count + changed.count)
        var reorder = false
        for entry in previous.entries {
            let id = entry.job.id ?? 0
            if removed.contains(id) { continue }
            if let update = changed.removeValue(forKey: id) {
                reorder = reorder || update.job.slug != entry.job.slug
                entries.append(update)
            } else {
                entries.append(entry)
            }
        }
        if !changed.isEmpty {
            entries.append(contentsOf: changed.values)
            reorder = true
        }
        if reorder { entries.sort { $0.job.slug < $1.job.slug } }
        let alertsChanged = meta.alertsVersion > since
        return BoardSnapshot(
            entries: entries,
            openAlerts: alertsChanged ? try Self.openAlerts(db) : previous.openAlerts,
            activeMutes: meta.mutesVersion > since
                ? try Self.activeMutes(db, at: now) : previous.activeMutes.filter { $0.until > now },
            unknownKeys: try Self.unknownKeys(db, limit: 50), evaluatorLastTick: meta.evaluatorLastTick,
            dataVersion: meta.dataVersion,
            monitorOutages: alertsChanged ? try Self.monitorOutages(db) : previous.monitorOutages,
            outboxBacklog: try Self.outboxBacklog(db))
    }

    /// `loadBoard`'s reads, inside a read transaction the caller holds.
    func snapshot(_ db: Database, at now: Date) throws -> BoardSnapshot {
        // Cursors decode each row in place; fetchAll would copy every row first.
        var decoder = JobCodec.Decoder()
        var jobs: [Job] = []
        let jobRows = try Row.fetchCursor(db, sql: "SELECT \(JobCodec.selectColumns) FROM jobs ORDER BY slug")
        while let row = try jobRows.next() {
            jobs.append(try decoder.job(row, path: path))
        }
        var states: [Int64: (JobActivity, Int64)] = [:]
        states.reserveCapacity(jobs.count)
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(StateCodec.selectColumns), version FROM job_state")
        while let row = try cursor.next() {
            let activity = try StateCodec.activity(row)
            states[activity.jobID] = (activity, row[6])
        }
        let entries = jobs.map { job in
            let state = states[job.id ?? 0]
            return BoardSnapshot.Entry(
                job: job, activity: state?.0 ?? JobActivity(jobID: job.id ?? 0), version: state?.1 ?? 0)
        }
        let meta = try Meta(db)
        return BoardSnapshot(
            entries: entries, openAlerts: try Self.openAlerts(db), activeMutes: try Self.activeMutes(db, at: now),
            unknownKeys: try Self.unknownKeys(db, limit: 50), evaluatorLastTick: meta.evaluatorLastTick,
            dataVersion: meta.dataVersion, monitorOutages: try Self.monitorOutages(db),
            outboxBacklog: try Self.outboxBacklog(db))
    }

    /// The versions and the evaluator's last tick, from `meta`.
    private struct Meta {
        var dataVersion: Int64 = 0
        var alertsVersion: Int64 = 0
        var mutesVersion: Int64 = 0
        var evaluatorLastTick: Date?

        init(_ db: Database) throws {
            let rows = try Row.fetchAll(
                db, sql: """
                    SELECT key, value FROM meta
                    WHERE key IN ('data_version', 'alerts_version', 'mutes_version', 'evaluator_last_tick')
                    """)
            for row in rows {
                switch row[0] as String {
                case "data_version": dataVersion = row[1]
                case "alerts_version": alertsVersion = row[1]
                case "mutes_version": mutesVersion = row[1]
                default: evaluatorLastTick = Date(timeIntervalSince1970: row[1])
                }
            }
        }
    }

    // MARK: - Alerts

    /// Opens an alert, unless the same kind is already open for the same job (or the fleet): a condition
    /// that stays true never opens a duplicate.
    public func open(_ alert: Alert) throws -> AlertOpening {
        try write { db in
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
    public func updateOpenAlert(id: Int64, severity: AlertSeverity, message: String) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE alerts SET severity = ?, message = ? WHERE id = ? AND resolved_at IS NULL",
                arguments: [severity.rawValue, message, id])
            if db.changesCount == 0 { throw BoardError.invalidValue("No open alert #\(id)") }
        }
    }

    /// Alerts not yet resolved, oldest first.
    public func openAlerts() throws -> [Alert] {
        try read { try Self.openAlerts($0) }
    }

    /// The latest alerts, open or not, newest first (the board's alert log).
    public func recentAlerts(limit: Int = 100) throws -> [Alert] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(AlertCodec.selectColumns) FROM alerts ORDER BY opened_at DESC, id DESC LIMIT ?",
                arguments: [limit]
            ).map(AlertCodec.alert)
        }
    }

    /// Acknowledges an alert: who, when, and an optional note. Acknowledging again updates them.
    public func acknowledgeAlert(id: Int64, by who: String, note: String? = nil, at date: Date) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, acknowledgement_note = ? WHERE id = ?",
                arguments: [date.timeIntervalSince1970, who, note, id])
            if db.changesCount == 0 { throw BoardError.invalidValue("No alert #\(id)") }
        }
    }

    /// Resolves an alert (its condition cleared). Resolving a resolved alert keeps the first time.
    public func resolveAlert(id: Int64, at date: Date) throws {
        try write { db in
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

    // MARK: - Mutes

    /// Adds a mute and returns it with its id.
    @discardableResult
    public func add(_ mute: Mute) throws -> Mute {
        try write { db in
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
    public func removeMutes(scope: MuteScope) throws -> Int {
        try write { db in
            let (kind, target) = MuteCodec.columns(scope)
            try db.execute(sql: "DELETE FROM mutes WHERE scope = ? AND target = ?", arguments: [kind, target])
            return db.changesCount
        }
    }

    /// Mutes in force at `now`.
    public func activeMutes(at now: Date) throws -> [Mute] {
        try read { try Self.activeMutes($0, at: now) }
    }

    static func activeMutes(_ db: Database, at now: Date) throws -> [Mute] {
        try Row.fetchAll(
            db, sql: "SELECT id, scope, target, until, created_by, reason, created_at FROM mutes WHERE until > ? ORDER BY until",
            arguments: [now.timeIntervalSince1970]
        ).map(MuteCodec.mute)
    }

    // MARK: - Unknown keys

    /// Counts a ping for a key that belongs to no job (the server answered 404). Only a digest and the
    /// first characters of the key are kept.
    public func recordUnknownKey(_ key: String, source: String?, userAgent: String?, at date: Date) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO unknown_keys(key_hash, key_prefix, count, last_source, last_user_agent, first_seen_at, last_seen_at)
                    VALUES (?, ?, 1, ?, ?, ?, ?)
                    ON CONFLICT(key_hash) DO UPDATE SET count = count + 1, last_source = excluded.last_source,
                        last_user_agent = excluded.last_user_agent, last_seen_at = MAX(last_seen_at, excluded.last_seen_at)
                    """,
                arguments: [
                    Data(SHA256.digest(of: key)), String(key.prefix(6)), source, userAgent,
                    date.timeIntervalSince1970, date.timeIntervalSince1970,
                ])
        }
    }

    /// Unknown keys, most recently seen first.
    public func unknownKeys(limit: Int = 50) throws -> [UnknownKey] {
        try read { try Self.unknownKeys($0, limit: limit) }
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

    // MARK: - Outbox

    /// Enqueues a notification once per (event id, channel). Returns false when it was already enqueued.
    @discardableResult
    public func enqueue(_ message: OutboxMessage) throws -> Bool {
        try write { db in
            try db.execute(sql: OutboxCodec.insert, arguments: OutboxCodec.arguments(message))
            return db.changesCount == 1
        }
    }

    /// Notifications neither delivered nor given up whose next attempt is due at `now`, oldest first.
    public func dueNotifications(at now: Date, limit: Int = 100) throws -> [OutboxMessage] {
        try pendingNotifications(dueAt: now, limit: limit)
    }

    /// Records a delivery.
    public func markDelivered(id: Int64, at date: Date) throws {
        try write { db in try Self.record([OutboxAttempt(id: id)], at: date, db) }
    }

    /// Records a failed attempt: retry at `retryAt`, or give up when `retryAt` is nil.
    public func markAttemptFailed(id: Int64, error: String, at date: Date, retryAt: Date?) throws {
        try write { db in try Self.record([OutboxAttempt(id: id, error: error, retryAt: retryAt)], at: date, db) }
    }
}

enum AlertCodec {
    static let selectColumns = """
        id, kind, severity, job_id, message, opened_at, acknowledged_at, acknowledged_by, acknowledgement_note, resolved_at
        """

    static func alert(_ row: Row) -> Alert {
        let kind: String = row[1]
        let severity: String = row[2]
        let alertKind = AlertKind(rawValue: kind) ?? .fleet
        return Alert(
            id: row[0], kind: alertKind, severity: AlertSeverity(rawValue: severity) ?? alertKind.defaultSeverity,
            jobID: row[3], message: row[4], openedAt: Date(timeIntervalSince1970: row[5]),
            acknowledgedAt: (row[6] as Double?).map(Date.init(timeIntervalSince1970:)), acknowledgedBy: row[7],
            acknowledgementNote: row[8], resolvedAt: (row[9] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

enum OutboxCodec {
    /// Inserts a message unless its (event id, channel) is already there.
    static let insert = """
        INSERT INTO outbox(event_id, channel, alert_id, payload, created_at, attempts, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT(event_id, channel) DO NOTHING
        """

    static func arguments(_ message: OutboxMessage) -> StatementArguments {
        [
            message.eventID, message.channel, message.alertID, Data(message.payload),
            message.createdAt.timeIntervalSince1970, message.nextAttemptAt.timeIntervalSince1970,
        ]
    }

    static let selectColumns = """
        id, event_id, channel, alert_id, payload, created_at, attempts, next_attempt_at, last_error, delivered_at, failed_at
        """

    static func message(_ row: Row) -> OutboxMessage {
        let payload: Data = row[4]
        return OutboxMessage(
            id: row[0], eventID: row[1], channel: row[2], alertID: row[3], payload: Array(payload),
            createdAt: Date(timeIntervalSince1970: row[5]), attempts: row[6],
            nextAttemptAt: Date(timeIntervalSince1970: row[7]), lastError: row[8],
            deliveredAt: (row[9] as Double?).map(Date.init(timeIntervalSince1970:)),
            failedAt: (row[10] as Double?).map(Date.init(timeIntervalSince1970:)))
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
        let kind: String = row[1]
        let target: String = row[2]
        let scope: MuteScope = switch kind {
        case "job": .job(target)
        case "tag": .tag(target)
        default: .fleet
        }
        return Mute(
            id: row[0], scope: scope, until: Date(timeIntervalSince1970: row[3]), createdBy: row[4], reason: row[5],
            createdAt: Date(timeIntervalSince1970: row[6]))
    }
}
