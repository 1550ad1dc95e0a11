import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Saves a new job (and its empty state row) and returns its id.
    /// Throws `duplicateJob` when the slug is taken, `invalidValue` when the ping key is.
    @discardableResult
    public func insert(_ job: Job) async throws -> Int64 {
        try await write { db in try Self.insert(job, db) }
    }

    /// Saves every field of an existing job (found by `job.id`).
    public func update(_ job: Job) async throws {
        try await write { db in try Self.update(job, db) }
    }

    /// Removes a job with its heartbeats, runs, state row and alerts.
    public func removeJob(slug: String) async throws {
        try await write { db in try Self.removeJob(slug: slug, db) }
    }

    /// Carries out a plan, records it in the audit trail and, unless nil, replaces the maintenance windows,
    /// all in one transaction: a failure leaves the database as it was.
    public func apply(
        _ plan: JobsPlan, maintenanceWindows: [MaintenanceWindow]?, by actor: String, at date: Date
    ) async throws {
        try await write { db in
            for job in plan.removes { try Self.removeJob(slug: job.slug, db) }
            for update in plan.updates { try Self.update(update.updated, db) }
            for job in plan.creates { _ = try Self.insert(job, db) }
            try Self.insertAudit(plan.auditEntries(by: actor, at: date), db)
            guard let maintenanceWindows else { return }
            try db.execute(sql: "DELETE FROM maintenance_windows")
            for window in maintenanceWindows {
                try db.execute(
                    sql: """
                        INSERT INTO maintenance_windows(name, days, start_minute, end_minute, time_zone, jobs, tags)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        window.name, window.days.sorted().map(\.shortName).joined(separator: ","),
                        window.startMinute, window.endMinute, window.timeZone.identifier,
                        window.jobs.joined(separator: "\n"), window.tags.joined(separator: "\n"),
                    ])
            }
        }
    }

    /// Creates `job` for a ping by slug in one IMMEDIATE transaction, which serialises it with every other writer:
    /// a slug taken by then answers its job; an actor at its limit creates nothing.
    public func create(_ job: Job, by actor: String, at date: Date, limit: CreationLimit) async throws -> JobCreation {
        try await write { db in
            if let existing = try self.job(db, where: "slug = ?", job.slug) { return .existing(existing) }
            let created = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM job_audit WHERE action = 'create' AND actor = ? AND at > ?",
                arguments: [actor, limit.since.timeIntervalSince1970]) ?? 0
            guard created < limit.count else { return .limited }
            var stored = job
            stored.id = try Self.insert(job, db)
            try Self.insertAudit(JobsPlan(creates: [job]).auditEntries(by: actor, at: date), db)
            return .created(stored)
        }
    }

    /// Records an alert as given (docs/architecture.md §5: kinds no rule owns are left alone by the evaluator).
    @discardableResult
    public func record(_ alert: Alert) async throws -> Int64 {
        switch try await open(alert) {
        case .opened(let stored), .alreadyOpen(let stored): stored.id ?? 0
        }
    }

    /// The newest audit entries first, of the job `slug` or of every job.
    public func auditTrail(slug: String?, limit: Int) async throws -> [JobAuditEntry] {
        try await read { db in
            let condition = slug == nil ? "" : "WHERE slug = ?"
            let arguments: StatementArguments = slug.map { [$0, limit] } ?? [limit]
            return try Row.fetchAll(
                db, sql: "SELECT id, slug, action, change, actor, at FROM job_audit \(condition) ORDER BY id DESC LIMIT ?",
                arguments: arguments
            ).map { row in
                JobAuditEntry(
                    id: row[0], slug: row[1], action: JobAuditEntry.Action(rawValue: row[2]) ?? .update, change: row[3],
                    actor: row[4], at: Date(timeIntervalSince1970: row[5]))
            }
        }
    }

    /// The recurring maintenance windows last applied from a jobs file, by name.
    public func maintenanceWindows() async throws -> [MaintenanceWindow] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM maintenance_windows ORDER BY name").map { row in
                func list(_ column: String) -> [String] {
                    (row[column] as String).split(separator: "\n").map(String.init)
                }
                let days = (row["days"] as String).split(separator: ",").compactMap { Weekday(name: String($0)) }
                return MaintenanceWindow(
                    name: row["name"], days: Set(days), startMinute: row["start_minute"], endMinute: row["end_minute"],
                    timeZone: TimeZone(identifier: row["time_zone"]) ?? TimeZone(secondsFromGMT: 0)!,
                    jobs: list("jobs"), tags: list("tags"))
            }
        }
    }

    private static func insertAudit(_ entries: [JobAuditEntry], _ db: Database) throws {
        for entry in entries {
            try db.execute(
                sql: "INSERT INTO job_audit(slug, action, change, actor, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [entry.slug, entry.action.rawValue, entry.change, entry.actor, entry.at.timeIntervalSince1970])
        }
    }

    private static func insert(_ job: Job, _ db: Database) throws -> Int64 {
        try checkUnique(job, db)
        try db.execute(
            sql: "INSERT INTO jobs(\(JobCodec.writableColumns)) VALUES (\(JobCodec.placeholders))",
            arguments: JobCodec.arguments(job))
        let id = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO job_state(job_id) VALUES (?)", arguments: [id])
        return id
    }

    private static func update(_ job: Job, _ db: Database) throws {
        guard let id = job.id else { throw BoardError.unknownJob(job.slug) }
        try checkUnique(job, db)
        let assignments = JobCodec.writableColumnList.map { "\($0) = ?" }.joined(separator: ", ")
        var arguments = JobCodec.arguments(job)
        _ = arguments.append(contentsOf: [id])
        try db.execute(sql: "UPDATE jobs SET \(assignments) WHERE id = ?", arguments: arguments)
        if db.changesCount == 0 { throw BoardError.unknownJob(job.slug) }
    }

    private static func removeJob(slug: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM jobs WHERE slug = ?", arguments: [slug])
        if db.changesCount == 0 { throw BoardError.unknownJob(slug) }
    }

    /// Pauses a job: still evaluated and shown, never alerting.
    public func pause(slug: String) async throws { try await setPaused(true, slug: slug) }

    /// Resumes a paused job.
    public func resume(slug: String) async throws { try await setPaused(false, slug: slug) }

    private func setPaused(_ paused: Bool, slug: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE jobs SET paused = ? WHERE slug = ?", arguments: [paused, slug])
            if db.changesCount == 0 { throw BoardError.unknownJob(slug) }
        }
    }

    /// Every job, ordered by slug.
    public func jobs() async throws -> [Job] {
        try await read { db in
            var decoder = JobCodec.Decoder()
            return try Row.fetchAll(db, sql: "SELECT \(JobCodec.selectColumns) FROM jobs ORDER BY slug")
                .map { try decoder.job($0, path: self.path) }
        }
    }

    /// The job with this slug, if any.
    public func job(slug: String) async throws -> Job? {
        try await read { db in try self.job(db, where: "slug = ?", slug) }
    }

    /// The job with this id, if any.
    public func job(id: Int64) async throws -> Job? {
        try await read { db in try self.job(db, where: "id = ?", id) }
    }

    /// The one job that `condition` (on a unique column) picks, if any.
    func job(_ db: Database, where condition: String, _ value: some DatabaseValueConvertible) throws -> Job? {
        var decoder = JobCodec.Decoder()
        return try Row.fetchOne(db, sql: "SELECT \(JobCodec.selectColumns) FROM jobs WHERE \(condition)", arguments: [value])
            .map { try decoder.job($0, path: path) }
    }

    /// The job whose ping key is `key`: found through the index on SHA-256(key), then the digests are
    /// compared in constant time.
    public func job(forKey key: String) async throws -> Job? {
        let digest = SHA256.digest(of: key)
        return try await read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(JobCodec.selectColumns), key_hash FROM jobs WHERE key_hash = ?",
                arguments: [Data(digest)])
            else { return nil }
            let stored: Data = row[JobCodec.columnCount]
            guard SHA256.constantTimeEquals(Array(stored), digest) else { return nil }
            var decoder = JobCodec.Decoder()
            return try decoder.job(row, path: self.path)
        }
    }

    private static func checkUnique(_ job: Job, _ db: Database) throws {
        let other = job.id ?? -1
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE slug = ? AND id != ?", arguments: [job.slug, other]) == true {
            throw BoardError.duplicateJob(job.slug)
        }
        let digest = Data(SHA256.digest(of: job.pingKey))
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE key_hash = ? AND id != ?", arguments: [digest, other]) == true {
            throw BoardError.invalidValue("Another job already uses the ping key given for '\(job.slug)'")
        }
    }
}

/// How a `Job` maps to a `jobs` row. Columns are read by position, in `selectColumns` order, because
/// the board reads every job on every load.
enum JobCodec {
    static let writableColumnList = StoredColumns.jobs
    static let writableColumns = writableColumnList.joined(separator: ", ")
    static let placeholders = writableColumnList.map { _ in "?" }.joined(separator: ", ")
    static let selectColumns = (["id"] + writableColumnList.filter { $0 != "key_hash" }).joined(separator: ", ")
    static let columnCount = writableColumnList.count

    static func arguments(_ job: Job) -> StatementArguments {
        let row = StoredJob(job)
        let values: [(any DatabaseValueConvertible)?] = [
            row.slug, row.name, row.pingKey, Data(SHA256.digest(of: job.pingKey)), row.schedule.kind,
            row.schedule.interval, row.schedule.source, row.schedule.zone, row.grace, row.maxRuntime, row.kind,
            row.chainParent, row.priority, row.minSize, row.rpo, row.rto, row.owner, row.escalation, row.protects,
            row.tags, row.description, row.paused, row.alerting, row.createdAt, row.tests, row.requireRestoreTest,
        ]
        return StatementArguments(values)
    }

    /// Decodes job rows read in `selectColumns` order.
    struct Decoder {
        private var decoder = StoredJob.Decoder()

        mutating func job(_ row: Row, path: String) throws -> Job {
            try decoder.job(
                StoredJob(
                    id: row[0], slug: row[1], name: row[2], pingKey: row[3],
                    schedule: StoredSchedule(kind: row[4], interval: row[5], source: row[6], zone: row[7]),
                    grace: row[8], maxRuntime: row[9], kind: row[10], chainParent: row[11], priority: row[12],
                    minSize: row[13], rpo: row[14], rto: row[15], owner: row[16], escalation: row[17],
                    protects: row[18], tags: row[19], description: row[20], paused: row[21], alerting: row[22],
                    createdAt: row[23], tests: row[24], requireRestoreTest: row[25]),
                path: path)
        }
    }
}
