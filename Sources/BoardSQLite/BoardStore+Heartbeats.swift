import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Stores a batch of heartbeats in ONE transaction (one fsync): the server's group commit.
    ///
    /// In the same transaction each stored heartbeat is paired into runs by `RunTracker`, each touched
    /// job's state row is rewritten once, and the data version is bumped. A heartbeat with the same job
    /// and delivery id as one already stored, earlier or in this batch, is `.duplicate` and changes
    /// nothing. Outcomes are in the order of `heartbeats`.
    @discardableResult
    public func insert(_ heartbeats: [Heartbeat]) async throws -> [InsertOutcome] {
        guard !heartbeats.isEmpty else { return [] }
        return try await write { db in
            var batch = try HeartbeatBatch(db)
            let outcomes = try heartbeats.map { try batch.insert($0) }
            try batch.finish()
            return outcomes
        }
    }

    /// Heartbeats of a job with their bodies, newest received first, `limit` at a time; pass the id of
    /// the last one of a page as `beforeID` for the next one.
    public func heartbeats(ofJob jobID: Int64, limit: Int = 50, beforeID: Int64? = nil) async throws -> [Heartbeat] {
        try await read { db in try Self.heartbeats(db, ofJob: jobID, limit: limit, beforeID: beforeID) }
    }

    static func heartbeats(_ db: Database, ofJob jobID: Int64, limit: Int, beforeID: Int64? = nil) throws -> [Heartbeat] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT \(HeartbeatCodec.selectColumns) FROM heartbeats WHERE job_id = ? AND id < ?
                ORDER BY id DESC LIMIT ?
                """,
            arguments: [jobID, beforeID ?? Int64.max, limit]
        ).map(HeartbeatCodec.heartbeat)
    }
}

/// One transaction's worth of heartbeat inserts: loads each job's tracker on first use, saves runs as
/// the trackers return them, and writes each job's state row once at the end.
private struct HeartbeatBatch {
    let db: Database
    var trackers: [Int64: RunTracker] = [:]
    var missingJobs: Set<Int64> = []
    var nextRunID: Int64

    init(_ db: Database) throws {
        self.db = db
        nextRunID = (try Int64.fetchOne(db, sql: "SELECT IFNULL(MAX(id), 0) FROM runs") ?? 0) + 1
    }

    mutating func insert(_ heartbeat: Heartbeat) throws -> InsertOutcome {
        let jobID = heartbeat.jobID
        guard var tracker = try tracker(for: jobID, status: heartbeat.report.status) else { return .unknownJob }
        if let deliveryID = heartbeat.deliveryID {
            let seen = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM heartbeats WHERE job_id = ? AND delivery_id = ?"),
                arguments: [jobID, deliveryID]) ?? false
            if seen { return .duplicate }
        }
        var next = nextRunID
        let step = tracker.apply(heartbeat) {
            defer { next += 1 }
            return next
        }
        nextRunID = next
        trackers[jobID] = tracker
        for run in step.created {
            try db.cachedStatement(sql: "INSERT INTO runs(\(RunCodec.writeColumns)) VALUES (\(RunCodec.placeholders))")
                .execute(arguments: RunCodec.arguments(run))
        }
        for run in step.updated {
            var arguments = RunCodec.arguments(run, includingID: false)
            _ = arguments.append(contentsOf: [run.id])
            try db.cachedStatement(sql: "UPDATE runs SET \(RunCodec.assignments) WHERE id = ?").execute(arguments: arguments)
        }
        var stored = heartbeat
        stored.runRowID = step.runID
        try db.cachedStatement(
            sql: "INSERT INTO heartbeats(\(HeartbeatCodec.writeColumns)) VALUES (\(HeartbeatCodec.placeholders))"
        ).execute(arguments: HeartbeatCodec.arguments(stored))
        return .stored(db.lastInsertedRowID)
    }

    /// Writes the state row of every job the batch touched.
    mutating func finish() throws {
        for (jobID, var tracker) in trackers {
            if tracker.needsLastGoodLookup {
                tracker.resolveLastGood(try StateCodec.lastGoodEnd(jobID: jobID, minSize: tracker.minSize, db))
            }
            try StateCodec.save(tracker.activity, db)
        }
    }

    private mutating func tracker(for jobID: Int64, status: HeartbeatStatus) throws -> RunTracker? {
        if var tracker = trackers[jobID] {
            if status == .verified || status == .verificationFailed, tracker.latestCompletedRun == nil {
                // Only a verification can need a completed run older than the recent window.
                tracker = RunTracker(
                    activity: tracker.activity, openRuns: tracker.openRuns,
                    latestCompletedRun: try latestCompletedRun(jobID), minSize: tracker.minSize)
                trackers[jobID] = tracker
            }
            return tracker
        }
        if missingJobs.contains(jobID) { return nil }
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT min_size FROM jobs WHERE id = ?"), arguments: [jobID])
        else {
            missingJobs.insert(jobID)
            return nil
        }
        let minSize: Int64? = row[0]
        let activity = try StateCodec.load(jobID: jobID, db)
        let openRuns = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(RunCodec.selectColumns) FROM runs WHERE job_id = ? AND outcome = 'running'"),
            arguments: [jobID]
        ).map(RunCodec.run)
        var latestCompleted: Run?
        if status == .verified || status == .verificationFailed,
           !activity.recentRuns.contains(where: { $0.outcome == .completed }) {
            latestCompleted = try latestCompletedRun(jobID)
        }
        let tracker = RunTracker(activity: activity, openRuns: openRuns, latestCompletedRun: latestCompleted, minSize: minSize)
        trackers[jobID] = tracker
        return tracker
    }

    private func latestCompletedRun(_ jobID: Int64) throws -> Run? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT \(RunCodec.selectColumns) FROM runs WHERE job_id = ? AND outcome = 'completed'
                ORDER BY run_at DESC, id DESC LIMIT 1
                """,
            arguments: [jobID]
        ).map(RunCodec.run)
    }
}

/// How a `Run` maps to a `runs` row. Read by position, in `columns` order: runs are read on the ingest path
/// (pairing each heartbeat with its open run) and by the report over every run of a period; a read by name
/// looks each column's name up again in every row (not measured here, so the positional form stays).
enum RunCodec {
    static let columns = StoredColumns.runs
    static let selectColumns = columns.joined(separator: ", ")
    static let writeColumns = (columns + ["run_at"]).joined(separator: ", ")
    static let placeholders = (columns + ["run_at"]).map { _ in "?" }.joined(separator: ", ")
    static let assignments = (columns.dropFirst() + ["run_at"]).map { "\($0) = ?" }.joined(separator: ", ")

    /// Values in `writeColumns` order; without the id, in `assignments` order.
    static func arguments(_ run: Run, includingID: Bool = true) -> StatementArguments {
        var values: [(any DatabaseValueConvertible)?] = [
            run.jobID, run.clientRunID, run.startedAt?.timeIntervalSince1970, run.endedAt?.timeIntervalSince1970,
            run.lastHeartbeatAt.timeIntervalSince1970, run.outcome.rawValue, run.verification?.rawValue,
            run.exitCode, run.reportedDuration, run.sizeBytes, run.files, run.progress, run.message,
            run.heartbeatCount, run.lastStatus?.rawValue, run.attempts, run.time.timeIntervalSince1970,
        ]
        if includingID { values.insert(run.id, at: 0) }
        return StatementArguments(values)
    }

    static func run(_ row: Row) -> Run {
        let outcome: String = row[6]
        let verification: String? = row[7]
        let lastStatus: String? = row[15]
        return Run(
            id: row[0], jobID: row[1], clientRunID: row[2],
            startedAt: row.date(3),
            endedAt: row.date(4),
            lastHeartbeatAt: Date(timeIntervalSince1970: row[5]),
            outcome: RunOutcome(rawValue: outcome) ?? .failed,
            verification: verification.flatMap(Verification.init(rawValue:)),
            exitCode: row[8], reportedDuration: row[9], sizeBytes: row[10], files: row[11], progress: row[12],
            message: row[13], heartbeatCount: row[14], lastStatus: lastStatus.flatMap(HeartbeatStatus.init(rawValue:)),
            attempts: row[16])
    }
}

/// How a `Heartbeat` maps to a `heartbeats` row.
enum HeartbeatCodec {
    static let columns = StoredColumns.heartbeats
    static let writeColumns = columns.joined(separator: ", ")
    static let placeholders = columns.map { _ in "?" }.joined(separator: ", ")
    static let selectColumns = (["id"] + columns).joined(separator: ", ")

    static func arguments(_ heartbeat: Heartbeat) -> StatementArguments {
        let report = heartbeat.report
        let values: [(any DatabaseValueConvertible)?] = [
            heartbeat.jobID, heartbeat.receivedAt.timeIntervalSince1970, heartbeat.eventAt.timeIntervalSince1970,
            report.sentAt?.timeIntervalSince1970, report.status.rawValue, report.statusText, report.runID,
            heartbeat.deliveryID, report.exitCode, report.duration?.value, report.duration?.text, report.size?.value,
            report.size?.text, report.files, report.hash, report.rate?.value, report.rate?.text, report.ratio?.value,
            report.ratio?.text, report.progress, report.message, report.output, report.isTest,
            report.fields.isEmpty ? "{}" : JSONText.encode(report.fields),
            report.problems.isEmpty ? "[]" : JSONText.encode(report.problems),
            Data(heartbeat.body), heartbeat.truncatedBytes, heartbeat.contentType, heartbeat.method, heartbeat.source,
            heartbeat.userAgent, heartbeat.runRowID,
        ]
        return StatementArguments(values)
    }

    static func heartbeat(_ row: Row) -> Heartbeat {
        func measured(_ value: String) -> Measured? {
            guard let number = row[value] as Double? else { return nil }
            return Measured(number, text: row[value + "_text"] ?? "")
        }
        let fields: String = row["fields"]
        let problems: String = row["problems"]
        let body: Data = row["body"] ?? Data()
        let report = HeartbeatReport(
            status: HeartbeatStatus(rawValue: row["status"]) ?? .log, statusText: row["status_text"],
            runID: row["client_run_id"], exitCode: row["exit_code"], duration: measured("duration"),
            size: measured("size"), files: row["files"], hash: row["hash"], rate: measured("rate"),
            ratio: measured("ratio"), progress: row["progress"], message: row["message"], output: row["output"],
            sentAt: row.date("sent_at"), isTest: row["is_test"],
            fields: fields == "{}" ? [:] : JSONText.decode([String: String].self, from: fields) ?? [:],
            problems: problems == "[]" ? [] : JSONText.decode([String].self, from: problems) ?? [])
        return Heartbeat(
            id: row["id"], jobID: row["job_id"], receivedAt: Date(timeIntervalSince1970: row["received_at"]),
            eventAt: Date(timeIntervalSince1970: row["event_at"]), report: report, deliveryID: row["delivery_id"],
            body: Array(body), truncatedBytes: row["truncated_bytes"], contentType: row["content_type"],
            method: row["method"], source: row["source"], userAgent: row["user_agent"], runRowID: row["run_id"])
    }
}

/// How a `JobActivity` maps to a `job_state` row. Read by position: one row per job on every board load.
enum StateCodec {
    static let selectColumns = "job_id, last_heartbeat_at, last_start_at, last_good_at, recent_runs, last_problems"

    static func load(jobID: Int64, _ db: Database) throws -> JobActivity {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(selectColumns) FROM job_state WHERE job_id = ?"), arguments: [jobID])
        else { return JobActivity(jobID: jobID) }
        return try activity(row)
    }

    static func activity(_ row: Row) throws -> JobActivity {
        let jobID: Int64 = row[0]
        let recent: [Run] = try row.withUnsafeData(atIndex: 4) { data in
            guard let data else { return [] }
            return try data.withUnsafeBytes { try RecentRunsCodec.decode($0, jobID: jobID) }
        }
        let problems: String = row[5]
        return JobActivity(
            jobID: jobID,
            lastHeartbeatAt: row.date(1),
            lastStartAt: row.date(2),
            lastGoodAt: row.date(3),
            recentRuns: recent,
            lastProblems: problems == "[]" ? [] : JSONText.decode([String].self, from: problems) ?? [])
    }

    static func save(_ activity: JobActivity, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO job_state(\(selectColumns)) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(job_id) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at,
                    last_start_at = excluded.last_start_at, last_good_at = excluded.last_good_at,
                    recent_runs = excluded.recent_runs, last_problems = excluded.last_problems
                """
        ).execute(arguments: [
            activity.jobID, activity.lastHeartbeatAt?.timeIntervalSince1970, activity.lastStartAt?.timeIntervalSince1970,
            activity.lastGoodAt?.timeIntervalSince1970, Data(RecentRunsCodec.encode(activity.recentRuns)),
            activity.lastProblems.isEmpty ? "[]" : JSONText.encode(activity.lastProblems),
        ])
    }

    /// End of the latest good run in history (the last good runs are never pruned, so it is there).
    static func lastGoodEnd(jobID: Int64, minSize: Int64?, _ db: Database) throws -> Date? {
        try Double.fetchOne(
            db,
            sql: """
                SELECT MAX(IFNULL(ended_at, last_heartbeat_at)) FROM runs
                WHERE job_id = ? AND outcome = 'completed' AND IFNULL(verification, '') != 'failed'
                  AND (? IS NULL OR size_bytes >= ?)
                """,
            arguments: [jobID, minSize, minSize]
        ).map(Date.init(timeIntervalSince1970:))
    }
}
