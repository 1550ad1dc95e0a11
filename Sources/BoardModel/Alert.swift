import Foundation

/// What an alert is about.
public enum AlertKind: String, Sendable, Equatable, CaseIterable, Codable {
    case delayed
    case failed
    case verificationFailed = "verification_failed"
    case runningTooLong = "running_too_long"
    case sizeAnomaly = "size_anomaly"
    case durationAnomaly = "duration_anomaly"
    case chainBroken = "chain_broken"
    case rpoBreach = "rpo_breach"
    case flaky
    case restoreOverdue = "restore_overdue"
    case rtoBreach = "rto_breach"
    case restoreFailed = "restore_failed"
    case fleet
    case monitorOutage = "monitor_outage"
    /// A server ping key reached its `max_creates_per_hour`: a ping with `?create=1` was refused (429).
    case autoCreateLimit = "auto_create_limit"

    /// The severity the design gives this kind when a job does not override it.
    public var defaultSeverity: AlertSeverity {
        switch self {
        case .delayed, .monitorOutage: .info
        case .failed, .rpoBreach, .rtoBreach, .restoreFailed, .fleet: .critical
        case .verificationFailed, .chainBroken: .emergency
        case .runningTooLong, .sizeAnomaly, .durationAnomaly, .flaky, .restoreOverdue, .autoCreateLimit: .warning
        }
    }
}

/// How loud an alert is. Ordered by rank: info < warning < critical < emergency.
public enum AlertSeverity: String, Sendable, Equatable, CaseIterable, Codable, Comparable {
    case info, warning, critical, emergency

    /// 0 for info up to 3 for emergency.
    public var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        case .emergency: 3
        }
    }

    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a.rank < b.rank }
}

/// One alert: opened when a condition becomes true, resolved when it clears.
public struct Alert: Sendable, Equatable, Identifiable {
    /// Store row id; also the stable id notifications use (PagerDuty's dedup key).
    public var id: Int64?
    public var kind: AlertKind
    public var severity: AlertSeverity
    /// The job it concerns; nil for fleet-wide alerts.
    public var jobID: Int64?
    public var message: String
    public var openedAt: Date
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var acknowledgementNote: String?
    public var resolvedAt: Date?

    public init(
        id: Int64? = nil, kind: AlertKind, severity: AlertSeverity, jobID: Int64?, message: String,
        openedAt: Date, acknowledgedAt: Date? = nil, acknowledgedBy: String? = nil,
        acknowledgementNote: String? = nil, resolvedAt: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        self.severity = severity
        self.jobID = jobID
        self.message = message
        self.openedAt = openedAt
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgementNote = acknowledgementNote
        self.resolvedAt = resolvedAt
    }

    /// Open means not yet resolved.
    public var isOpen: Bool { resolvedAt == nil }
    public var isAcknowledged: Bool { acknowledgedAt != nil }
}

/// What a mute silences.
public enum MuteScope: Sendable, Equatable, Hashable {
    case job(String)
    case tag(String)
    case fleet
}

/// A silence: alerts in scope still open and show, but do not notify, until `until`.
public struct Mute: Sendable, Equatable, Identifiable {
    public var id: Int64?
    public var scope: MuteScope
    public var until: Date
    public var createdBy: String
    public var reason: String
    public var createdAt: Date

    public init(id: Int64? = nil, scope: MuteScope, until: Date, createdBy: String, reason: String, createdAt: Date) {
        self.id = id
        self.scope = scope
        self.until = until
        self.createdBy = createdBy
        self.reason = reason
        self.createdAt = createdAt
    }

    /// The longest mute that need not be said to last `forever`: a year. Longer is almost always a typo
    /// (`99999999d`), and a silence that long is one nobody remembers.
    public static let longest: TimeInterval = 366 * 86_400

    /// The end of a mute said to last `forever` (`mute --for forever`, the API's `"until": "forever"`).
    public static let forever = Date.distantFuture

    /// Why a mute made at `now` cannot end at `until`, or nil when it can.
    public static func problem(until: Date, now: Date) -> String? {
        if until <= now { return "a mute must end in the future" }
        if until != forever, until.timeIntervalSince(now) > longest {
            return "a mute ends within a year; say forever to mean a silence with no end"
        }
        return nil
    }

    /// Whether this mute silences `job` at `now`.
    public func covers(_ job: Job, at now: Date) -> Bool {
        guard now < until else { return false }
        switch scope {
        case .fleet: return true
        case .job(let slug): return slug == job.slug
        case .tag(let tag): return job.tags.contains(tag)
        }
    }
}
