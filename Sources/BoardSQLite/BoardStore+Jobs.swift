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

    /// Carries out a jobs-file plan and replaces the maintenance windows, all in one transaction:
    /// a failure leaves the database as it was.
    public func apply(_ plan: JobsPlan, maintenanceWindows: [MaintenanceWindow]) async throws {
        try await write { db in
            for job in plan.removes { try Self.removeJob(slug: job.slug, db) }
            for update in plan.updates { try Self.update(update.updated, db) }
            for job in plan.creates { _ = try Self.insert(job, db) }
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
    static let writableColumnList = [
        "slug", "name", "ping_key", "key_hash", "schedule_kind", "schedule_interval", "schedule_cron",
        "schedule_time_zone", "grace", "max_runtime", "kind", "chain_parent", "priority", "min_size", "rpo", "rto",
        "owner", "escalation", "protects", "tags", "description", "paused", "alerting", "created_at",
    ]
    static let writableColumns = writableColumnList.joined(separator: ", ")
    static let placeholders = writableColumnList.map { _ in "?" }.joined(separator: ", ")
    static let selectColumns = (["id"] + writableColumnList.filter { $0 != "key_hash" }).joined(separator: ", ")
    static let columnCount = writableColumnList.count

    static func arguments(_ job: Job) -> StatementArguments {
        var scheduleKind = "interval"
        var interval: Double?
        var cron: String?
        var zone: String?
        switch job.schedule {
        case .interval(let seconds):
            interval = seconds
        case .cron(let expression, let timeZone):
            scheduleKind = "cron"
            cron = expression.source
            zone = timeZone.identifier
        case .calendar(let event, let timeZone):
            scheduleKind = "calendar"
            cron = event.source
            zone = timeZone.identifier
        case .several(let entries):
            // Each entry's text says whether it is cron or calendar, as in the jobs file; the zone is the job's.
            scheduleKind = "several"
            cron = JSONText.encode(job.schedule.entryTexts)
            zone = entries.first?.jobZone?.identifier
        }
        let values: [(any DatabaseValueConvertible)?] = [
            job.slug, job.name, job.pingKey, Data(SHA256.digest(of: job.pingKey)), scheduleKind, interval, cron, zone,
            job.grace, job.maxRuntime, job.kind.rawValue, job.chainParent, job.priority.rawValue, job.minSize,
            job.rpo, job.rto, job.owner, job.escalation, JSONText.encode(job.protects), JSONText.encode(job.tags),
            job.description, job.paused, StoredAlertSettings(job.alerting).json, job.createdAt.timeIntervalSince1970,
        ]
        return StatementArguments(values)
    }

    /// Decodes job rows, reusing what repeats across jobs (JSON lists, alert settings, time zones).
    struct Decoder {
        private var lists: [String: [String]] = [:]
        private var settings: [String: AlertSettings] = [:]
        private var zones: [String: TimeZone] = [:]

        mutating func job(_ row: Row, path: String) throws -> Job {
            let slug: String = row[1]
            let scheduleKind: String = row[4]
            let schedule: Schedule
            if scheduleKind == "cron" || scheduleKind == "calendar" || scheduleKind == "several" {
                let source: String = row[6] ?? ""
                let zoneName: String = row[7] ?? "UTC"
                guard let zone = timeZone(zoneName) else {
                    throw BoardError.database(path: path, reason: "job '\(slug)' has an unknown time zone '\(zoneName)'")
                }
                do {
                    switch scheduleKind {
                    case "cron": schedule = .cron(try CronExpression(source), timeZone: zone)
                    case "calendar": schedule = .calendar(try CalendarEvent(source), timeZone: zone)
                    default: schedule = try Schedule.parse(entries: list(source), timeZone: zoneName)
                    }
                } catch {
                    throw BoardError.database(path: path, reason: "job '\(slug)' has a schedule that cannot be read: \(error)")
                }
            } else {
                schedule = .interval(row[5] ?? 0)
            }
            let kindText: String = row[10]
            let priorityText: String = row[12]
            return Job(
                id: row[0], slug: slug, name: row[2], pingKey: row[3], schedule: schedule, grace: row[8],
                maxRuntime: row[9], kind: BackupKind(rawValue: kindText) ?? .other, chainParent: row[11],
                priority: JobPriority(rawValue: priorityText) ?? .medium, minSize: row[13], rpo: row[14], rto: row[15],
                owner: row[16], escalation: row[17], protects: list(row[18]), tags: list(row[19]),
                description: row[20], paused: row[21], alerting: alertSettings(row[22]),
                createdAt: Date(timeIntervalSince1970: row[23]))
        }

        private mutating func list(_ text: String) -> [String] {
            if let known = lists[text] { return known }
            let value = JSONText.decode([String].self, from: text) ?? []
            lists[text] = value
            return value
        }

        private mutating func alertSettings(_ text: String) -> AlertSettings {
            if let known = settings[text] { return known }
            let value = JSONText.decode(StoredAlertSettings.self, from: text)?.settings ?? AlertSettings()
            settings[text] = value
            return value
        }

        private mutating func timeZone(_ name: String) -> TimeZone? {
            if let known = zones[name] { return known }
            let zone = TimeZone(identifier: name)
            zones[name] = zone
            return zone
        }
    }
}

/// The frozen JSON form of `AlertSettings` in `jobs.alerting`, independent of the type's own Codable
/// conformance so that changing the domain type never makes stored rows unreadable. Missing fields
/// take the defaults.
struct StoredAlertSettings: Codable {
    var sizeAnomalyFactor: Double?
    var durationAnomalyHigh: Double?
    var durationAnomalyLow: Double?
    var anomalyWindow: Int?
    var anomalyMinRuns: Int?
    var delayedEscalationPeriods: Int?
    var flakyRuns: Int?
    var flakyWindow: Int?
    var severities: [String: String]?

    init(_ settings: AlertSettings) {
        sizeAnomalyFactor = settings.sizeAnomalyFactor
        durationAnomalyHigh = settings.durationAnomalyHigh
        durationAnomalyLow = settings.durationAnomalyLow
        anomalyWindow = settings.anomalyWindow
        anomalyMinRuns = settings.anomalyMinRuns
        delayedEscalationPeriods = settings.delayedEscalationPeriods
        flakyRuns = settings.flakyRuns
        flakyWindow = settings.flakyWindow
        severities = Dictionary(uniqueKeysWithValues: settings.severities.map { ($0.key.rawValue, $0.value.rawValue) })
    }

    var settings: AlertSettings {
        let defaults = AlertSettings()
        var parsed: [AlertKind: AlertSeverity] = [:]
        for (kind, severity) in severities ?? [:] {
            if let kind = AlertKind(rawValue: kind), let severity = AlertSeverity(rawValue: severity) {
                parsed[kind] = severity
            }
        }
        return AlertSettings(
            sizeAnomalyFactor: sizeAnomalyFactor ?? defaults.sizeAnomalyFactor,
            durationAnomalyHigh: durationAnomalyHigh ?? defaults.durationAnomalyHigh,
            durationAnomalyLow: durationAnomalyLow ?? defaults.durationAnomalyLow,
            anomalyWindow: anomalyWindow ?? defaults.anomalyWindow,
            anomalyMinRuns: anomalyMinRuns ?? defaults.anomalyMinRuns,
            delayedEscalationPeriods: delayedEscalationPeriods ?? defaults.delayedEscalationPeriods,
            flakyRuns: flakyRuns ?? defaults.flakyRuns, flakyWindow: flakyWindow ?? defaults.flakyWindow,
            severities: parsed)
    }

    var json: String { JSONText.encode(self) }
}

/// JSON text columns.
enum JSONText {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
