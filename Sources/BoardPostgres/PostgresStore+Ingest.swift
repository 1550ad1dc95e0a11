import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: IngestStore {
    /// Stores a batch in ONE transaction: the group commit of `serve` (docs/postgresql.md).
    ///
    /// A fixed number of round trips whatever the batch's size: the batch's jobs, state rows, open runs and
    /// already-stored delivery ids are read with `= ANY(…)`; `RunTracker` pairs each heartbeat into runs in
    /// memory; then one multi-row upsert of the runs, one multi-row insert of the heartbeats
    /// (`ON CONFLICT (job_id, delivery_id) DO NOTHING`) and one multi-row upsert of the state rows. The
    /// version lock taken first serialises this with every other writer, on this instance or another, so a
    /// retry that reaches two instances is stored once and a run started through one and completed through
    /// another is one run.
    @discardableResult
    public func insert(_ heartbeats: [Heartbeat]) async throws -> [InsertOutcome] {
        guard !heartbeats.isEmpty else { return [] }
        return try await write { session, _ in
            var batch = try await PostgresHeartbeatBatch(heartbeats, session)
            return try await batch.store(heartbeats, session)
        }
    }
}

/// One batch's reads, the trackers it folds the heartbeats into, and its writes.
private struct PostgresHeartbeatBatch {
    var trackers: [Int64: RunTracker] = [:]
    /// Delivery ids already stored, by job.
    var delivered: Set<DeliveryKey> = []
    var nextRunID: Int64

    struct DeliveryKey: Hashable {
        var jobID: Int64
        var deliveryID: String
    }

    /// The most values one statement binds (PostgreSQL allows 65,535).
    static let bindLimit = 60_000

    init(_ heartbeats: [Heartbeat], _ session: SQLSession) async throws {
        let jobIDs = Array(Set(heartbeats.map(\.jobID))).sorted()
        var minSizes: [Int64: Int64?] = [:]
        for row in try await session.rows("SELECT id, min_size FROM jobs WHERE id = ANY(?)", [jobIDs]) {
            minSizes[try row[0]] = try row[1] as Int64?
        }
        let known = Array(minSizes.keys).sorted()
        var activities: [Int64: JobActivity] = [:]
        for row in try await session.rows("SELECT \(StateColumns.select) FROM job_state WHERE job_id = ANY(?)", [known]) {
            let activity = try StateColumns.activity(row)
            activities[activity.jobID] = activity
        }
        var openRuns: [Int64: [Run]] = [:]
        for row in try await session.rows(
            "SELECT \(RunColumns.select) FROM runs WHERE job_id = ANY(?) AND outcome = 'running' ORDER BY id", [known])
        {
            let run = try RunColumns.run(row)
            openRuns[run.jobID, default: []].append(run)
        }
        // Only a verification can need a completed run older than the recent window.
        let verifying = Array(Set(heartbeats.filter {
            $0.report.status == .verified || $0.report.status == .verificationFailed
        }.map(\.jobID)).intersection(known)).sorted()
        var latestCompleted: [Int64: Run] = [:]
        if !verifying.isEmpty {
            for row in try await session.rows(
                """
                SELECT DISTINCT ON (job_id) \(RunColumns.select) FROM runs
                WHERE job_id = ANY(?) AND outcome = 'completed' ORDER BY job_id, run_at DESC, id DESC
                """, [verifying])
            {
                let run = try RunColumns.run(row)
                latestCompleted[run.jobID] = run
            }
        }
        for (jobID, minSize) in minSizes {
            trackers[jobID] = RunTracker(
                activity: activities[jobID] ?? JobActivity(jobID: jobID), openRuns: openRuns[jobID] ?? [],
                latestCompletedRun: latestCompleted[jobID], minSize: minSize)
        }
        let withIDs = heartbeats.filter { $0.deliveryID != nil && minSizes[$0.jobID] != nil }
        if !withIDs.isEmpty {
            for row in try await session.rows(
                """
                SELECT job_id, delivery_id FROM heartbeats
                WHERE (job_id, delivery_id) IN (SELECT * FROM unnest(?::bigint[], ?::text[]))
                """,
                [withIDs.map(\.jobID), withIDs.map { $0.deliveryID ?? "" }])
            {
                delivered.insert(DeliveryKey(jobID: try row[0], deliveryID: try row[1]))
            }
        }
        nextRunID = (try await session.value("SELECT COALESCE(MAX(id), 0) FROM runs") ?? 0) + 1
    }

    mutating func store(_ heartbeats: [Heartbeat], _ session: SQLSession) async throws -> [InsertOutcome] {
        var outcomes: [InsertOutcome] = []
        var rows: [(index: Int, heartbeat: Heartbeat)] = []
        var runs: [Int64: Run] = [:]
        var runOrder: [Int64] = []
        for (index, heartbeat) in heartbeats.enumerated() {
            guard var tracker = trackers[heartbeat.jobID] else {
                outcomes.append(.unknownJob)
                continue
            }
            if let deliveryID = heartbeat.deliveryID {
                let key = DeliveryKey(jobID: heartbeat.jobID, deliveryID: deliveryID)
                guard delivered.insert(key).inserted else {
                    outcomes.append(.duplicate)
                    continue
                }
            }
            var next = nextRunID
            let step = tracker.apply(heartbeat) {
                defer { next += 1 }
                return next
            }
            nextRunID = next
            trackers[heartbeat.jobID] = tracker
            for run in step.created + step.updated {
                guard let id = run.id else { continue }
                if runs.updateValue(run, forKey: id) == nil { runOrder.append(id) }
            }
            var stored = heartbeat
            stored.runRowID = step.runID
            rows.append((index, stored))
            outcomes.append(.duplicate) // replaced by the stored id below
        }
        try await upsertRuns(runOrder.compactMap { runs[$0] }, session)
        try await insertHeartbeats(rows, into: &outcomes, session)
        try await saveStates(session)
        return outcomes
    }

    private func upsertRuns(_ runs: [Run], _ session: SQLSession) async throws {
        let columns = RunColumns.writable.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let assignments = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        for chunk in runs.chunked(by: Self.bindLimit / RunColumns.width) {
            try await session.execute(
                "INSERT INTO runs(\(RunColumns.writable)) VALUES \(Self.tuples(chunk.count, width: RunColumns.width)) "
                    + "ON CONFLICT (id) DO UPDATE SET \(assignments)",
                chunk.flatMap(RunColumns.values))
        }
    }

    private func insertHeartbeats(
        _ rows: [(index: Int, heartbeat: Heartbeat)], into outcomes: inout [InsertOutcome], _ session: SQLSession
    ) async throws {
        guard !rows.isEmpty else { return }
        let ids: [Int64] = try await session.rows(
            "SELECT nextval(pg_get_serial_sequence('heartbeats', 'id')) FROM generate_series(1, ?)", [Int64(rows.count)]
        ).map { try $0[0] }
        let width = HeartbeatColumns.width + 1
        var stored: Set<Int64> = []
        for chunk in Array(zip(ids, rows)).chunked(by: Self.bindLimit / width) {
            let returned: [Int64] = try await session.rows(
                "INSERT INTO heartbeats(id, \(HeartbeatColumns.writable)) VALUES \(Self.tuples(chunk.count, width: width)) "
                    + "ON CONFLICT (job_id, delivery_id) DO NOTHING RETURNING id",
                chunk.flatMap { [$0.0] + HeartbeatColumns.values($0.1.heartbeat) }
            ).map { try $0[0] }
            stored.formUnion(returned)
        }
        for (id, row) in zip(ids, rows) where stored.contains(id) {
            outcomes[row.index] = .stored(id)
        }
    }

    /// Writes the state row of every job the batch touched, in one statement.
    private mutating func saveStates(_ session: SQLSession) async throws {
        var activities: [JobActivity] = []
        for (jobID, var tracker) in trackers.sorted(by: { $0.key < $1.key }) {
            if tracker.needsLastGoodLookup {
                tracker.resolveLastGood(try await PostgresStore.lastGoodEnd(jobID: jobID, minSize: tracker.minSize, session))
            }
            activities.append(tracker.activity)
        }
        for chunk in activities.chunked(by: Self.bindLimit / 6) {
            try await session.execute(
                """
                INSERT INTO job_state(\(StateColumns.select)) VALUES \(Self.tuples(chunk.count, width: 6))
                ON CONFLICT (job_id) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at,
                    last_start_at = excluded.last_start_at, last_good_at = excluded.last_good_at,
                    recent_runs = excluded.recent_runs, last_problems = excluded.last_problems
                """,
                chunk.flatMap(StateColumns.values))
        }
    }

    /// `(?, ?), (?, ?)` for `count` rows of `width` values.
    static func tuples(_ count: Int, width: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        return Array(repeating: tuple, count: count).joined(separator: ", ")
    }
}

extension PostgresStore {
    /// End of the latest good run in history (the last good runs are never pruned, so it is there).
    static func lastGoodEnd(jobID: Int64, minSize: Int64?, _ session: SQLSession) async throws -> Date? {
        let end: Double? = try await session.value(
            """
            SELECT MAX(COALESCE(ended_at, last_heartbeat_at)) FROM runs
            WHERE job_id = ? AND outcome = 'completed' AND COALESCE(verification, '') <> 'failed'
              AND (?::bigint IS NULL OR size_bytes >= ?::bigint)
            """,
            [jobID, minSize, minSize])
        return end.map(Date.init(timeIntervalSince1970:))
    }
}

extension Array {
    /// The elements in slices of at most `size`.
    func chunked(by size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(size, 1)).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
