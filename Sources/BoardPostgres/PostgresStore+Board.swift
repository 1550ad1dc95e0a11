import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: BoardReading {
    /// The whole board in one snapshot, from the current-state rows only (as the SQLite store).
    public func loadBoard(at now: Date) async throws -> BoardSnapshot {
        try await read { [self] session in try await snapshot(session, at: now) }
    }

    public func loadBoard(at now: Date, updating previous: BoardSnapshot) async throws -> BoardSnapshot {
        try await read { [self] session in try await snapshot(session, at: now, updating: previous) }
    }

    public func loadBoard(
        at now: Date, updating previous: BoardSnapshot?, changesSince version: Int64
    ) async throws -> (board: BoardSnapshot, changes: BoardChanges) {
        try await read { [self] session in
            let board = if let previous {
                try await snapshot(session, at: now, updating: previous)
            } else {
                try await snapshot(session, at: now)
            }
            return (board, try await Self.changes(session, since: version))
        }
    }

    /// `loadBoard(at:updating:)`'s reads, inside a read transaction: only the jobs whose version moved.
    func snapshot(_ session: SQLSession, at now: Date, updating previous: BoardSnapshot) async throws -> BoardSnapshot {
        let meta = try await Meta(session)
        if meta.dataVersion == previous.dataVersion {
            var same = previous
            same.activeMutes.removeAll { $0.until <= now }
            same.evaluatorLastTick = meta.evaluatorLastTick
            same.evaluatorLeader = meta.evaluatorLeader
            return same
        }
        let since = previous.dataVersion
        let changedCount: Int64 = try await session.value("SELECT COUNT(*) FROM job_state WHERE version > ?", [since]) ?? 0
        if changedCount > max(64, previous.entries.count / 4) { return try await snapshot(session, at: now) }

        var changed: [Int64: BoardSnapshot.Entry] = [:]
        for job in try await jobs(session, where: "id IN (SELECT job_id FROM job_state WHERE version > ?)", [since]) {
            changed[job.id ?? 0] = BoardSnapshot.Entry(job: job, activity: JobActivity(jobID: job.id ?? 0))
        }
        for row in try await session.rows("SELECT \(StateColumns.select), version FROM job_state WHERE version > ?", [since]) {
            let activity = try StateColumns.activity(row)
            changed[activity.jobID]?.activity = activity
            changed[activity.jobID]?.version = try row[6]
        }
        let removed = Set(try await session.rows("SELECT job_id FROM job_removals WHERE version > ?", [since]).map {
            try $0[0] as Int64
        })
        let entries = BoardSnapshot.entries(updating: previous.entries, changed: changed, removed: removed)
        let alertsChanged = meta.alertsVersion > since
        return BoardSnapshot(
            entries: entries,
            openAlerts: alertsChanged ? try await Self.openAlerts(session) : previous.openAlerts,
            activeMutes: meta.mutesVersion > since
                ? try await Self.activeMutes(session, at: now) : previous.activeMutes.filter { $0.until > now },
            unknownKeys: try await Self.unknownKeys(session, limit: 50), evaluatorLastTick: meta.evaluatorLastTick,
            dataVersion: meta.dataVersion,
            monitorOutages: alertsChanged ? try await Self.monitorOutages(session) : previous.monitorOutages,
            outboxBacklog: try await Self.outboxBacklog(session), evaluatorLeader: meta.evaluatorLeader)
    }

    /// `loadBoard`'s reads, inside a read transaction.
    func snapshot(_ session: SQLSession, at now: Date) async throws -> BoardSnapshot {
        let jobs = try await jobs(session, where: "TRUE ORDER BY slug")
        var states: [Int64: (JobActivity, Int64)] = [:]
        states.reserveCapacity(jobs.count)
        for row in try await session.rows("SELECT \(StateColumns.select), version FROM job_state") {
            let activity = try StateColumns.activity(row)
            states[activity.jobID] = (activity, try row[6])
        }
        let entries = jobs.map { job in
            let state = states[job.id ?? 0]
            return BoardSnapshot.Entry(job: job, activity: state?.0 ?? JobActivity(jobID: job.id ?? 0), version: state?.1 ?? 0)
        }
        let meta = try await Meta(session)
        return BoardSnapshot(
            entries: entries, openAlerts: try await Self.openAlerts(session),
            activeMutes: try await Self.activeMutes(session, at: now),
            unknownKeys: try await Self.unknownKeys(session, limit: 50), evaluatorLastTick: meta.evaluatorLastTick,
            dataVersion: meta.dataVersion, monitorOutages: try await Self.monitorOutages(session),
            outboxBacklog: try await Self.outboxBacklog(session), evaluatorLeader: meta.evaluatorLeader)
    }

    /// What changed after `version` (every job when it is below zero).
    static func changes(_ session: SQLSession, since version: Int64) async throws -> BoardChanges {
        var versions: [Int64: Int64] = [:]
        for row in try await session.rows("SELECT job_id, version FROM job_state WHERE version > ?", [version]) {
            versions[try row[0]] = try row[1]
        }
        let removed: [Int64] = try await session.rows(
            "SELECT job_id FROM job_removals WHERE version > ? ORDER BY job_id", [version]
        ).map { try $0[0] }
        let meta = try await Meta(session)
        return BoardChanges(
            since: version, jobVersions: versions, removedJobIDs: removed,
            alertsChanged: meta.alertsVersion > version, mutesChanged: meta.mutesVersion > version)
    }

    /// The versions and the evaluator's last tick, from `meta`, and the instance holding the evaluator's lease
    /// (unexpired by the database's clock), in one query.
    struct Meta {
        var dataVersion: Int64 = 0
        var alertsVersion: Int64 = 0
        var mutesVersion: Int64 = 0
        var evaluatorLastTick: Date?
        var evaluatorLeader: String?

        init(_ session: SQLSession) async throws {
            for row in try await session.rows(
                """
                SELECT key, value, NULL FROM meta
                WHERE key IN ('data_version', 'alerts_version', 'mutes_version', 'evaluator_last_tick')
                UNION ALL
                SELECT 'evaluator_leader', 0, instance FROM leases
                WHERE role = 'evaluator' AND expires_at > \(PostgresStore.databaseNow)
                """)
            {
                let value: Double = try row[1]
                switch try row[0] as String {
                case "data_version": dataVersion = Int64(value)
                case "alerts_version": alertsVersion = Int64(value)
                case "mutes_version": mutesVersion = Int64(value)
                case "evaluator_leader": evaluatorLeader = try row[2]
                default: evaluatorLastTick = Date(timeIntervalSince1970: value)
                }
            }
        }
    }

    /// The open alerts, oldest first (rows of `AlertColumns`).
    static let openAlertsRead = SQL("SELECT \(AlertColumns.select) FROM alerts WHERE resolved_at IS NULL ORDER BY opened_at, id")

    static func openAlerts(_ session: SQLSession) async throws -> [Alert] {
        try await session.rows(openAlertsRead).map(AlertColumns.alert)
    }

    /// The mutes still running at `now` (rows of `MuteColumns`).
    static func activeMutesRead(at now: Date) -> SQL {
        SQL("SELECT \(MuteColumns.select) FROM mutes WHERE until > ? ORDER BY until", [Double(now)])
    }

    static func activeMutes(_ session: SQLSession, at now: Date) async throws -> [Mute] {
        try await session.rows(activeMutesRead(at: now)).map(MuteColumns.mute)
    }

    static func monitorOutages(_ session: SQLSession) async throws -> [DateInterval] {
        try await session.rows(
            """
            SELECT opened_at, resolved_at FROM alerts
            WHERE kind = 'monitor_outage' AND resolved_at IS NOT NULL ORDER BY opened_at
            """
        ).compactMap { row in
            let start = Date(timeIntervalSince1970: try row[0])
            let end = Date(timeIntervalSince1970: try row[1])
            return end >= start ? DateInterval(start: start, end: end) : nil
        }
    }

    /// Per channel with notifications waiting: how many, since when, and the last error among them.
    static func outboxBacklog(_ session: SQLSession) async throws -> [OutboxBacklog] {
        try await session.rows(
            """
            SELECT channel, COUNT(*), MIN(created_at),
                (ARRAY_AGG(last_error ORDER BY id DESC) FILTER (WHERE last_error IS NOT NULL))[1]
            FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL GROUP BY channel ORDER BY channel
            """
        ).map { row in
            OutboxBacklog(
                channel: try row[0], pending: Int(try row[1] as Int64), oldestSince: Date(timeIntervalSince1970: try row[2]),
                lastError: try row[3])
        }
    }
}
