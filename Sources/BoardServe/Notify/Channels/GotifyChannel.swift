import BoardModel
import Foundation

/// Gotify (`POST /message`): the application token in the `X-Gotify-Key` header (never in the URL, which
/// proxies log), a priority from 0 to 10 by severity.
package struct GotifyChannel: HTTPChannelFormat {
    /// The server's base URL, such as `https://gotify.example.org`.
    var url: URL
    var appToken: String

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        let body = Body(
            title: NotificationChannel.subject(event), message: NotificationChannel.details(event), priority: Self.priority(event))
        return [HTTPNotification(
            url: url.appendingPathComponent("message"), json: NotificationChannel.json(body), for: event,
            headers: ["X-Gotify-Key": appToken])]
    }

    static func priority(_ event: NotificationEvent) -> Int {
        guard event.action == .trigger else { return 4 }
        switch event.severity {
        case .emergency: return 10
        case .critical: return 8
        case .warning: return 5
        case .info: return 2
        }
    }

    private struct Body: Encodable {
        struct Display: Encodable { var contentType = "text/plain" }
        var title: String
        var message: String
        var priority: Int
        var extras = ["client::display": Display()]
    }
}
