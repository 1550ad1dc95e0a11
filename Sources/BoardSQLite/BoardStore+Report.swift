import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// The compliance report over `period` (its end is the report's `now`), in one read transaction.
    ///
    /// Runs are streamed job by job through a cursor: per job, its latest good run before the period (the
    /// start of its backup age) and the runs that started in the period, judged and dropped before the next
    /// job, so memory grows with the runs of one job, not with history. Heartbeats are never read. Alerts
    /// opened in the period and the monitor's outages are read whole (a few per job at most).
    public func complianceReport(over period: DateInterval) async throws -> ComplianceReport {
        try await read { db in
            var decoder = JobCodec.Decoder()
            var jobs: [Job] = []
            let jobRows = try Row.fetchCursor(db, sql: "SELECT \(JobCodec.selectColumns) FROM jobs ORDER BY slug")
            while let row = try jobRows.next() { jobs.append(try decoder.job(row, path: self.path)) }

            var alerts: [Alert] = []
            var alertsByJob: [Int64: [Alert]] = [:]
            let alertRows = try Row.fetchCursor(
                db,
                sql: "SELECT \(AlertCodec.selectColumns) FROM alerts WHERE opened_at >= ? AND opened_at <= ? ORDER BY opened_at, id",
                arguments: [period.start.timeIntervalSince1970, period.end.timeIntervalSince1970])
            while let row = try alertRows.next() {
                let alert = AlertCodec.alert(row)
                alerts.append(alert)
                if let jobID = alert.jobID { alertsByJob[jobID, default: []].append(alert) }
            }
            let outages = try Self.monitorOutages(db).filter { $0.intersects(period) }

            let lastGoodBefore = try db.cachedStatement(
                sql: """
                    SELECT \(RunCodec.selectColumns) FROM runs
                    WHERE job_id = ? AND run_at < ? AND outcome = 'completed' AND IFNULL(verification, '') != 'failed'
                      AND (? IS NULL OR size_bytes >= ?)
                    ORDER BY run_at DESC, id DESC LIMIT 1
                    """)
            let inPeriod = try db.cachedStatement(
                sql: "SELECT \(RunCodec.selectColumns) FROM runs WHERE job_id = ? AND run_at >= ? AND run_at <= ? ORDER BY run_at, id")
            let start = period.start.timeIntervalSince1970
            let end = period.end.timeIntervalSince1970
            var judged: [JobCompliance] = []
            judged.reserveCapacity(jobs.count)
            var runs: [Run] = []
            // Restore tests' runs are kept to judge the jobs they prove (a few jobs, drilled monthly or so).
            var testRuns: [String: [Run]] = [:]
            for job in jobs {
                let id = job.id ?? 0
                runs.removeAll(keepingCapacity: true)
                if let before = try Row.fetchOne(lastGoodBefore, arguments: [id, start, job.minSize, job.minSize]) {
                    runs.append(RunCodec.run(before))
                }
                let cursor = try Row.fetchCursor(inPeriod, arguments: [id, start, end])
                while let row = try cursor.next() { runs.append(RunCodec.run(row)) }
                judged.append(
                    JobCompliance(job: job, runs: runs, alerts: alertsByJob[id] ?? [], outages: outages, period: period))
                if job.kind == .restoreTest { testRuns[job.slug] = runs }
            }
            var report = ComplianceReport(period: period, jobs: judged, alerts: alerts, outages: outages)
            report.judgeRestores(testRuns: testRuns)
            return report
        }
    }
}
