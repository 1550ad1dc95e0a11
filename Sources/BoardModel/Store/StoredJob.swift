import Foundation

/// A `jobs` row as every store keeps it (less `key_hash`, the SHA-256 of `pingKey`): lists as JSON text,
/// enums by raw value, dates as seconds since 1970.
package struct StoredJob: Equatable {
    package var id: Int64
    package var slug: String
    package var name: String
    package var pingKey: String
    package var schedule: StoredSchedule
    package var grace: Double
    package var maxRuntime: Double?
    package var kind: String
    package var chainParent: String?
    package var priority: String
    package var minSize: Int64?
    package var rpo: Double?
    package var rto: Double?
    package var owner: String?
    package var escalation: String?
    package var protects: String
    package var tags: String
    package var description: String?
    package var paused: Bool
    package var alerting: String
    package var createdAt: Double
    package var tests: String
    package var requireRestoreTest: Bool

    package init(
        id: Int64, slug: String, name: String, pingKey: String, schedule: StoredSchedule, grace: Double,
        maxRuntime: Double?, kind: String, chainParent: String?, priority: String, minSize: Int64?, rpo: Double?,
        rto: Double?, owner: String?, escalation: String?, protects: String, tags: String, description: String?,
        paused: Bool, alerting: String, createdAt: Double, tests: String, requireRestoreTest: Bool
    ) {
        self.id = id
        self.slug = slug
        self.name = name
        self.pingKey = pingKey
        self.schedule = schedule
        self.grace = grace
        self.maxRuntime = maxRuntime
        self.kind = kind
        self.chainParent = chainParent
        self.priority = priority
        self.minSize = minSize
        self.rpo = rpo
        self.rto = rto
        self.owner = owner
        self.escalation = escalation
        self.protects = protects
        self.tags = tags
        self.description = description
        self.paused = paused
        self.alerting = alerting
        self.createdAt = createdAt
        self.tests = tests
        self.requireRestoreTest = requireRestoreTest
    }

    package init(_ job: Job) {
        self.init(
            id: job.id ?? 0, slug: job.slug, name: job.name, pingKey: job.pingKey, schedule: StoredSchedule(job.schedule),
            grace: job.grace, maxRuntime: job.maxRuntime, kind: job.kind.rawValue, chainParent: job.chainParent,
            priority: job.priority.rawValue, minSize: job.minSize, rpo: job.rpo, rto: job.rto, owner: job.owner,
            escalation: job.escalation, protects: JSONText.encode(job.protects), tags: JSONText.encode(job.tags),
            description: job.description, paused: job.paused, alerting: StoredAlertSettings(job.alerting).json,
            createdAt: job.createdAt.timeIntervalSince1970, tests: JSONText.encode(job.tests),
            requireRestoreTest: job.requireRestoreTest)
    }

    /// Decodes job rows, reusing what repeats across jobs (JSON lists, alert settings, time zones): the
    /// board reads every job on every load.
    package struct Decoder {
        private var lists: [String: [String]] = [:]
        private var settings: [String: AlertSettings] = [:]
        private var zones: [String: TimeZone] = [:]

        package init() {}

        /// The job of `row`; throws `BoardError.database` at `path` when its schedule cannot be read.
        package mutating func job(_ row: StoredJob, path: String) throws -> Job {
            let schedule = try row.schedule.schedule(
                slug: row.slug, path: path, timeZone: { timeZone($0) }, list: { list($0) })
            return Job(
                id: row.id, slug: row.slug, name: row.name, pingKey: row.pingKey, schedule: schedule, grace: row.grace,
                maxRuntime: row.maxRuntime, kind: BackupKind(rawValue: row.kind) ?? .other, chainParent: row.chainParent,
                priority: JobPriority(rawValue: row.priority) ?? .medium, minSize: row.minSize, rpo: row.rpo,
                rto: row.rto, tests: list(row.tests), requireRestoreTest: row.requireRestoreTest, owner: row.owner, escalation: row.escalation, protects: list(row.protects),
                tags: list(row.tags), description: row.description, paused: row.paused,
                alerting: alertSettings(row.alerting), createdAt: Date(timeIntervalSince1970: row.createdAt))
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
