import BoardModel
import Foundation

/// ntfy (ntfy.sh or a server of one's own): the event published as JSON to the server's root, with the topic
/// named in the body, a priority and tags from its severity, and an optional access token.
package struct NtfyChannel: HTTPChannelFormat {
    /// The topic's URL, such as `https://ntfy.sh/backups`.
    var topicURL: URL
    var token: String?

    /// ntfy keeps messages up to 4,096 bytes as text (a longer one becomes an attachment).
    static let messageLimit = 4_096

    /// The server's root, where JSON is published.
    var serverURL: URL { topicURL.deletingLastPathComponent() }
    var topic: String { topicURL.lastPathComponent }

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        let body = Body(
            topic: topic, title: NotificationChannel.subject(event),
            message: NotificationChannel.plainText(event).cut(to: Self.messageLimit, .utf8),
            priority: Self.priority(event), tags: Self.tags(event))
        let auth = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        return [HTTPNotification(url: serverURL, json: NotificationChannel.json(body), for: event, headers: auth)]
    }

    /// ntfy's 1 (min) to 5 (urgent).
    static func priority(_ event: NotificationEvent) -> Int {
        guard event.action == .trigger else { return 3 }
        switch event.severity {
        case .emergency: return 5
        case .critical: return 4
        case .warning: return 3
        case .info: return 2
        }
    }

    /// An emoji shortcode (ntfy shows it before the title), then the alert kind.
    static func tags(_ event: NotificationEvent) -> [String] {
        let emoji = switch event.action {
        case .resolve, .info: "white_check_mark"
        case .acknowledge: "eyes"
        case .trigger:
            switch event.severity {
            case .emergency: "rotating_light"
            case .critical: "red_circle"
            case .warning: "warning"
            case .info: "information_source"
            }
        }
        return [emoji, event.alertKind?.rawValue ?? event.event]
    }

    private struct Body: Encodable {
        var topic: String
        var title: String
        var message: String
        var priority: Int
        var tags: [String]
    }
}
