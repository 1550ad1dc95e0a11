import BoardModel
import Foundation

/// One HTTP request a channel makes for an event.
struct HTTPNotification: Sendable, Equatable {
    var method = "POST"
    var url: URL
    var headers: [String: String]
    var body: [UInt8]

    /// A JSON request with the headers every channel sends: the event id as `Idempotency-Key`, so receivers
    /// can drop the repeats that at-least-once delivery allows.
    init(method: String = "POST", url: URL, json body: [UInt8], for event: NotificationEvent, headers extra: [String: String] = [:]) {
        self.method = method
        self.url = url
        self.body = body
        headers = ["Content-Type": "application/json", "Idempotency-Key": event.id, "User-Agent": "backupboard"]
            .merging(extra) { $1 }
    }

    init(method: String, url: URL, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A service reached over HTTP: how it words an event as requests (one, for all but Pushover's cancel of an
/// emergency). One type per service, in `Channels/`.
protocol HTTPChannelFormat: Sendable, Equatable {
    func requests(for event: NotificationEvent) -> [HTTPNotification]
}

extension NotificationChannel {
    /// The requests this channel makes for `event`, in order; none for email and the command channel.
    func httpNotifications(for event: NotificationEvent) -> [HTTPNotification] {
        switch kind {
        case .webhook(let format as any HTTPChannelFormat), .ntfy(let format as any HTTPChannelFormat),
            .discord(let format as any HTTPChannelFormat), .telegram(let format as any HTTPChannelFormat),
            .teams(let format as any HTTPChannelFormat), .matrix(let format as any HTTPChannelFormat),
            .opsgenie(let format as any HTTPChannelFormat), .pushover(let format as any HTTPChannelFormat),
            .gotify(let format as any HTTPChannelFormat):
            return format.requests(for: event)
        case .slack(let url):
            return [HTTPNotification(url: url, json: Self.json(["text": Self.text(event, markdown: true)]), for: event)]
        case .pagerDuty(let url, let routingKey):
            return [HTTPNotification(url: url, json: Self.json(PagerDutyBody(event, routingKey: routingKey)), for: event)]
        case .email, .command:
            return []
        }
    }

    /// The plain-text form, for services that show text as it is.
    static func plainText(_ event: NotificationEvent) -> String {
        text(event, markdown: false)
    }

    /// The text below the title (Pushover and Gotify refuse an empty message).
    static func details(_ event: NotificationEvent) -> String {
        let lines = NotificationChannel.plainText(event).split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        let text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? NotificationChannel.subject(event) : text
    }

    /// The event's colour by what it says: red for emergency and critical, orange for warning, blue for info,
    /// green for a resolve or a good run, grey for an acknowledge (RGB, as Discord's embeds take it).
    static func colour(_ event: NotificationEvent) -> Int {
        switch event.action {
        case .resolve, .info: return 0x2E_B8_6E
        case .acknowledge: return 0x95_A5_A6
        case .trigger:
            switch event.severity {
            case .emergency: return 0x99_00_00
            case .critical: return 0xE0_1E_1E
            case .warning: return 0xF2_8C_28
            case .info: return 0x36_88_E8
            }
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

    static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        // Strings, numbers and dates only: encoding cannot fail.
        return (try? encoder.encode(value)).map(Array.init) ?? []
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
