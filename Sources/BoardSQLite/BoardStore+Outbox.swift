import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// The lease is not needed: one `serve` at most delivers from a SQLite file (`BoardStore+Leases`).
    public func deliverableNotifications(at now: Date, limit: Int, claimingFor lease: Lease?) async throws -> [OutboxMessage] {
        try await read { db in try Self.pendingNotifications(db, dueAt: now, limit: limit, also: Self.firstOfItsAlert) }
    }

    @discardableResult
    public func recordAttempts(_ attempts: [OutboxAttempt], at date: Date, claimedBy lease: Lease?) async throws -> Int {
        guard !attempts.isEmpty else { return 0 }
        try await write { db in try Self.record(attempts, at: date, db) }
        return attempts.count
    }

    /// Of the pending notifications of one alert on one channel, only the oldest may go out.
    /// (A notification of no alert is never held back: the test spares the search for those.)
    private static let firstOfItsAlert = """
        AND (outbox.alert_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM outbox AS earlier WHERE earlier.alert_id = outbox.alert_id
                AND earlier.channel = outbox.channel AND earlier.id < outbox.id
                AND earlier.delivered_at IS NULL AND earlier.failed_at IS NULL))
        """

    /// Notifications neither delivered nor given up, due at `now` and meeting the SQL condition `also`, oldest
    /// first.
    func pendingNotifications(dueAt now: Date, limit: Int, also condition: String = "") async throws -> [OutboxMessage] {
        try await read { db in try Self.pendingNotifications(db, dueAt: now, limit: limit, also: condition) }
    }

    private static func pendingNotifications(_ db: Database, dueAt now: Date, limit: Int, also condition: String) throws -> [OutboxMessage] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT \(OutboxCodec.selectColumns) FROM outbox
                WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? \(condition)
                ORDER BY next_attempt_at, id LIMIT ?
                """,
            arguments: [now.timeIntervalSince1970, limit]
        ).map(OutboxCodec.message)
    }

    static func record(_ attempts: [OutboxAttempt], at date: Date, _ db: Database) throws {
        let delivered = try db.cachedStatement(
            sql: "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
        let failed = try db.cachedStatement(
            sql: """
                UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = IFNULL(?, next_attempt_at),
                    failed_at = CASE WHEN ? IS NULL THEN ? ELSE NULL END WHERE id = ?
                """)
        for attempt in attempts {
            if let error = attempt.error {
                let retry = attempt.retryAt?.timeIntervalSince1970
                try failed.execute(arguments: [error, retry, retry, date.timeIntervalSince1970, attempt.id])
            } else {
                try delivered.execute(arguments: [date.timeIntervalSince1970, attempt.id])
            }
        }
    }

    /// Plans and enqueues the notifications of an evaluator round, inside `recordEvaluation`'s transaction, after
    /// its alert changes: a notification is enqueued with the alert change that causes it, or not at all.
    /// `previousTick` bounds the runs that count as `succeeded` now.
    func enqueueNotifications(
        _ db: Database, planner: NotificationPlanner, changes: AlertChanges, previousTick: Date?, at now: Date
    ) throws {
        let openAlerts = try Self.openAlerts(db)
        let resolved = changes.storedResolutions(at: now)
        var succeeded: [SucceededRun] = []
        if planner.routing.wants(NotificationEventName.succeeded), let previousTick {
            // run_at bounds the scan through its index; a good run lasting over a week is not announced.
            succeeded = try Row.fetchAll(
                db,
                sql: """
                    SELECT runs.id, runs.job_id, runs.ended_at, runs.size_bytes,
                        IFNULL(runs.reported_duration, runs.ended_at - runs.started_at), runs.exit_code FROM runs JOIN jobs ON jobs.id = runs.job_id
                    WHERE runs.run_at > ? AND runs.ended_at > ? AND runs.ended_at <= ? AND runs.outcome = 'completed'
                        AND IFNULL(runs.verification, '') <> 'failed'
                        AND (jobs.min_size IS NULL OR runs.size_bytes IS NULL OR runs.size_bytes >= jobs.min_size)
                    ORDER BY runs.ended_at, runs.id
                    """,
                arguments: [
                    previousTick.timeIntervalSince1970 - 7 * 86_400, previousTick.timeIntervalSince1970,
                    now.timeIntervalSince1970,
                ]
            ).map {
                SucceededRun(
                    runID: $0[0], jobID: $0[1], endedAt: Date(timeIntervalSince1970: $0[2]), sizeBytes: $0[3], duration: $0[4],
                    exitStatus: $0[5])
            }
        }
        let jobIDs = Set(openAlerts.compactMap(\.jobID) + resolved.compactMap(\.jobID) + succeeded.map(\.jobID))
        let alertIDs = Set(openAlerts.compactMap(\.id) + resolved.compactMap(\.id))
        let round = NotificationRound(
            now: now, openAlerts: openAlerts, escalatedIDs: Set(changes.updated.compactMap(\.id)), resolved: resolved,
            jobs: try jobs(db, ids: jobIDs), mutes: try Self.activeMutes(db, at: now),
            fleetAlerts: try Row.fetchAll(
                db,
                sql: """
                    SELECT \(AlertCodec.selectColumns) FROM alerts
                    WHERE kind = 'fleet' AND (resolved_at IS NULL OR resolved_at > ?)
                    """,
                arguments: [now.timeIntervalSince1970 - 86_400]
            ).map(AlertCodec.alert),
            enqueued: try Self.enqueued(db, alertIDs: alertIDs, eventID: planner.digestEventID(at: now)),
            succeededRuns: succeeded)
        let insert = try db.cachedStatement(sql: OutboxCodec.insert)
        for message in planner.plan(round) {
            try insert.execute(arguments: OutboxCodec.arguments(message))
        }
    }

    /// The jobs with these ids, by id.
    private func jobs(_ db: Database, ids: Set<Int64>) throws -> [Int64: Job] {
        var decoder = JobCodec.Decoder()
        var jobs: [Int64: Job] = [:]
        let sorted = ids.sorted()
        for start in stride(from: 0, to: sorted.count, by: 500) {
            let chunk = Array(sorted[start..<min(start + 500, sorted.count)])
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT \(JobCodec.selectColumns) FROM jobs WHERE id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(chunk))
            while let row = try rows.next() {
                let job = try decoder.job(row, path: path)
                if let id = job.id { jobs[id] = job }
            }
        }
        return jobs
    }

    /// The outbox rows of these alerts, and of `eventID`, with when each was enqueued.
    private static func enqueued(_ db: Database, alertIDs: Set<Int64>, eventID: String?) throws -> [OutboxKey: Date] {
        var result: [OutboxKey: Date] = [:]
        func collect(_ rows: [Row]) {
            for row in rows {
                result[OutboxKey(eventID: row[0], channel: row[1])] = Date(timeIntervalSince1970: row[2])
            }
        }
        let sorted = alertIDs.sorted()
        for start in stride(from: 0, to: sorted.count, by: 500) {
            let chunk = Array(sorted[start..<min(start + 500, sorted.count)])
            collect(try Row.fetchAll(
                db,
                sql: "SELECT event_id, channel, created_at FROM outbox WHERE alert_id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(chunk)))
        }
        if let eventID {
            collect(try Row.fetchAll(
                db, sql: "SELECT event_id, channel, created_at FROM outbox WHERE event_id = ?", arguments: [eventID]))
        }
        return result
    }

    /// Per channel: pending notifications and the oldest of them, those given up, the last error, the last
    /// delivery. Channels that never had a notification are absent.
    public func outboxHealth() async throws -> [OutboxChannelHealth] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT channel, SUM(delivered_at IS NULL AND failed_at IS NULL),
                        MIN(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN created_at END),
                        SUM(failed_at IS NOT NULL), MAX(delivered_at)
                    FROM outbox GROUP BY channel ORDER BY channel
                    """)
            let lastError = try db.cachedStatement(
                sql: """
                    SELECT last_error FROM outbox WHERE channel = ? AND delivered_at IS NULL AND last_error IS NOT NULL
                    ORDER BY id DESC LIMIT 1
                    """)
            return try rows.map { row in
                let channel: String = row[0]
                return OutboxChannelHealth(
                    channel: channel, pending: row[1], oldestPendingSince: row.date(2),
                    failed: row[3], lastError: try String.fetchOne(lastError, arguments: [channel]),
                    lastDeliveredAt: row.date(4))
            }
        }
    }

    /// Per channel with notifications waiting: how many, since when, and the last error among them. Reads
    /// the pending rows only (a partial index holds them), never the delivered history, so the board can ask
    /// on every reload.
    static func outboxBacklog(_ db: Database) throws -> [OutboxBacklog] {
        let pending = "delivered_at IS NULL AND failed_at IS NULL"
        let rows = try Row.fetchAll(
            db, sql: "SELECT channel, COUNT(*), MIN(created_at) FROM outbox WHERE \(pending) GROUP BY channel ORDER BY channel")
        let lastError = try db.cachedStatement(
            sql: "SELECT last_error FROM outbox WHERE channel = ? AND \(pending) AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1")
        return try rows.map { row in
            let channel: String = row[0]
            return OutboxBacklog(
                channel: channel, pending: row[1], oldestSince: Date(timeIntervalSince1970: row[2]),
                lastError: try String.fetchOne(lastError, arguments: [channel]))
        }
    }
}

extension BoardStore {
    /// Enqueues a notification once per (event id, channel). Returns false when it was already enqueued.
    @discardableResult
    public func enqueue(_ message: OutboxMessage) async throws -> Bool {
        try await write { db in
            try db.execute(sql: OutboxCodec.insert, arguments: OutboxCodec.arguments(message))
            return db.changesCount == 1
        }
    }

    public func notification(eventID: String, channel: String) async throws -> OutboxMessage? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(OutboxCodec.selectColumns) FROM outbox WHERE event_id = ? AND channel = ?",
                arguments: [eventID, channel]
            ).map(OutboxCodec.message)
        }
    }

    /// Notifications neither delivered nor given up whose next attempt is due at `now`, oldest first.
    public func dueNotifications(at now: Date, limit: Int = 100) async throws -> [OutboxMessage] {
        try await pendingNotifications(dueAt: now, limit: limit)
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
        let payload: Data = row["payload"]
        return OutboxMessage(
            id: row["id"], eventID: row["event_id"], channel: row["channel"], alertID: row["alert_id"],
            payload: Array(payload), createdAt: Date(timeIntervalSince1970: row["created_at"]),
            attempts: row["attempts"], nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
            lastError: row["last_error"],
            deliveredAt: row.date("delivered_at"),
            failedAt: row.date("failed_at"))
    }
}
