import Foundation

/// What a notification asks the receiver to do with the incident behind it. PagerDuty maps these onto its
/// `event_action`; the other channels only word their message by it.
public enum NotificationAction: String, Sendable, Equatable, Codable {
    /// An alert opened, escalated, or is still unacknowledged (a re-notification).
    case trigger
    case acknowledge
    case resolve
    /// Nothing to open or close: a run that succeeded, the daily digest.
    case info
}

/// One notification, as the outbox stores it (JSON) and every channel renders it. Channel-independent: the
/// channel's format (and its secrets, such as a PagerDuty routing key) are applied when it is delivered.
public struct NotificationEvent: Sendable, Equatable, Codable {
    /// Stable id of the event: the same event always gets the same id, so it is enqueued once and receivers
    /// can drop repeats (`Idempotency-Key`, email `Message-ID`).
    public var id: String
    /// The routable name: an alert kind (`failed`, `delayed`, …), `acknowledged`, `resolved`, `succeeded`
    /// or `digest`.
    public var event: String
    public var action: NotificationAction
    public var severity: AlertSeverity
    /// The alert it is about; its id is PagerDuty's `dedup_key`.
    public var alertID: Int64?
    public var alertKind: AlertKind?
    public var jobSlug: String?
    public var jobName: String?
    /// One line a person reads.
    public var message: String
    /// When the thing it reports happened (opened, acknowledged, resolved, run ended, digest time).
    public var occurredAt: Date
    /// When the alert opened, for alert events.
    public var openedAt: Date?
    /// How many job alerts a fleet alert folds (they are not notified one by one).
    public var foldedJobs: Int?
    /// 1, 2, … for re-notifications of an unacknowledged alert; nil otherwise.
    public var renotification: Int?
    /// The job's tags, for receivers that route by them (a webhook's `$TAGS`).
    public var tags: [String]?
    /// The run it reports, when it reports one (a `succeeded` event): its size, duration and exit status.
    public var sizeBytes: Int64?
    public var duration: TimeInterval?
    public var exitStatus: Int?

    public init(
        id: String, event: String, action: NotificationAction, severity: AlertSeverity, alertID: Int64? = nil,
        alertKind: AlertKind? = nil, jobSlug: String? = nil, jobName: String? = nil, message: String,
        occurredAt: Date, openedAt: Date? = nil, foldedJobs: Int? = nil, renotification: Int? = nil, tags: [String]? = nil,
        sizeBytes: Int64? = nil, duration: TimeInterval? = nil, exitStatus: Int? = nil
    ) {
        self.id = id
        self.event = event
        self.action = action
        self.severity = severity
        self.alertID = alertID
        self.alertKind = alertKind
        self.jobSlug = jobSlug
        self.jobName = jobName
        self.message = message
        self.occurredAt = occurredAt
        self.openedAt = openedAt
        self.foldedJobs = foldedJobs
        self.renotification = renotification
        self.tags = tags
        self.sizeBytes = sizeBytes
        self.duration = duration
        self.exitStatus = exitStatus
    }

    /// The event `backupboard notify test` sends through one channel: every channel renders it as it renders a
    /// real notification, so a receiver that accepts it accepts the others.
    public static func test(channel: String, at date: Date) -> NotificationEvent {
        let stamp = Int64((date.timeIntervalSince1970 * 1_000).rounded())
        return NotificationEvent(
            id: "test-\(channel)-\(stamp)", event: NotificationEventName.test, action: .info, severity: .info,
            message: "Test notification from backupboard notify test: the channel '\(channel)' works.", occurredAt: date)
    }

    /// The JSON the outbox keeps (ISO 8601 dates, sorted keys).
    public func encoded() -> [UInt8] {
        // Encoding a struct of strings, numbers and dates cannot fail.
        (try? Self.encoder.encode(self)).map(Array.init) ?? []
    }

    /// Reads an outbox payload back.
    public static func decode(_ payload: [UInt8]) throws -> NotificationEvent {
        do {
            return try decoder.decode(NotificationEvent.self, from: Data(payload))
        } catch {
            throw BoardError.invalidValue("Unreadable notification payload in the outbox: \(error)")
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

/// The routable event names that are not alert kinds.
public enum NotificationEventName {
    public static let acknowledged = "acknowledged"
    public static let resolved = "resolved"
    public static let succeeded = "succeeded"
    public static let digest = "digest"
    /// `backupboard notify test`: sent to one channel, never routed.
    public static let test = "test"

    /// Every name a route may list: the alert kinds and the four above.
    public static var all: [String] {
        AlertKind.allCases.map(\.rawValue) + [acknowledged, resolved, succeeded, digest]
    }
}
