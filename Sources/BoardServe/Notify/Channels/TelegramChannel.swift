import BoardModel
import Foundation

/// A Telegram bot writing to one chat (`sendMessage`): plain text, cut to Telegram's 4,096 UTF-16 units. The
/// bot token is part of the request's path, which no error or log line shows (they name the origin only).
package struct TelegramChannel: HTTPChannelFormat {
    /// The Bot API's origin; tests point it at loopback.
    var apiURL: URL
    var botToken: String
    var chatID: String

    static let apiEndpoint = URL(string: "https://api.telegram.org")!
    static let textLimit = 4_096

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        let url = apiURL.appendingPathComponent("bot\(botToken)").appendingPathComponent("sendMessage")
        let body = Body(chat_id: chatID, text: NotificationChannel.plainText(event).cut(to: Self.textLimit, .utf16))
        return [HTTPNotification(url: url, json: NotificationChannel.json(body), for: event)]
    }

    private struct Body: Encodable {
        struct LinkPreview: Encodable { var is_disabled = true }
        var chat_id: String
        var text: String
        var link_preview_options = LinkPreview()
    }
}
