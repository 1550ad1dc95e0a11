import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: IngestStore {
    /// Stores a batch in ONE transaction: the group commit of `serve` (docs/postgresql.md).
    ///
    /// A fixed number of round trips whatever the batch's size: the batch's jobs, state rows, open runs and
    /// already-stored delivery ids are read with `= ANY(…)`; `RunTracker` pairs each heartbeat into runs in
    /// memory; then one statement writes it all: a multi-row upsert of the runs, a multi-row insert of the
    /// heartbeats (`ON CONFLICT (job_id, delivery_id) DO NOTHING`) and a multi-row upsert of the state rows. The
    /// version lock taken first serialises this with every other writer, on this instance or another, so a
    /// retry that reaches two instances is stored once and a run started through one and completed through
    /// another is one run.
    @discardableResult
    public func insert(_ heartbeats: [Heartbeat]) async throws -> [InsertOutcome] {
        try await insert(heartbeats, joining: { _ in [] })
    }

    /// When the version lock was waited for (another instance was writing), the heartbeats that queued up
    /// meanwhile are read in one more round trip and stored in this transaction: with two instances each batch
    /// waits about as long as the other's holds the lock, and would otherwise be half the size of one
    /// instance's. A verification waits for the next batch, which reads the run it verifies.
    public func insert(
        _ heartbeats: [Heartbeat], joining more: @escaping @Sendable (_ accept: (Heartbeat) -> Bool) -> [Heartbeat]
    ) async throws -> [InsertOutcome] {
        guard !heartbeats.isEmpty else { return [] }
        do {
            if let outcomes = try await insertFromMemory(heartbeats) { return outcomes }
            return try await insertReading(heartbeats, joining: more)
        } catch {
            ingestMemory.withLock { $0 = nil }
            throw error
        }
    }

    /// The batch's jobs read under the lock, then written: two waits (the reads; the write with the COMMIT).
    private func insertReading(
        _ heartbeats: [Heartbeat], joining more: @escaping @Sendable (_ accept: (Heartbeat) -> Bool) -> [Heartbeat]
    ) async throws -> [InsertOutcome] {
        let reads = PostgresHeartbeatBatch.reads(heartbeats)
        return try await write(reading: [Self.lockWait] + reads.statements) { [self] session, version, answers in
            var batch = try PostgresHeartbeatBatch(reads, Array(answers.dropFirst()))
            var all = heartbeats
            let waited: Double = try answers.first?.first?[0] ?? 0
            if waited >= Self.joinAfterWait {
                let joined = more { !PostgresHeartbeatBatch.isVerification($0) }
                if !joined.isEmpty {
                    let extra = PostgresHeartbeatBatch.reads(joined)
                    try batch.join(PostgresHeartbeatBatch(extra, try await session.pipeline(extra.statements)))
                    all += joined
                }
            }
            let outcomes = try await batch.store(all, session)
            remember(batch, version: version)
            return outcomes
        }
    }

    /// The batch written from the last batch's jobs as it left them, when every job of it is among them and no
    /// other writer committed between the last two batches: one wait (`BEGIN`, the lock, the write and the
    /// `COMMIT` queued together), and no round trip to `serve` under the lock. The write is guarded: it writes
    /// nothing unless the version taken with the lock is the last batch's plus one (no other commit since) and
    /// no `Heartbeat-Id` of the batch is stored (a retry); else the empty transaction commits and the batch is
    /// read as usual. Nil when the memory does not serve.
    private func insertFromMemory(_ heartbeats: [Heartbeat]) async throws -> [InsertOutcome]? {
        guard let memory = ingestMemory.withLock({ $0 }), memory.nothingBetween,
              heartbeats.allSatisfy({ memory.batch.trackers[$0.jobID] != nil && !PostgresHeartbeatBatch.isVerification($0) })
        else { return nil }
        var planned = memory.batch
        let plan = planned.plan(heartbeats)
        guard !planned.trackers.values.contains(where: \.needsLastGoodLookup) else { return nil }
        let batch = planned
        do {
            return try await write(reading: [plan.statement(batch, version: memory.version + 1)], committing: true) {
                [self] _, version, answers in
                // The guard writes all of the batch or nothing.
                guard version == memory.version + 1, Set(try answers[0].map { try $0[0] as Int64 }) == Set(plan.ids) else {
                    throw IngestMemory.Outdated()
                }
                remember(batch, version: version, nothingBetween: true)
                batchesFromMemory.add(1, ordering: .relaxed)
                return plan.outcomes
            }
        } catch is IngestMemory.Outdated {
            ingestMemory.withLock { $0 = nil }
            return nil
        }
    }

    /// Keeps `batch` as committed at `version`; `nothingBetween` when no other commit came since the batch before
    /// (by default: when the version is the last batch's plus one).
    private func remember(_ batch: PostgresHeartbeatBatch, version: Int64, nothingBetween: Bool? = nil) {
        var kept = batch
        kept.delivered = []
        ingestMemory.withLock { memory in
            let between = nothingBetween ?? (memory.map { $0.version + 1 == version } ?? false)
            memory = IngestMemory(version: version, batch: kept, nothingBetween: between)
        }
    }

    /// Seconds since the transaction began, read right after the version lock was taken (before the batch's
    /// reads): how long the lock was waited for, and a few microseconds more.
    static let lockWait = SQL("SELECT EXTRACT(EPOCH FROM clock_timestamp() - transaction_timestamp())::float8")

    /// A lock waited for this long (seconds) takes in what queued up meanwhile.
    static let joinAfterWait = 0.001
}

/// The last batch this store committed (`PostgresStore.insertFromMemory`): its jobs as it left them and the
/// version it committed. `nothingBetween`: no other writer committed between it and the batch before it, so the
/// next batch is worth writing from memory (with two instances on the same jobs, it is not).
struct IngestMemory: Sendable {
    var version: Int64
    var batch: PostgresHeartbeatBatch
    var nothingBetween: Bool

    /// Another writer committed since the last batch, or a heartbeat was already stored: the memory is set aside.
    struct Outdated: Error {}
}

/// One batch's reads, the trackers it folds the heartbeats into, and its writes.
struct PostgresHeartbeatBatch: Sendable {
    var trackers: [Int64: RunTracker] = [:]
    /// Delivery ids already stored, by job.
    var delivered: Set<DeliveryKey> = []
    var nextRunID: Int64
    var nextHeartbeatID: Int64

    struct DeliveryKey: Hashable {
        var jobID: Int64
        var deliveryID: String
    }

    /// The state row's columns but `job_id`, of `s`.
    static let stateColumns = StateColumns.select.split(separator: ",").dropFirst()
        .map { "s." + $0.trimmedOnLine() }.joined(separator: ", ")

    /// What a batch reads under the version lock, queued with the statement that takes it
    /// (`PostgresStore.write(reading:)`): per job, its row, its state row, the next run and heartbeat ids, the
    /// batch's delivery ids already stored for it, and its open runs (one row each, the job's columns
    /// repeated); then, for a verification only, the latest completed run (older than the recent window). Run
    /// and heartbeat ids are the next after the highest: the transaction holds the version lock, so no other
    /// writer takes them meanwhile.
    struct Reads: Sendable {
        var statements: [SQL] = []
        /// Where the latest completed runs are in `statements`, when they were asked.
        var latestCompleted: Int?
    }

    /// The columns of the jobs read before its open run's: the run's columns start here.
    static let runColumnsStart = 11

    /// The first read's text, the same for every batch. The delivery ids are looked up one by one, each with its
    /// own job only (a batch of many jobs would otherwise look every id up under every job), on both columns of
    /// the unique index: a plan made while the table was small would otherwise read every heartbeat of the job
    /// (the server may keep a prepared statement's plan until its next ANALYZE).
    static let jobsRead = """
        SELECT j.id, \(Self.stateColumns), s.job_id IS NOT NULL, j.min_size,
            (SELECT COALESCE(MAX(id), 0) FROM runs), (SELECT COALESCE(MAX(id), 0) FROM heartbeats),
            ARRAY(SELECT d.delivery_id FROM unnest(?::bigint[], ?::text[]) AS d(job_id, delivery_id)
                WHERE d.job_id = j.id
                    AND (SELECT TRUE FROM heartbeats h WHERE h.job_id = d.job_id AND h.delivery_id = d.delivery_id LIMIT 1)),
            \(RunColumns.list.map { "r." + $0 }.joined(separator: ", "))
        FROM jobs j LEFT JOIN job_state s ON s.job_id = j.id
            LEFT JOIN runs r ON r.job_id = j.id AND r.outcome = 'running'
        WHERE j.id = ANY(?::bigint[]) ORDER BY j.id, r.id
        """

    /// The first read, prepared once per connection.
    enum JobsRead: PreparedText {
        static let numberedText = SQL.numbered(jobsRead).text
    }

    static func reads(_ heartbeats: [Heartbeat]) -> Reads {
        let jobIDs = Array(Set(heartbeats.map(\.jobID))).sorted()
        var reads = Reads()
        reads.statements = [SQL(jobsRead, deliveryPairs(heartbeats) + [jobIDs], prepared: JobsRead.self)]
        let verifying = Array(Set(heartbeats.filter(isVerification).map(\.jobID))).sorted()
        if !verifying.isEmpty {
            reads.latestCompleted = reads.statements.count
            reads.statements.append(SQL(
                """
                SELECT DISTINCT ON (job_id) \(RunColumns.select) FROM runs
                WHERE job_id = ANY(?) AND outcome = 'completed' ORDER BY job_id, run_at DESC, id DESC
                """, [verifying]))
        }
        return reads
    }

    /// The batch's (job, `Heartbeat-Id`) pairs, each once, as two arrays: the jobs, the ids (`unnest(?, ?)`).
    static func deliveryPairs(_ heartbeats: [Heartbeat]) -> [SQLValue] {
        let pairs = Array(Set(heartbeats.compactMap { heartbeat in
            heartbeat.deliveryID.map { DeliveryKey(jobID: heartbeat.jobID, deliveryID: $0) }
        }))
        return [pairs.map(\.jobID), pairs.map(\.deliveryID)]
    }

    /// A verification, which needs its job's latest completed run read with the batch.
    static func isVerification(_ heartbeat: Heartbeat) -> Bool {
        heartbeat.report.status == .verified || heartbeat.report.status == .verificationFailed
    }

    /// Takes in `other`, read later in the same transaction before anything was written: its delivery ids, and
    /// its jobs this batch had not read (a job both read, under the same lock, was read the same).
    mutating func join(_ other: PostgresHeartbeatBatch) {
        delivered.formUnion(other.delivered)
        trackers.merge(other.trackers) { mine, _ in mine }
        nextRunID = max(nextRunID, other.nextRunID)
        nextHeartbeatID = max(nextHeartbeatID, other.nextHeartbeatID)
    }

    init(_ reads: Reads, _ answers: [[SQLRow]]) throws {
        var minSizes: [Int64: Int64?] = [:]
        var activities: [Int64: JobActivity] = [:]
        var openRuns: [Int64: [Run]] = [:]
        var next: (runs: Int64, heartbeats: Int64) = (1, 1)
        for row in answers[0] {
            let jobID: Int64 = try row[0]
            if minSizes[jobID] == nil {
                minSizes[jobID] = try row[7] as Int64?
                if try row[6] as Bool { activities[jobID] = try StateColumns.activity(row) }
                next = (try row[8] as Int64 + 1, try row[9] as Int64 + 1)
                for deliveryID in try row[10] as [String] {
                    delivered.insert(DeliveryKey(jobID: jobID, deliveryID: deliveryID))
                }
            }
            let run = row.columns(from: Self.runColumnsStart)
            if try run[0] as Int64? != nil {
                openRuns[jobID, default: []].append(try RunColumns.run(run))
            }
        }
        var latestCompleted: [Int64: Run] = [:]
        for row in reads.latestCompleted.map({ answers[$0] }) ?? [] {
            let run = try RunColumns.run(row)
            latestCompleted[run.jobID] = run
        }
        for (jobID, minSize) in minSizes {
            trackers[jobID] = RunTracker(
                activity: activities[jobID] ?? JobActivity(jobID: jobID),
                openRuns: (openRuns[jobID] ?? []).sorted { ($0.id ?? 0) < ($1.id ?? 0) },
                latestCompletedRun: latestCompleted[jobID], minSize: minSize)
        }
        nextRunID = next.runs
        nextHeartbeatID = next.heartbeats
    }

    /// What a batch writes: its runs, its heartbeats with their ids, and each heartbeat's outcome (a heartbeat
    /// with an id is stored once written).
    struct Plan {
        var runs: [Run]
        var heartbeats: [(Int64, Heartbeat)]
        var outcomes: [InsertOutcome]
        /// Where each written heartbeat is in `outcomes`.
        var indexes: [Int]

        var ids: [Int64] { heartbeats.map(\.0) }

        /// The write, with the batch's state rows, in one statement (no COMMIT); with `version`, only if that is
        /// the data version when it runs.
        func statement(_ batch: PostgresHeartbeatBatch, version: Int64? = nil) -> SQL {
            PostgresHeartbeatBatch.write(runs: runs, heartbeats: heartbeats, states: batch.states, version: version)
        }
    }

    /// Folds `heartbeats` into the trackers: what to write, with ids from `nextRunID` and `nextHeartbeatID`.
    mutating func plan(_ heartbeats: [Heartbeat]) -> Plan {
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
            outcomes.append(.duplicate) // the heartbeat's id, once given below
        }
        var ids: [Int64] = []
        for (index, _) in rows {
            outcomes[index] = .stored(nextHeartbeatID)
            ids.append(nextHeartbeatID)
            nextHeartbeatID += 1
        }
        return Plan(
            runs: runOrder.compactMap { runs[$0] }, heartbeats: Array(zip(ids, rows.map(\.heartbeat))), outcomes: outcomes,
            indexes: rows.map(\.index))
    }

    /// Every job's state row as the batch leaves it.
    var states: [JobActivity] { trackers.keys.sorted().compactMap { trackers[$0]?.activity } }

    mutating func store(_ heartbeats: [Heartbeat], _ session: SQLSession) async throws -> [InsertOutcome] {
        var plan = plan(heartbeats)
        var stored: Set<Int64>
        if trackers.values.contains(where: \.needsLastGoodLookup) {
            // The latest good run is looked up in history as this batch leaves it: runs first, then the states.
            stored = try await Self.written(session.pipeline([Self.write(runs: plan.runs, heartbeats: plan.heartbeats, states: [])]))
            try await resolveLastGood(session)
            _ = try await session.commit(after: [Self.write(runs: [], heartbeats: [], states: states)])
        } else {
            stored = try await Self.written(session.commit(after: [plan.statement(self)]))
        }
        // A conflict on (job_id, delivery_id) cannot happen under the version lock; were it to, that heartbeat
        // is the one already stored.
        for (index, id) in zip(plan.indexes, plan.ids) where !stored.contains(id) {
            plan.outcomes[index] = .duplicate
        }
        return plan.outcomes
    }

    /// Looks up the end of the latest good run for the jobs whose recent window no longer has one.
    private mutating func resolveLastGood(_ session: SQLSession) async throws {
        for (jobID, var tracker) in trackers where tracker.needsLastGoodLookup {
            tracker.resolveLastGood(try await PostgresStore.lastGoodEnd(jobID: jobID, minSize: tracker.minSize, session))
            trackers[jobID] = tracker
        }
    }

    /// The runs upserted, the heartbeats inserted and the state rows upserted in ONE prepared statement
    /// (data-modifying common table expressions over `unnest` of one array per column), so a batch costs one
    /// round trip to write whatever its size and the server plans it once per connection. It answers the ids of
    /// the heartbeats stored.
    /// With `version`, nothing is written unless it is the current data version and no heartbeat's
    /// `Heartbeat-Id` is stored for its job yet (`GuardedBatchWrite`).
    static func write(runs: [Run], heartbeats: [(Int64, Heartbeat)], states: [JobActivity], version: Int64? = nil) -> SQL {
        let values =
            ColumnArray.columns(runs.map(RunColumns.values), types: RunColumns.types)
            + ColumnArray.columns(states.map(StateColumns.values), types: StateColumns.types)
            + ColumnArray.columns(heartbeats.map { [$0.0] + HeartbeatColumns.values($0.1) }, types: [.int8] + HeartbeatColumns.types)
        guard let version else { return SQL(BatchWrite.text, values, prepared: BatchWrite.self) }
        return SQL(GuardedBatchWrite.text, [version] + deliveryPairs(heartbeats.map(\.1)) + values, prepared: GuardedBatchWrite.self)
    }

    /// The ids of the heartbeats the write (the first statement answered) stored.
    private static func written(_ answers: [[SQLRow]]) throws -> Set<Int64> {
        Set(try (answers.first ?? []).map { try $0[0] as Int64 })
    }

    /// The statement of `write`; any of its three parts may be given no rows.
    enum BatchWrite: PreparedText {
        static let text = source(guarded: false)
        static let numberedText = SQL.numbered(text).text

        /// With `guarded`, its first three values are a data version and the batch's delivery pairs, and nothing
        /// is written unless `guardClause` holds (`GuardedBatchWrite`).
        static func source(guarded: Bool) -> String {
            let only = guarded ? " WHERE (SELECT current FROM guard)" : ""
            return """
                WITH \(guarded ? guardClause : "")
                saved_runs AS (
                    INSERT INTO runs(\(RunColumns.writable)) SELECT * FROM unnest(\(placeholders(RunColumns.types)))\(only)
                    ON CONFLICT (id) DO UPDATE SET \(runUpdate)),
                saved_states AS (
                    INSERT INTO job_state(\(StateColumns.select)) SELECT * FROM unnest(\(placeholders(StateColumns.types)))\(only)
                    ON CONFLICT (job_id) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at,
                        last_start_at = excluded.last_start_at, last_good_at = excluded.last_good_at,
                        recent_runs = excluded.recent_runs, last_problems = excluded.last_problems)
                INSERT INTO heartbeats(id, \(HeartbeatColumns.writable))
                SELECT * FROM unnest(\(placeholders([.int8] + HeartbeatColumns.types)))\(only)
                ON CONFLICT (job_id, delivery_id) DO NOTHING RETURNING id
                """
        }

        /// Whether the data version is its first value and none of the (job, `Heartbeat-Id`) pairs of the next
        /// two is stored (each looked up on the unique index, as `jobsRead` does).
        private static let guardClause = """
            guard AS (SELECT value::bigint = ?::bigint AND NOT EXISTS (
                    SELECT FROM unnest(?::bigint[], ?::text[]) AS d(job_id, delivery_id)
                    WHERE (SELECT TRUE FROM heartbeats h WHERE h.job_id = d.job_id AND h.delivery_id = d.delivery_id LIMIT 1))
                AS current FROM meta WHERE key = 'data_version'),
            """

        /// One placeholder per column, cast to the array of its type (the statement is prepared before any
        /// value is bound).
        private static func placeholders(_ types: [PostgresDataType]) -> String {
            types.map { "?::" + (ColumnArray(element: $0, values: []).psqlType.knownSQLName ?? "TEXT[]") }
                .joined(separator: ", ")
        }
    }

    /// `BatchWrite` that writes nothing unless the data version is its first value and none of its heartbeats'
    /// `Heartbeat-Id`s is stored: a batch written from memory never stores a row from ids another writer took
    /// meanwhile, nor a run or state row that counts a retried heartbeat twice, so it may be committed whatever
    /// it found.
    enum GuardedBatchWrite: PreparedText {
        static let text = BatchWrite.source(guarded: true)
        static let numberedText = SQL.numbered(text).text
    }

    /// The assignments that make a run row the one written: every column but `id` from `excluded`.
    static let runUpdate = RunColumns.writable.split(separator: ",").dropFirst()
        .map { $0.trimmedOnLine() }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
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
