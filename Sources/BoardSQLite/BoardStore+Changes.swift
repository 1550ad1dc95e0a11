import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// The board and what changed after `version`, read in one consistent snapshot. With `version` below
    /// zero every job is listed in `jobVersions` (a full read that still wants each job's version).
    public func loadBoard(at now: Date = Date(), changesSince version: Int64) throws -> (board: BoardSnapshot, changes: BoardChanges) {
        try read { db in (try snapshot(db, at: now), try Self.changes(db, since: version)) }
    }

    /// `loadBoard(at:updating:)` and what changed after `version`, read in one consistent snapshot: for a
    /// server that keeps the board between requests and answers `?since=` from it.
    public func loadBoard(
        at now: Date = Date(), updating previous: BoardSnapshot, changesSince version: Int64
    ) throws -> (board: BoardSnapshot, changes: BoardChanges) {
        try read { db in (try snapshot(db, at: now, updating: previous), try Self.changes(db, since: version)) }
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

    /// The alert with this id, open or not.
    public func alert(id: Int64) throws -> Alert? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(AlertCodec.selectColumns) FROM alerts WHERE id = ?", arguments: [id])
                .map(AlertCodec.alert)
        }
    }

    /// A job's runs older than the run `runID` (newest first), for paging by run id; nil when that run is
    /// not one of the job's.
    public func runs(ofJob jobID: Int64, limit: Int, beforeRunID runID: Int64) throws -> [Run]? {
        let anchor = try read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(RunCodec.selectColumns) FROM runs WHERE id = ? AND job_id = ?", arguments: [runID, jobID]
            ).map(RunCodec.run)
        }
        guard let anchor else { return nil }
        return try runs(ofJob: jobID, limit: limit, before: anchor)
    }
}

extension BoardStore {
    /// The data version of the last write that changed this job (0 when unknown).
    public func version(ofJob jobID: Int64) throws -> Int64 {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT version FROM job_state WHERE job_id = ?", arguments: [jobID]) ?? 0
        }
    }
}
