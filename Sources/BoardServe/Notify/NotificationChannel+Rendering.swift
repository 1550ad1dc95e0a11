import BoardModel
import Foundation

/// One HTTP POST a channel makes for an event.
struct HTTPNotification: Sendable, Equatable {
    var url: URL
    var headers: [String: String]
    var body: [UInt8]
}

extension NotificationChannel {
    /// The POST this channel makes for `event`; nil for email. Every request carries the event id as its
    /// `Idempotency-Key`, so receivers can drop the repeats that at-least-once delivery allows.
    func httpNotification(for event: NotificationEvent) -> HTTPNotification? {
        let headers = ["Content-Type": "application/json", "Idempotency-Key": event.id, "User-Agent": "backupboard"]
        switch kind {
        case .webhook(let url):
            return HTTPNotification(url: url, headers: headers, body: Self.json(WebhookBody(event)))
        case .slack(let url):
            return HTTPNotification(url: url, headers: headers, body: Self.json(["text": Self.text(event, markdown: true)]))
        case .pagerDuty(let url, let routingKey):
            return HTTPNotification(url: url, headers: headers, body: Self.json(PagerDutyBody(event, routingKey: routingKey)))
        case .email:
            return nil
        }
    }

    /// One readable line, then the details: `:red_circle: CRITICAL failed — db-prod: backup failed (exit 2)`.
    static func text(_ event: NotificationEvent, markdown: Bool) -> String {
        let subject = subject(event)
        var lines = [markdown ? "\(icon(event)) *\(subject)*" : subject]
        if event.event != NotificationEventName.digest {
            lines.append(event.message)
        } else {
            lines.append(contentsOf: event.message.split(separator: "\n").dropFirst().map(String.init))
        }
        if let openedAt = event.openedAt, event.action != .info {
            lines.append("opened \(Self.timestamp(openedAt))" + (event.alertID.map { " · alert #\($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    /// `RESOLVED failed — db-prod`, `CRITICAL failed — db-prod`, `Daily digest: 2 open alerts (…)`.
    static func subject(_ event: NotificationEvent) -> String {
        let what = event.alertKind?.rawValue ?? event.event
        let target = event.jobSlug ?? (event.alertKind == .fleet ? "fleet" : nil)
        switch event.action {
        case .resolve: return "RESOLVED \(what)" + (target.map { " — \($0)" } ?? "")
        case .acknowledge: return "ACKNOWLEDGED \(what)" + (target.map { " — \($0)" } ?? "")
        case .info:
            if event.event == NotificationEventName.digest { return String(event.message.prefix { $0 != "\n" }) }
            return "OK \(what)" + (target.map { " — \($0)" } ?? "")
        case .trigger:
            let again = event.renotification.map { " (reminder \($0))" } ?? ""
            return "\(event.severity.rawValue.uppercased()) \(what)" + (target.map { " — \($0)" } ?? "") + again
        }
    }

    private static func icon(_ event: NotificationEvent) -> String {
        switch event.action {
        case .resolve, .info: return ":large_green_circle:"
        case .acknowledge: return ":eyes:"
        case .trigger:
            switch event.severity {
            case .emergency, .critical: return ":red_circle:"
            case .warning: return ":large_orange_circle:"
            case .info: return ":large_blue_circle:"
            }
        }
    }

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime])
    }

    private static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        // Strings, numbers and dates only: encoding cannot fail.
        return (try? encoder.encode(value)).map(Array.init) ?? []
    }
}

/// The generic webhook's JSON: the event, with snake_case keys.
private struct WebhookBody: Encodable {
    var id: String
    var event: String
    var action: String
    var severity: String
    var alert_id: Int64?
    var alert_kind: String?
    var job: String?
    var job_name: String?
    var message: String
    var occurred_at: Date
    var opened_at: Date?
    var folded_jobs: Int?
    var renotification: Int?

    init(_ event: NotificationEvent) {
        id = event.id
        self.event = event.event
        action = event.action.rawValue
        severity = event.severity.rawValue
        alert_id = event.alertID
        alert_kind = event.alertKind?.rawValue
        job = event.jobSlug
        job_name = event.jobName
        message = event.message
        occurred_at = event.occurredAt
        opened_at = event.openedAt
        folded_jobs = event.foldedJobs
        renotification = event.renotification
    }
}

/// A PagerDuty Events API v2 event. Trigger, acknowledge and resolve of one alert share its `dedup_key`: the
/// alert's id. Events about no alert (a digest, a good run) trigger under their own event id.
private struct PagerDutyBody: Encodable {
    struct Payload: Encodable {
        var summary: String
        var source: String
        var severity: String
        var timestamp: Date
        var component: String?
        var custom_details: [String: String]
    }

    var routing_key: String
    var event_action: String
    var dedup_key: String
    var payload: Payload?

    init(_ event: NotificationEvent, routingKey: String) {
        routing_key = routingKey
        dedup_key = event.alertID.map(String.init) ?? event.id
        switch event.action {
        case .acknowledge: event_action = "acknowledge"
        case .resolve: event_action = "resolve"
        case .trigger, .info: event_action = "trigger"
        }
        guard event_action == "trigger" else { return }
        let severity = switch event.severity {
        case .emergency: "critical"
        case .critical: "error"
        case .warning: "warning"
        case .info: "info"
        }
        payload = Payload(
            summary: String((NotificationChannel.subject(event) + ": " + event.message).prefix(1_024)),
            source: event.jobSlug ?? "backupboard", severity: severity, timestamp: event.occurredAt,
            component: event.alertKind?.rawValue, custom_details: ["event_id": event.id, "message": event.message])
    }
}
