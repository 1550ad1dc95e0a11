import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: JobDirectory, JobCatalog {
    public func jobs() async throws -> [Job] {
        try await read { [self] session in try await jobs(session, where: "TRUE ORDER BY slug") }
    }

    public func job(slug: String) async throws -> Job? {
        try await read { [self] session in try await jobs(session, where: "slug = ?", [slug]).first }
    }

    public func job(id: Int64) async throws -> Job? {
        try await read { [self] session in try await jobs(session, where: "id = ?", [id]).first }
    }

    /// Found through the index on SHA-256(key), then the digests compared in constant time.
    public func job(forKey key: String) async throws -> Job? {
        let digest = SHA256.digest(of: key)
        return try await read { [self] session in
            guard let row = try await session.row(
                "SELECT \(JobColumns.select), key_hash FROM jobs WHERE key_hash = ?", [Data(digest)])
            else { return nil }
            let stored: Data = try row[JobColumns.count]
            guard SHA256.constantTimeEquals(Array(stored), digest) else { return nil }
            var decoder = StoredJob.Decoder()
            return try decoder.job(try JobColumns.stored(row), path: location.description)
        }
    }

    /// Every committed write moved it forward, in commit order (`PostgresSchema`).
    public func dataVersion() async throws -> Int64 {
        try await read { session in try await Self.dataVersion(session) }
    }

    static func dataVersion(_ session: SQLSession) async throws -> Int64 {
        try await session.value("SELECT value::bigint FROM meta WHERE key = 'data_version'") ?? 0
    }

    /// The jobs `condition` picks, in the order it says.
    func jobs(_ session: SQLSession, where condition: String, _ values: [SQLValue] = []) async throws -> [Job] {
        try jobs(from: try await session.rows(Self.jobsRead(where: condition, values)))
    }

    /// The read of the jobs `condition` picks (rows for `jobs(from:)`).
    static func jobsRead(where condition: String, _ values: [SQLValue] = []) -> SQL {
        SQL("SELECT \(JobColumns.select) FROM jobs WHERE \(condition)", values)
    }

    /// The jobs of rows read by `jobsRead`.
    func jobs(from rows: [SQLRow]) throws -> [Job] {
        var decoder = StoredJob.Decoder()
        return try rows.map { try decoder.job(try JobColumns.stored($0), path: location.description) }
    }

    @discardableResult
    public func insert(_ job: Job) async throws -> Int64 {
        try await write { session, _ in try await Self.insert(job, session) }
    }

    public func update(_ job: Job) async throws {
        try await write { session, _ in try await Self.update(job, session) }
    }

    public func removeJob(slug: String) async throws {
        try await write { session, _ in try await Self.removeJob(slug: slug, session) }
    }

    public func apply(
        _ plan: JobsPlan, maintenanceWindows: [MaintenanceWindow]?, by actor: String, at date: Date
    ) async throws {
        try await write { session, _ in
            for job in plan.removes { try await Self.removeJob(slug: job.slug, session) }
            for update in plan.updates { try await Self.update(update.updated, session) }
            for job in plan.creates { _ = try await Self.insert(job, session) }
            try await Self.insertAudit(plan.auditEntries(by: actor, at: date), session)
            guard let maintenanceWindows else { return }
            try await session.execute("DELETE FROM maintenance_windows")
            for window in maintenanceWindows {
                try await session.execute(
                    """
                    INSERT INTO maintenance_windows(name, days, start_minute, end_minute, time_zone, jobs, tags)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        window.name, window.days.sorted().map(\.shortName).joined(separator: ","),
                        Int64(window.startMinute), Int64(window.endMinute), window.timeZone.identifier,
                        window.jobs.joined(separator: "\n"), window.tags.joined(separator: "\n"),
                    ])
            }
        }
    }

    /// As the SQLite store: the write takes the data version's row lock first, so two instances creating the same
    /// slug run one after the other, and the second finds the first's job (docs/postgresql.md).
    public func create(_ job: Job, by actor: String, at date: Date, limit: CreationLimit) async throws -> JobCreation {
        try await write { [self] session, _ in
            if let existing = try await jobs(session, where: "slug = ?", [job.slug]).first { return .existing(existing) }
            let created: Int64 = try await session.value(
                "SELECT count(*) FROM job_audit WHERE action = 'create' AND actor = ? AND at > ?",
                [actor, Double(limit.since)]) ?? 0
            guard created < limit.count else { return .limited }
            var stored = job
            stored.id = try await Self.insert(job, session)
            try await Self.insertAudit(JobsPlan(creates: [job]).auditEntries(by: actor, at: date), session)
            return .created(stored)
        }
    }

    @discardableResult
    public func record(_ alert: Alert) async throws -> Int64 {
        switch try await open(alert) {
        case .opened(let stored), .alreadyOpen(let stored): stored.id ?? 0
        }
    }

    public func auditTrail(slug: String?, limit: Int) async throws -> [JobAuditEntry] {
        try await read { session in
            let condition = slug == nil ? "" : "WHERE slug = ?"
            let values: [SQLValue] = slug.map { [$0, Int64(limit)] } ?? [Int64(limit)]
            return try await session.rows(
                "SELECT id, slug, action, change, actor, at FROM job_audit \(condition) ORDER BY id DESC LIMIT ?", values
            ).map { row in
                JobAuditEntry(
                    id: try row[0], slug: try row[1], action: JobAuditEntry.Action(rawValue: try row[2]) ?? .update,
                    change: try row[3], actor: try row[4], at: Date(timeIntervalSince1970: try row[5]))
            }
        }
    }

    public func maintenanceWindows() async throws -> [MaintenanceWindow] {
        try await read { session in
            try await session.rows(
                "SELECT name, days, start_minute, end_minute, time_zone, jobs, tags FROM maintenance_windows ORDER BY name"
            ).map { row in
                func list(_ index: Int) throws -> [String] {
                    (try row[index] as String).split(separator: "\n").map(String.init)
                }
                let days = (try row[1] as String).split(separator: ",").compactMap { Weekday(name: String($0)) }
                return MaintenanceWindow(
                    name: try row[0], days: Set(days), startMinute: try row[2], endMinute: try row[3],
                    timeZone: TimeZone(identifier: try row[4]) ?? TimeZone(secondsFromGMT: 0)!,
                    jobs: try list(5), tags: try list(6))
            }
        }
    }

    private static func insertAudit(_ entries: [JobAuditEntry], _ session: SQLSession) async throws {
        for entry in entries {
            try await session.execute(
                "INSERT INTO job_audit(slug, action, change, actor, at) VALUES (?, ?, ?, ?, ?)",
                [entry.slug, entry.action.rawValue, entry.change, entry.actor, Double(entry.at)])
        }
    }

    private static func insert(_ job: Job, _ session: SQLSession) async throws -> Int64 {
        try await checkUnique(job, session)
        let id: Int64 = try await session.value(
            "INSERT INTO jobs(\(JobColumns.writable)) VALUES (\(JobColumns.placeholders)) RETURNING id",
            JobColumns.values(job)) ?? 0
        try await session.execute("INSERT INTO job_state(job_id) VALUES (?)", [id])
        return id
    }

    private static func update(_ job: Job, _ session: SQLSession) async throws {
        guard let id = job.id else { throw BoardError.unknownJob(job.slug) }
        try await checkUnique(job, session)
        let assignments = JobColumns.list.map { "\($0) = ?" }.joined(separator: ", ")
        let changed = try await session.execute("UPDATE jobs SET \(assignments) WHERE id = ?", JobColumns.values(job) + [id])
        if changed == 0 { throw BoardError.unknownJob(job.slug) }
    }

    private static func removeJob(slug: String, _ session: SQLSession) async throws {
        if try await session.execute("DELETE FROM jobs WHERE slug = ?", [slug]) == 0 { throw BoardError.unknownJob(slug) }
    }

    private static func checkUnique(_ job: Job, _ session: SQLSession) async throws {
        let other = job.id ?? -1
        if try await session.row("SELECT 1 FROM jobs WHERE slug = ? AND id <> ?", [job.slug, other]) != nil {
            throw BoardError.duplicateJob(job.slug)
        }
        let digest = Data(SHA256.digest(of: job.pingKey))
        if try await session.row("SELECT 1 FROM jobs WHERE key_hash = ? AND id <> ?", [digest, other]) != nil {
            throw BoardError.invalidValue("Another job already uses the ping key given for '\(job.slug)'")
        }
    }
}

extension PostgresStore: BoardActions {
    public func pause(slug: String) async throws { try await setPaused(true, slug: slug) }

    public func resume(slug: String) async throws { try await setPaused(false, slug: slug) }

    private func setPaused(_ paused: Bool, slug: String) async throws {
        try await write { session, _ in
            if try await session.execute("UPDATE jobs SET paused = ? WHERE slug = ?", [paused, slug]) == 0 {
                throw BoardError.unknownJob(slug)
            }
        }
    }

    public func acknowledgeAlert(id: Int64, by who: String, note: String?, at date: Date) async throws {
        try await write { session, _ in
            let changed = try await session.execute(
                "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, acknowledgement_note = ? WHERE id = ?",
                [Double(date), who, note, id])
            if changed == 0 { throw BoardError.invalidValue("No alert #\(id)") }
        }
    }

    @discardableResult
    public func add(_ mute: Mute) async throws -> Mute {
        try await write { session, _ in
            let (scope, target) = MuteColumns.columns(mute.scope)
            var stored = mute
            stored.id = try await session.value(
                "INSERT INTO mutes(scope, target, until, created_by, reason, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                [scope, target, Double(mute.until), mute.createdBy, mute.reason, Double(mute.createdAt)])
            return stored
        }
    }

    @discardableResult
    public func removeMutes(scope: MuteScope) async throws -> Int {
        try await write { session, _ in
            let (kind, target) = MuteColumns.columns(scope)
            return try await session.execute("DELETE FROM mutes WHERE scope = ? AND target = ?", [kind, target])
        }
    }
}

extension PostgresStore {
    /// Counts a ping to a key of no job, as the SQLite store: a digest, what is shown of it, the user agent and
    /// source cut short, at most `UnknownKey.maxKept` keys.
    public func recordUnknownKey(_ key: String, shownAs shown: String, source: String?, userAgent: String?, at date: Date) async throws {
        let source = source.map { String($0.prefix(UnknownKey.maxSourceLength)) }
        let userAgent = userAgent.map { String($0.prefix(UnknownKey.maxUserAgentLength)) }
        try await write { session, _ in
            try await session.execute(
                """
                INSERT INTO unknown_keys(key_hash, key_prefix, count, last_source, last_user_agent, first_seen_at, last_seen_at)
                VALUES (?, ?, 1, ?, ?, ?, ?)
                ON CONFLICT (key_hash) DO UPDATE SET count = unknown_keys.count + 1, last_source = excluded.last_source,
                    last_user_agent = excluded.last_user_agent,
                    last_seen_at = GREATEST(unknown_keys.last_seen_at, excluded.last_seen_at)
                """,
                [Data(SHA256.digest(of: key)), String(shown.prefix(UnknownKey.maxShownLength)), source, userAgent, Double(date), Double(date)])
            try await session.execute(
                """
                DELETE FROM unknown_keys WHERE key_hash IN (
                    SELECT key_hash FROM unknown_keys ORDER BY last_seen_at DESC OFFSET ?)
                """,
                [Int64(UnknownKey.maxKept)])
        }
    }

    public func unknownKeys(limit: Int = 50) async throws -> [UnknownKey] {
        try await read { session in try await Self.unknownKeys(session, limit: limit) }
    }

    static func unknownKeys(_ session: SQLSession, limit: Int) async throws -> [UnknownKey] {
        try await session.rows(
            """
            SELECT key_prefix, count, last_source, last_user_agent, first_seen_at, last_seen_at FROM unknown_keys
            ORDER BY last_seen_at DESC LIMIT ?
            """,
            [Int64(limit)]
        ).map { row in
            UnknownKey(
                keyPrefix: try row[0], count: try row[1], lastSource: try row[2], lastUserAgent: try row[3],
                firstSeenAt: Date(timeIntervalSince1970: try row[4]), lastSeenAt: Date(timeIntervalSince1970: try row[5]))
        }
    }
}
