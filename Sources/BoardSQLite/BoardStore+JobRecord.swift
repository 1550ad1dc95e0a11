import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// One job and its history in one read transaction: the detail view and `GET /api/v1/jobs/SLUG` see
    /// the runs, heartbeats, alerts and version of the same moment.
    public func jobRecord(_ request: JobRecordRequest, at now: Date) async throws -> JobRecord? {
        try await read { db in
            let found: Job? = switch request.job {
            case .slug(let slug): try self.job(db, where: "slug = ?", slug)
            case .id(let id): try self.job(db, where: "id = ?", id)
            }
            guard let job = found, let id = job.id else { return nil }
            let runs = try request.beforeRunID.map { try Self.runs(db, ofJob: id, limit: request.runs, beforeRunID: $0) }
                ?? Self.runs(db, ofJob: id, limit: request.runs, before: nil)
            return JobRecord(
                job: job, activity: try StateCodec.load(jobID: id, db), dataVersion: try Self.dataVersion(db),
                version: try Self.version(db, ofJob: id), runs: runs,
                heartbeats: try Self.heartbeats(db, ofJob: id, limit: request.heartbeats),
                transitions: try Self.transitions(db, ofJob: id, limit: request.transitions),
                openAlerts: try Self.openAlerts(db).filter { $0.jobID == id },
                activeMutes: try Self.activeMutes(db, at: now), monitorOutages: try Self.monitorOutages(db))
        }
    }
}
