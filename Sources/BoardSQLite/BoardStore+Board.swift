import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Everything the board draws, in one read transaction and eight queries whatever the number of jobs:
    /// jobs, state rows (with the last 30 runs), open alerts, mutes active at `now`, unknown keys, meta,
    /// outages of the monitor, the outbox's backlog.
    /// It reads the current-state rows only, never the heartbeat or run history.
    public func loadBoard(at now: Date = Date()) async throws -> BoardSnapshot {
        try await read { db in try self.snapshot(db, at: now) }
    }

    /// The board now, read from `previous` (a board read earlier from this store) and what changed since:
    /// only the jobs whose version moved after `previous.dataVersion`, removals, and alerts and mutes when
    /// they changed. When nothing changed it is `previous` itself (less the mutes that ended), after one
    /// query; when many jobs changed, a full read. Costs O(changed jobs) reads plus an O(jobs) merge without decoding.
    public func loadBoard(at now: Date = Date(), updating previous: BoardSnapshot) async throws -> BoardSnapshot {
        try await read { db in try self.snapshot(db, at: now, updating: previous) }
    }

    /// `loadBoard(at:updating:)`'s reads, inside a read transaction the caller holds.
    func snapshot(_ db: Database, at now: Date, updating previous: BoardSnapshot) throws -> BoardSnapshot {
        let meta = try Meta(db)
        if meta.dataVersion == previous.dataVersion {
            var same = previous
            same.activeMutes.removeAll { $0.until <= now }
            same.evaluatorLastTick = meta.evaluatorLastTick
            return same
        }
        let since = previous.dataVersion
        let changedCount = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM job_state WHERE version > ?", arguments: [since]) ?? 0
        if changedCount > max(64, previous.entries.count / 4) { return try self.snapshot(db, at: now) }

        var changed: [Int64: BoardSnapshot.Entry] = [:]
        var decoder = JobCodec.Decoder()
        let jobRows = try Row.fetchCursor(
            db, sql: """
                SELECT \(JobCodec.selectColumns) FROM jobs
                WHERE id IN (SELECT job_id FROM job_state WHERE version > ?)
                """, arguments: [since])
        while let row = try jobRows.next() {
            let job = try decoder.job(row, path: self.path)
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

        let entries = BoardSnapshot.entries(updating: previous.entries, changed: changed, removed: removed)
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
            jobs.append(try decoder.job(row, path: self.path))
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

    /// The board (updating `previous` when given, as `loadBoard(at:updating:)` does) and what changed after
    /// `version`, read in one consistent snapshot: for a server that keeps the board between requests and
    /// answers `?since=` from it. With `version` below zero every job is listed in `jobVersions`.
    public func loadBoard(
        at now: Date, updating previous: BoardSnapshot?, changesSince version: Int64
    ) async throws -> (board: BoardSnapshot, changes: BoardChanges) {
        try await read { db in
            let board = try previous.map { try self.snapshot(db, at: now, updating: $0) } ?? self.snapshot(db, at: now)
            return (board, try Self.changes(db, since: version))
        }
    }

    /// What changed after `version` (every job when it is below zero).
    static func changes(_ db: Database, since version: Int64) throws -> BoardChanges {
        var versions: [Int64: Int64] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT job_id, version FROM job_state WHERE version > ?", arguments: [version])
        while let row = try cursor.next() {
            versions[row[0]] = row[1]
        }
        let removed = try Int64.fetchAll(
            db, sql: "SELECT job_id FROM job_removals WHERE version > ? ORDER BY job_id", arguments: [version])
        var alertsVersion: Int64 = 0
        var mutesVersion: Int64 = 0
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE key IN ('alerts_version', 'mutes_version')") {
            let key: String = row[0]
            if key == "alerts_version" { alertsVersion = row[1] } else { mutesVersion = row[1] }
        }
        return BoardChanges(
            since: version, jobVersions: versions, removedJobIDs: removed,
            alertsChanged: alertsVersion > version, mutesChanged: mutesVersion > version)
    }
}
