import BoardModel
import Foundation

/// Opsgenie's Alert API: a trigger creates an alert whose alias is BackupBoard's alert id, so the acknowledge
/// and the resolve (`close`) of that alert reach the same Opsgenie alert. Within Opsgenie's limits: message 130
/// characters, description 15,000, tags 50 each.
package struct OpsgenieChannel: HTTPChannelFormat {
    /// The API's origin (`https://api.eu.opsgenie.com` for the EU instance); tests point it at loopback.
    var apiURL: URL
    var apiKey: String

    static let apiEndpoint = URL(string: "https://api.opsgenie.com")!

    /// The alias of the alert `event` is about; events about no alert use their own id.
    static func alias(_ event: NotificationEvent) -> String {
        event.alertID.map { "backupboard-alert-\($0)" } ?? "backupboard-\(event.id)"
    }

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        let auth = ["Authorization": "GenieKey \(apiKey)"]
        let alias = Self.alias(event)
        let alerts = apiURL.appendingPathComponent("v2").appendingPathComponent("alerts")
        switch event.action {
        case .acknowledge, .resolve:
            let verb = event.action == .acknowledge ? "acknowledge" : "close"
            var components = URLComponents(url: alerts.appendingPathComponent(alias).appendingPathComponent(verb), resolvingAgainstBaseURL: false)
            components?.queryItems = [URLQueryItem(name: "identifierType", value: "alias")]
            let body = Action(note: NotificationChannel.subject(event).cut(to: 25_000, .scalars))
            return [HTTPNotification(url: components?.url ?? alerts, json: NotificationChannel.json(body), for: event, headers: auth)]
        case .trigger, .info:
            var details = ["event_id": event.id, "event": event.event]
            if let job = event.jobSlug { details["job"] = job }
            let body = Create(
                message: NotificationChannel.subject(event).cut(to: 130, .scalars), alias: alias,
                description: NotificationChannel.plainText(event).cut(to: 15_000, .scalars),
                priority: Self.priority(event), entity: event.jobSlug,
                tags: (["backupboard", event.alertKind?.rawValue ?? event.event] + (event.tags ?? [])).prefix(20).map { $0.cut(to: 50, .scalars) },
                details: details)
            return [HTTPNotification(url: alerts, json: NotificationChannel.json(body), for: event, headers: auth)]
        }
    }

    /// P1 (emergency) to P5 (news).
    static func priority(_ event: NotificationEvent) -> String {
        guard event.action == .trigger else { return "P5" }
        switch event.severity {
        case .emergency: return "P1"
        case .critical: return "P2"
        case .warning: return "P3"
        case .info: return "P4"
        }
    }

    private struct Create: Encodable {
        var message: String
        var alias: String
        var description: String
        var priority: String
        var entity: String?
        var source = "backupboard"
        var tags: [String]
        var details: [String: String]
    }

    private struct Action: Encodable {
        var source = "backupboard"
        var user = "backupboard"
        var note: String
    }
}
