import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Deletes old history in short transactions of `policy.batchSize` rows, then checkpoints the WAL.
    ///
    /// Never deleted: a job's last `keptGoodRuns` good runs and their heartbeats; open runs; and what an
    /// open alert needs: for each job with an open alert, everything from the run that was latest when the
    /// alert opened onwards. Bodies are cut to `bodyLimit` bytes (the cut counted in `truncated_bytes`),
    /// except where an open alert needs them.
    @discardableResult
    public func prune(now: Date, policy: RetentionPolicy = .default) async throws -> PruneReport {
        let runCutoff = now.addingTimeInterval(-policy.runs).timeIntervalSince1970
        let heartbeatCutoff = now.addingTimeInterval(-policy.heartbeats).timeIntervalSince1970
        let bodyCutoff = now.addingTimeInterval(-policy.bodies).timeIntervalSince1970

        // The protected sets, computed once into temporary tables of the writer connection.
        try await guarded {
            try await writer.writeWithoutTransaction { db in
                try db.execute(sql: """
                    CREATE TEMP TABLE IF NOT EXISTS prune_kept_runs(id INTEGER PRIMARY KEY);
                    CREATE TEMP TABLE IF NOT EXISTS prune_alert_guard(job_id INTEGER PRIMARY KEY, keep_from REAL NOT NULL);
                    DELETE FROM prune_kept_runs;
                    DELETE FROM prune_alert_guard;
                    """)
                try db.execute(
                    sql: """
                        INSERT INTO prune_kept_runs(id)
                        SELECT id FROM (
                            SELECT r.id, ROW_NUMBER() OVER (PARTITION BY r.job_id ORDER BY r.run_at DESC, r.id DESC) AS n
                            FROM runs r JOIN jobs j ON j.id = r.job_id
                            WHERE r.outcome = 'completed' AND IFNULL(r.verification, '') != 'failed'
                              AND (j.min_size IS NULL OR r.size_bytes >= j.min_size)
                        ) WHERE n <= ?
                        """,
                    arguments: [policy.keptGoodRuns])
                try db.execute(sql: """
                    INSERT INTO prune_alert_guard(job_id, keep_from)
                    SELECT g.job_id, IFNULL(
                        (SELECT MAX(r.run_at) FROM runs r WHERE r.job_id = g.job_id AND r.run_at <= g.opened_at),
                        g.opened_at)
                    FROM (SELECT job_id, MIN(opened_at) AS opened_at FROM alerts
                          WHERE resolved_at IS NULL AND job_id IS NOT NULL GROUP BY job_id) g
                    """)
            }
        }
        let pruned: Result<PruneReport, any Error>
        do {
            pruned = .success(try await deleteUnprotected(now: now, policy: policy, runCutoff: runCutoff,
                heartbeatCutoff: heartbeatCutoff, bodyCutoff: bodyCutoff))
        } catch {
            pruned = .failure(error)
        }
        _ = try? await writer.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TABLE IF EXISTS prune_kept_runs; DROP TABLE IF EXISTS prune_alert_guard")
        }
        var report = try pruned.get()
        report.reclaim = try await checkpoint() ? .walTruncated : .walCheckpointed
        return report
    }

    /// The deleting part of `prune`, once the protected sets are in the writer's temporary tables.
    private func deleteUnprotected(
        now: Date, policy: RetentionPolicy, runCutoff: Double, heartbeatCutoff: Double, bodyCutoff: Double
    ) async throws -> PruneReport {
        var report = PruneReport()
        let runIDs = try await candidates(
            sql: """
                SELECT r.id FROM runs r WHERE r.run_at < ? AND r.outcome != 'running'
                  AND r.id NOT IN (SELECT id FROM prune_kept_runs)
                  AND NOT EXISTS (SELECT 1 FROM prune_alert_guard g WHERE g.job_id = r.job_id AND r.run_at >= g.keep_from)
                """,
            cutoff: runCutoff)
        (report.runsDeleted, report.batches) = try await inBatches(runIDs, policy, report.batches) { db, list in
            try db.execute(sql: "DELETE FROM runs WHERE id IN (\(list))")
        }

        let heartbeatIDs = try await candidates(
            sql: """
                SELECT h.id FROM heartbeats h WHERE h.received_at < ?
                  AND (h.run_id IS NULL OR h.run_id NOT IN (SELECT id FROM prune_kept_runs))
                  AND NOT EXISTS (SELECT 1 FROM prune_alert_guard g WHERE g.job_id = h.job_id AND h.event_at >= g.keep_from)
                """,
            cutoff: heartbeatCutoff)
        (report.heartbeatsDeleted, report.batches) = try await inBatches(heartbeatIDs, policy, report.batches) { db, list in
            try db.execute(sql: "DELETE FROM heartbeats WHERE id IN (\(list))")
        }

        // The partial index holds bodies over 4 KB, the default limit; a smaller limit scans instead.
        let useIndex = policy.bodyLimit >= 4096
        let largeBodies = useIndex ? "INDEXED BY heartbeats_large_bodies" : ""
        let sizeTest = useIndex ? "length(h.body) > 4096 AND length(h.body) > \(policy.bodyLimit)" : "length(h.body) > \(policy.bodyLimit)"
        let bodyIDs = try await candidates(
            sql: """
                SELECT h.id FROM heartbeats h \(largeBodies)
                WHERE h.received_at < ? AND \(sizeTest)
                  AND NOT EXISTS (SELECT 1 FROM prune_alert_guard g WHERE g.job_id = h.job_id AND h.event_at >= g.keep_from)
                """,
            cutoff: bodyCutoff)
        (report.bodiesTrimmed, report.batches) = try await inBatches(bodyIDs, policy, report.batches) { db, list in
            try db.execute(
                sql: """
                    UPDATE heartbeats SET truncated_bytes = truncated_bytes + length(body) - ?1, body = substr(body, 1, ?1)
                    WHERE id IN (\(list))
                    """,
                arguments: [policy.bodyLimit])
        }

        // State transitions are history like runs, and kept as long.
        let transitionIDs = try await candidates(sql: "SELECT id FROM state_transitions WHERE at < ?", cutoff: runCutoff)
        (report.transitionsDeleted, report.batches) = try await inBatches(transitionIDs, policy, report.batches) { db, list in
            try db.execute(sql: "DELETE FROM state_transitions WHERE id IN (\(list))")
        }

        (report.unknownKeysDeleted, report.outboxDeleted) = try await write { db in
            try db.execute(
                sql: "DELETE FROM unknown_keys WHERE last_seen_at < ?",
                arguments: [now.addingTimeInterval(-policy.unknownKeys).timeIntervalSince1970])
            let unknownKeys = db.changesCount
            try db.execute(
                sql: "DELETE FROM outbox WHERE IFNULL(delivered_at, failed_at) < ?",
                arguments: [now.addingTimeInterval(-policy.outbox).timeIntervalSince1970])
            return (unknownKeys, db.changesCount)
        }
        report.batches += 1

        return report
    }

    /// Checkpoints the WAL: TRUNCATE when no reader holds it, else PASSIVE. Returns whether it truncated.
    @discardableResult
    public func checkpoint() async throws -> Bool {
        try await guarded {
            try await writer.writeWithoutTransaction { db in
                do {
                    try db.checkpoint(.truncate)
                    return true
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                    try db.checkpoint(.passive)
                    return false
                }
            }
        }
    }

    /// Ids of the rows a prune step removes, read once (the protected sets are in temporary tables of the
    /// writer connection, so this reads through the writer too).
    private func candidates(sql: String, cutoff: Double) async throws -> [Int64] {
        try await guarded {
            try await writer.writeWithoutTransaction { db in
                try Int64.fetchAll(db, sql: sql, arguments: [cutoff])
            }
        }
    }

    /// Runs `body` on the ids in chunks, each chunk its own short transaction. Returns rows changed and
    /// the running count of batches.
    private func inBatches(
        _ ids: [Int64], _ policy: RetentionPolicy, _ batches: Int, _ body: @escaping @Sendable (Database, String) throws -> Void
    ) async throws -> (Int, Int) {
        var changed = 0
        var batches = batches
        var start = 0
        let size = max(1, policy.batchSize)
        while start < ids.count {
            let chunk = ids[start..<min(start + size, ids.count)]
            let list = chunk.map(String.init).joined(separator: ",")
            changed += try await write { db in
                try body(db, list)
                return db.changesCount
            }
            batches += 1
            start += size
        }
        return (changed, batches)
    }
}
