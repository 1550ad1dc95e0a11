import BoardModel
import Foundation

/// Pushover (`/1/messages.json`): the title and message within Pushover's 250 and 1,024 characters, a priority
/// from the severity. An emergency is sent at priority 2 (repeated until someone acknowledges it in the app),
/// tagged with its alert; its acknowledge or resolve first cancels that repetition (`cancel_by_tag`), then says so.
package struct PushoverChannel: HTTPChannelFormat {
    /// The API's origin; tests point it at loopback.
    var apiURL: URL
    /// The application's API token.
    var appToken: String
    /// The user or group key to notify.
    var userKey: String

    static let apiEndpoint = URL(string: "https://api.pushover.net")!

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        let tag = event.alertID.map { "backupboard-alert-\($0)" }
        let emergency = event.severity == .emergency
        var requests: [HTTPNotification] = []
        if emergency, let tag, event.action == .acknowledge || event.action == .resolve {
            let cancel = apiURL.appendingPathComponent("1/receipts/cancel_by_tag/\(tag).json")
            requests.append(HTTPNotification(url: cancel, json: NotificationChannel.json(["token": appToken]), for: event))
        }
        let priority = Self.priority(event)
        var message = Message(
            token: appToken, user: userKey, title: NotificationChannel.subject(event).cut(to: 250, .scalars),
            message: NotificationChannel.details(event).cut(to: 1_024, .scalars), priority: priority,
            timestamp: Int(event.occurredAt.timeIntervalSince1970))
        if priority == 2 {
            message.retry = 60
            message.expire = 3_600
            message.tags = tag
        }
        requests.append(HTTPNotification(
            url: apiURL.appendingPathComponent("1/messages.json"), json: NotificationChannel.json(message), for: event))
        return requests
    }

    /// Pushover's -2 (silent) to 2 (emergency, repeated until acknowledged).
    static func priority(_ event: NotificationEvent) -> Int {
        guard event.action == .trigger else { return 0 }
        switch event.severity {
        case .emergency: return 2
        case .critical: return 1
        case .warning: return 0
        case .info: return -1
        }
    }

    private struct Message: Encodable {
        var token: String
        var user: String
        var title: String
        var message: String
        var priority: Int
        var timestamp: Int
        var retry: Int?
        var expire: Int?
        var tags: String?
    }
}
