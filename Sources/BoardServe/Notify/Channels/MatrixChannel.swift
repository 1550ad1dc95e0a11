import BoardModel
import Foundation

/// A Matrix room, written to with the client-server API (`PUT …/send/m.room.message/{txnId}`) as an
/// `m.notice`. The transaction id is derived from the event id, so the homeserver drops a retry of a message
/// it already took instead of showing it twice.
package struct MatrixChannel: HTTPChannelFormat {
    /// The homeserver's base URL, such as `https://matrix.example.org`.
    var homeserver: URL
    /// The room id, such as `!abcdef:example.org`.
    var room: String
    var accessToken: String

    /// Bytes of text kept: a Matrix event may not exceed 65,536 bytes, and the text is sent twice (plain, HTML).
    static let textLimit = 16_000

    /// Path segments are encoded on their own: a room id holds `!` and `:`.
    private static let segment = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    /// The transaction id of `event`: one per event, whatever the attempt.
    static func transactionID(_ event: NotificationEvent) -> String { "backupboard-\(event.id)" }

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: Self.segment) ?? text }
        var base = homeserver.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let path = "/_matrix/client/v3/rooms/\(encoded(room))/send/m.room.message/\(encoded(Self.transactionID(event)))"
        let url = URL(string: base + path) ?? homeserver
        let text = NotificationChannel.plainText(event).cut(to: Self.textLimit, .utf8)
        let subject = NotificationChannel.subject(event)
        let details = String(text.dropFirst(subject.count)).trimmingCharacters(in: .newlines)
        let html = "<strong>\(Self.escaped(subject))</strong>" + (details.isEmpty ? "" : "<br>" + Self.escaped(details).replacingOccurrences(of: "\n", with: "<br>"))
        let body = Body(body: text, formatted_body: html)
        return [HTTPNotification(
            method: "PUT", url: url, json: NotificationChannel.json(body), for: event, headers: ["Authorization": "Bearer \(accessToken)"])]
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private struct Body: Encodable {
        var msgtype = "m.notice"
        var body: String
        var format = "org.matrix.custom.html"
        var formatted_body: String
    }
}
