import Foundation

/// A backup job: what is expected to run, how often, and how it is judged.
public struct Job: Sendable, Equatable, Identifiable {
    /// The store's row id; nil until the job is saved.
    public var id: Int64?
    /// Unique human name used on the command line and in the jobs file (`db-prod`).
    public var slug: String
    /// Display name.
    public var name: String
    /// The secret in the ping URL. Only its SHA-256 digest is used for lookups.
    public var pingKey: String
    /// When the job is expected to run.
    public var schedule: Schedule
    /// How late a run may start before the job is overdue.
    public var grace: TimeInterval
    /// How long a run may take; nil means one period of the schedule.
    public var maxRuntime: TimeInterval?
    /// What kind of backup this is.
    public var kind: BackupKind
    /// For an incremental or differential job, the slug of the full backup it builds on.
    public var chainParent: String?
    /// Sort key and routing field.
    public var priority: JobPriority
    /// A completed run smaller than this many bytes is a failure.
    public var minSize: Int64?
    /// Recovery point objective: the most data, in time, the business accepts to lose.
    public var rpo: TimeInterval?
    /// Recovery time objective: the longest a restore may take. Restore tests prove it (docs/restore-tests.md).
    public var rto: TimeInterval?
    /// For a job of kind `restore_test`, the slugs of the jobs whose backups it restores (it *proves* them).
    public var tests: [String]
    /// Whether a job with no restore test proving it raises `restore_overdue` and counts in `status`'s exit
    /// code; otherwise an untested job is only shown and counted as untested.
    public var requireRestoreTest: Bool
    /// Team or person responsible.
    public var owner: String?
    /// Who to escalate to (an address, a rota name).
    public var escalation: String?
    /// What this backup protects.
    public var protects: [String]
    /// Free tags, used by filters, mutes and maintenance windows.
    public var tags: [String]
    /// Free text.
    public var description: String?
    /// A paused job is shown as paused and never alerts.
    public var paused: Bool
    /// Per-job alert settings (docs/architecture.md §5).
    public var alerting: AlertSettings
    /// When the job was created; a job never seen is due from here.
    public var createdAt: Date

    /// Creates a job with the design's defaults for everything not given.
    public init(
        id: Int64? = nil, slug: String, name: String? = nil, pingKey: String, schedule: Schedule,
        grace: TimeInterval = 3600, maxRuntime: TimeInterval? = nil, kind: BackupKind = .other,
        chainParent: String? = nil, priority: JobPriority = .medium, minSize: Int64? = nil,
        rpo: TimeInterval? = nil, rto: TimeInterval? = nil, tests: [String] = [], requireRestoreTest: Bool = false,
        owner: String? = nil, escalation: String? = nil, protects: [String] = [], tags: [String] = [],
        description: String? = nil, paused: Bool = false, alerting: AlertSettings = AlertSettings(),
        createdAt: Date
    ) {
        self.id = id
        self.slug = slug
        self.name = name ?? slug
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
        self.tests = tests
        self.requireRestoreTest = requireRestoreTest
        self.owner = owner
        self.escalation = escalation
        self.protects = protects
        self.tags = tags
        self.description = description
        self.paused = paused
        self.alerting = alerting
        self.createdAt = createdAt
    }
}

/// The kind of backup a job makes.
public enum BackupKind: String, Sendable, Equatable, CaseIterable, Codable {
    case full, incremental, differential, snapshot, archive, other
    /// Not a backup: a drill that restores the backups of the jobs in `Job.tests` (docs/restore-tests.md).
    case restoreTest = "restore_test"
}

/// How much a job matters: a sort key and a routing field. Ordered from most to least important.
public enum JobPriority: String, Sendable, Equatable, CaseIterable, Codable, Comparable {
    case critical, high, medium, low

    /// 0 for critical, 3 for low.
    public var rank: Int {
        switch self {
        case .critical: 0
        case .high: 1
        case .medium: 2
        case .low: 3
        }
    }

    public static func < (a: JobPriority, b: JobPriority) -> Bool { a.rank < b.rank }
}

/// Per-job alert settings; every field has the design's default.
public struct AlertSettings: Sendable, Equatable, Codable {
    /// A size that differs from the window's mean by more than this fraction is an anomaly (0.5 = 50%).
    public var sizeAnomalyFactor: Double
    /// A duration above this multiple of the window's mean is an anomaly.
    public var durationAnomalyHigh: Double
    /// A duration below this multiple of the window's mean is an anomaly.
    public var durationAnomalyLow: Double
    /// How many of the latest good runs the anomaly rules average.
    public var anomalyWindow: Int
    /// Fewer good runs than this and the anomaly rules say nothing.
    public var anomalyMinRuns: Int
    /// `delayed` becomes critical once this many further whole periods are missed.
    public var delayedEscalationPeriods: Int
    /// `flaky` opens when at least this many of the job's last `flakyWindow` finished runs needed a retry.
    public var flakyRuns: Int
    /// How many of the latest finished runs the flaky rule looks at.
    public var flakyWindow: Int
    /// `restore_overdue` becomes critical once this many further periods of the restore test pass.
    public var restoreEscalationPeriods: Int
    /// Severity overrides by alert kind.
    public var severities: [AlertKind: AlertSeverity]

    public init(
        sizeAnomalyFactor: Double = 0.5, durationAnomalyHigh: Double = 2.0, durationAnomalyLow: Double = 0.5,
        anomalyWindow: Int = 10, anomalyMinRuns: Int = 3, delayedEscalationPeriods: Int = 1,
        flakyRuns: Int = 3, flakyWindow: Int = 10, restoreEscalationPeriods: Int = 1, severities: [AlertKind: AlertSeverity] = [:]
    ) {
        self.sizeAnomalyFactor = sizeAnomalyFactor
        self.durationAnomalyHigh = durationAnomalyHigh
        self.durationAnomalyLow = durationAnomalyLow
        self.anomalyWindow = anomalyWindow
        self.anomalyMinRuns = anomalyMinRuns
        self.delayedEscalationPeriods = delayedEscalationPeriods
        self.flakyRuns = flakyRuns
        self.flakyWindow = flakyWindow
        self.restoreEscalationPeriods = restoreEscalationPeriods
        self.severities = severities
    }

    /// The severity for an alert kind: the job's override, else the design's default.
    public func severity(for kind: AlertKind) -> AlertSeverity {
        severities[kind] ?? kind.defaultSeverity
    }
}

extension Job {
    /// Why `slug` cannot name a job, or nil: slugs are 1–64 lowercase letters, digits, `-` and `_`,
    /// starting with a letter or digit, so they are safe in URLs, file names and shell commands.
    public static func problem(withSlug slug: String) -> String? {
        if slug.isEmpty { return "a job slug cannot be empty" }
        if slug.count > 64 { return "job slug '\(slug)' is longer than 64 characters" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        guard slug.allSatisfy(allowed.contains), slug.first != "-", slug.first != "_" else {
            return "job slug '\(slug)' may hold only lowercase letters, digits, - and _, and must start with a letter or digit"
        }
        return nil
    }
}
