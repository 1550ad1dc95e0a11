import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Runs of a job, newest first, `limit` at a time; pass the last run of a page as `before` for the
    /// next one.
    public func runs(ofJob jobID: Int64, limit: Int = 50, before: Run? = nil) async throws -> [Run] {
        try await read { db in try Self.runs(db, ofJob: jobID, limit: limit, before: before) }
    }

    /// A job's runs older than the run `runID` (newest first), for paging by run id; nil when that run is
    /// not one of the job's. One read: the anchor and the page come from the same snapshot.
    public func runs(ofJob jobID: Int64, limit: Int, beforeRunID runID: Int64) async throws -> [Run]? {
        try await read { db in try Self.runs(db, ofJob: jobID, limit: limit, beforeRunID: runID) }
    }

    static func runs(_ db: Database, ofJob jobID: Int64, limit: Int, beforeRunID runID: Int64) throws -> [Run]? {
        guard let anchor = try Row.fetchOne(
            db, sql: "SELECT \(RunCodec.selectColumns) FROM runs WHERE id = ? AND job_id = ?", arguments: [runID, jobID]
        ).map(RunCodec.run) else { return nil }
        return try runs(db, ofJob: jobID, limit: limit, before: anchor)
    }

    static func runs(_ db: Database, ofJob jobID: Int64, limit: Int, before: Run?) throws -> [Run] {
        if let before, let id = before.id {
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(RunCodec.selectColumns) FROM runs WHERE job_id = ? AND (run_at, id) < (?, ?)
                    ORDER BY run_at DESC, id DESC LIMIT ?
                    """,
                arguments: [jobID, before.time.timeIntervalSince1970, id, limit]
            ).map(RunCodec.run)
        }
        return try Row.fetchAll(
            db, sql: "SELECT \(RunCodec.selectColumns) FROM runs WHERE job_id = ? ORDER BY run_at DESC, id DESC LIMIT ?",
            arguments: [jobID, limit]
        ).map(RunCodec.run)
    }

    /// The job's current-state row.
    public func activity(ofJob jobID: Int64) async throws -> JobActivity {
        try await read { db in try StateCodec.load(jobID: jobID, db) }
    }

    /// The data version of the last write that changed this job (0 when unknown).
    public func version(ofJob jobID: Int64) async throws -> Int64 {
        try await read { db in try Self.version(db, ofJob: jobID) }
    }

    static func version(_ db: Database, ofJob jobID: Int64) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT version FROM job_state WHERE job_id = ?", arguments: [jobID]) ?? 0
    }
}
