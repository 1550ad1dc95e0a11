import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: UpkeepStore {
    /// Deletes old history in short transactions of `policy.batchSize` rows, protecting what the SQLite
    /// store protects: a job's last good runs and their heartbeats, open runs, and what an open alert needs.
    /// The rows to delete are chosen in one snapshot first.
    @discardableResult
    public func prune(now: Date, policy: RetentionPolicy) async throws -> PruneReport {
        let runCutoff = Double(now.addingTimeInterval(-policy.runs))
        let heartbeatCutoff = Double(now.addingTimeInterval(-policy.heartbeats))
        let bodyCutoff = Double(now.addingTimeInterval(-policy.bodies))
        let protected = """
            WITH kept_runs AS (
                SELECT id FROM (
                    SELECT r.id, ROW_NUMBER() OVER (PARTITION BY r.job_id ORDER BY r.run_at DESC, r.id DESC) AS n
                    FROM runs r JOIN jobs j ON j.id = r.job_id
                    WHERE r.outcome = 'completed' AND COALESCE(r.verification, '') <> 'failed'
                      AND (j.min_size IS NULL OR r.size_bytes >= j.min_size)
                ) ranked WHERE n <= \(policy.keptGoodRuns)
            ), alert_guard AS (
                SELECT g.job_id, COALESCE(
                    (SELECT MAX(r.run_at) FROM runs r WHERE r.job_id = g.job_id AND r.run_at <= g.opened_at),
                    g.opened_at) AS keep_from
                FROM (SELECT job_id, MIN(opened_at) AS opened_at FROM alerts
                      WHERE resolved_at IS NULL AND job_id IS NOT NULL GROUP BY job_id) g
            )
            """
        let (runIDs, heartbeatIDs, bodyIDs, transitionIDs) = try await read { session in
            func ids(_ sql: String, _ cutoff: Double) async throws -> [Int64] {
                try await session.rows(sql, [cutoff]).map { try $0[0] }
            }
            return (
                try await ids(
                    """
                    \(protected) SELECT r.id FROM runs r WHERE r.run_at < ? AND r.outcome <> 'running'
                      AND r.id NOT IN (SELECT id FROM kept_runs)
                      AND NOT EXISTS (SELECT 1 FROM alert_guard g WHERE g.job_id = r.job_id AND r.run_at >= g.keep_from)
                    """, runCutoff),
                try await ids(
                    """
                    \(protected) SELECT h.id FROM heartbeats h WHERE h.received_at < ?
                      AND (h.run_id IS NULL OR h.run_id NOT IN (SELECT id FROM kept_runs))
                      AND NOT EXISTS (SELECT 1 FROM alert_guard g WHERE g.job_id = h.job_id AND h.event_at >= g.keep_from)
                    """, heartbeatCutoff),
                try await ids(
                    """
                    \(protected) SELECT h.id FROM heartbeats h WHERE h.received_at < ? AND octet_length(h.body) > \(policy.bodyLimit)
                      AND NOT EXISTS (SELECT 1 FROM alert_guard g WHERE g.job_id = h.job_id AND h.event_at >= g.keep_from)
                    """, bodyCutoff),
                try await ids("SELECT id FROM state_transitions WHERE at < ?", runCutoff)
            )
        }
        var report = PruneReport()
        (report.runsDeleted, report.batches) = try await inBatches(runIDs, policy, report.batches) { session, ids in
            try await session.execute("DELETE FROM runs WHERE id = ANY(?)", [ids])
        }
        let deletedHeartbeats = Set(heartbeatIDs)
        (report.heartbeatsDeleted, report.batches) = try await inBatches(heartbeatIDs, policy, report.batches) { session, ids in
            try await session.execute("DELETE FROM heartbeats WHERE id = ANY(?)", [ids])
        }
        let limit = Int64(policy.bodyLimit)
        (report.bodiesTrimmed, report.batches) = try await inBatches(
            bodyIDs.filter { !deletedHeartbeats.contains($0) }, policy, report.batches
        ) { session, ids in
            try await session.execute(
                """
                UPDATE heartbeats SET truncated_bytes = truncated_bytes + octet_length(body) - ?::bigint,
                    body = substring(body FROM 1 FOR ?::integer)
                WHERE id = ANY(?)
                """,
                [limit, Int32(clamping: limit), ids])
        }
        (report.transitionsDeleted, report.batches) = try await inBatches(transitionIDs, policy, report.batches) { session, ids in
            try await session.execute("DELETE FROM state_transitions WHERE id = ANY(?)", [ids])
        }
        (report.unknownKeysDeleted, report.outboxDeleted) = try await write { session, _ in
            let unknownKeys = try await session.execute(
                "DELETE FROM unknown_keys WHERE last_seen_at < ?", [Double(now.addingTimeInterval(-policy.unknownKeys))])
            let outbox = try await session.execute(
                "DELETE FROM outbox WHERE COALESCE(delivered_at, failed_at) < ?", [Double(now.addingTimeInterval(-policy.outbox))])
            return (unknownKeys, outbox)
        }
        report.batches += 1
        report.reclaim = .autovacuum
        return report
    }

    /// PostgreSQL checkpoints its own write-ahead log: nothing for the store to fold.
    public func checkpoint() async throws -> Bool {
        false
    }

    /// Runs `body` on the ids in chunks, each its own short write transaction; answers rows changed and the
    /// running count of batches.
    private func inBatches(
        _ ids: [Int64], _ policy: RetentionPolicy, _ batches: Int, _ body: @escaping @Sendable (SQLSession, [Int64]) async throws -> Int
    ) async throws -> (Int, Int) {
        var changed = 0
        var batches = batches
        for chunk in ids.chunked(by: max(1, policy.batchSize)) {
            changed += try await write { session, _ in try await body(session, Array(chunk)) }
            batches += 1
        }
        return (changed, batches)
    }

    /// Each job's compliance over `period`, in one snapshot, job by job as the SQLite store reads it.
    public func complianceReport(over period: DateInterval) async throws -> ComplianceReport {
        try await read { [self] session in
            let jobs = try await jobs(session, where: "TRUE ORDER BY slug")
            let alerts = try await session.rows(
                "SELECT \(AlertColumns.select) FROM alerts WHERE opened_at >= ? AND opened_at <= ? ORDER BY opened_at, id",
                [Double(period.start), Double(period.end)]
            ).map(AlertColumns.alert)
            var alertsByJob: [Int64: [Alert]] = [:]
            for alert in alerts {
                if let jobID = alert.jobID { alertsByJob[jobID, default: []].append(alert) }
            }
            let outages = try await Self.monitorOutages(session).filter { $0.intersects(period) }
            var judged: [JobCompliance] = []
            judged.reserveCapacity(jobs.count)
            var testRuns: [String: [Run]] = [:]
            for job in jobs {
                let id = job.id ?? 0
                var runs = try await session.rows(
                    """
                    SELECT \(RunColumns.select) FROM runs
                    WHERE job_id = ? AND run_at < ? AND outcome = 'completed' AND COALESCE(verification, '') <> 'failed'
                      AND (?::bigint IS NULL OR size_bytes >= ?::bigint)
                    ORDER BY run_at DESC, id DESC LIMIT 1
                    """,
                    [id, Double(period.start), job.minSize, job.minSize]
                ).map(RunColumns.run)
                runs += try await session.rows(
                    "SELECT \(RunColumns.select) FROM runs WHERE job_id = ? AND run_at >= ? AND run_at <= ? ORDER BY run_at, id",
                    [id, Double(period.start), Double(period.end)]
                ).map(RunColumns.run)
                judged.append(JobCompliance(job: job, runs: runs, alerts: alertsByJob[id] ?? [], outages: outages, period: period))
                if job.kind == .restoreTest { testRuns[job.slug] = runs }
            }
            var report = ComplianceReport(period: period, jobs: judged, alerts: alerts, outages: outages)
            report.judgeRestores(testRuns: testRuns)
            return report
        }
    }
}
