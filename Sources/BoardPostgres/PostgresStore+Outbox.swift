import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: OutboxStore, HealthReading {
    /// Due notifications, oldest first; of one alert's pending notifications on one channel, only the first.
    /// With a lease they are claimed for its term (`claim_epoch`), in a transaction fenced by it; rows another
    /// transaction is claiming are skipped (`SKIP LOCKED`), not waited for. Rows the term claimed already are
    /// answered again without being written again (the worker asks after every delivery).
    public func deliverableNotifications(at now: Date, limit: Int, claimingFor lease: Lease?) async throws -> [OutboxMessage] {
        guard let lease else { return try await pendingNotifications(dueAt: now, limit: limit, also: Self.firstOfItsAlert) }
        return try await write(versioned: false, reading: [Self.fence(lease)]) { session, _, fenced in
            guard fenced.first?.isEmpty == false else { throw LeaseLost(lease) }
            return try await session.rows(
                """
                WITH due AS (
                    SELECT id FROM outbox
                    WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? \(Self.firstOfItsAlert)
                    ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED
                ), claimed AS (
                    UPDATE outbox SET claim_epoch = ? WHERE id IN (SELECT id FROM due) AND claim_epoch IS DISTINCT FROM ?
                )
                SELECT \(OutboxColumns.select) FROM outbox WHERE id IN (SELECT id FROM due) ORDER BY next_attempt_at, id
                """,
                [Double(now), Int64(limit), lease.epoch, lease.epoch]
            ).map(OutboxColumns.message)
        }
    }

    /// Of the pending notifications of one alert on one channel, only the oldest may go out.
    /// (A notification of no alert is never held back: the test spares the search for those.)
    private static let firstOfItsAlert = """
        AND (outbox.alert_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM outbox AS earlier WHERE earlier.alert_id = outbox.alert_id
                AND earlier.channel = outbox.channel AND earlier.id < outbox.id
                AND earlier.delivered_at IS NULL AND earlier.failed_at IS NULL))
        """

    @discardableResult
    public func recordAttempts(_ attempts: [OutboxAttempt], at date: Date, claimedBy lease: Lease?) async throws -> Int {
        guard !attempts.isEmpty else { return 0 }
        return try await write { session, _ in try await Self.record(attempts, at: date, claimedBy: lease?.epoch, session) }
    }

    private func pendingNotifications(dueAt now: Date, limit: Int, also condition: String = "") async throws -> [OutboxMessage] {
        try await read { session in
            try await session.rows(
                """
                SELECT \(OutboxColumns.select) FROM outbox
                WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? \(condition)
                ORDER BY next_attempt_at, id LIMIT ?
                """,
                [Double(now), Int64(limit)]
            ).map(OutboxColumns.message)
        }
    }

    /// Records each attempt, only on a row still claimed by `epoch` when one is given; answers how many were.
    private static func record(_ attempts: [OutboxAttempt], at date: Date, claimedBy epoch: Int64?, _ session: SQLSession) async throws -> Int {
        let claimed = epoch == nil ? "" : " AND claim_epoch = ?"
        let claim: [SQLValue] = epoch.map { [$0] } ?? []
        var recorded = 0
        for attempt in attempts {
            if let error = attempt.error {
                let retry = attempt.retryAt.map(Double.init)
                recorded += try await session.execute(
                    """
                    UPDATE outbox SET attempts = attempts + 1, last_error = ?,
                        next_attempt_at = COALESCE(?::double precision, next_attempt_at),
                        failed_at = CASE WHEN ?::double precision IS NULL THEN ?::double precision ELSE NULL END
                    WHERE id = ?\(claimed)
                    """,
                    [error, retry, retry, Double(date), attempt.id] + claim)
            } else {
                recorded += try await session.execute(
                    "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?\(claimed)",
                    [Double(date), attempt.id] + claim)
            }
        }
        return recorded
    }

    public func outboxHealth() async throws -> [OutboxChannelHealth] {
        try await read { session in
            try await session.rows(
                """
                SELECT channel, COUNT(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL),
                    MIN(created_at) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL),
                    COUNT(*) FILTER (WHERE failed_at IS NOT NULL), MAX(delivered_at),
                    (ARRAY_AGG(last_error ORDER BY id DESC) FILTER (WHERE delivered_at IS NULL AND last_error IS NOT NULL))[1]
                FROM outbox GROUP BY channel ORDER BY channel
                """
            ).map { row in
                OutboxChannelHealth(
                    channel: try row[0], pending: Int(try row[1] as Int64), oldestPendingSince: try row.date(2),
                    failed: Int(try row[3] as Int64), lastError: try row[5], lastDeliveredAt: try row.date(4))
            }
        }
    }

    public func evaluatorLastTick() async throws -> Date? {
        try await read { session in try await Meta(session).evaluatorLastTick }
    }

    public func versionAndLastTick() async throws -> (dataVersion: Int64, evaluatorLastTick: Date?) {
        let meta = try await read { session in try await Meta(session) }
        return (meta.dataVersion, meta.evaluatorLastTick)
    }

    /// Nothing to watch: the server keeps its files (an unreachable server fails the writes themselves).
    public func storageProblem() async -> String? {
        nil
    }

    /// Enqueues a notification once per (event id, channel); false when it was already there.
    @discardableResult
    public func enqueue(_ message: OutboxMessage) async throws -> Bool {
        try await write { session, _ in try await session.execute(OutboxColumns.inserts([message])[0]) == 1 }
    }

    public func notification(eventID: String, channel: String) async throws -> OutboxMessage? {
        try await read { session in
            try await session.row(
                "SELECT \(OutboxColumns.select) FROM outbox WHERE event_id = ? AND channel = ?", [eventID, channel]
            ).map(OutboxColumns.message)
        }
    }

    public func dueNotifications(at now: Date, limit: Int) async throws -> [OutboxMessage] {
        try await pendingNotifications(dueAt: now, limit: limit)
    }
}
