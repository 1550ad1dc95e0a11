import AsyncHTTPClient
import BoardHTTP
import BoardModel
import Foundation

/// Delivers one notification on one channel, or throws a `DeliveryError`.
package protocol NotificationSender: Sendable {
    /// What the receiver answered, when the delivery went through.
    @discardableResult
    func deliver(_ event: NotificationEvent, via channel: NotificationChannel) async throws -> DeliveryReceipt
}

/// The real sender: HTTP channels through `HTTPTransport` (AsyncHTTPClient), email through `SMTPClient`, the command channel as a
/// child process.
package struct ChannelSender: NotificationSender {
    /// How long one delivery may take before it counts as failed (and is retried).
    var timeout: TimeInterval = 10

    package init(timeout: TimeInterval = 10) {
        self.timeout = timeout
    }

    @discardableResult
    package func deliver(_ event: NotificationEvent, via channel: NotificationChannel) async throws -> DeliveryReceipt {
        switch channel.kind {
        case .email(let settings):
            try await SMTPClient(settings: settings, timeout: timeout).send(EmailMessage(event, settings: settings))
            return DeliveryReceipt(status: 250, answer: Array("accepted by \(settings.host):\(settings.port)".utf8))
        case .command(let command):
            return try await command.run(event, channel: channel.name)
        default:
            var receipt = DeliveryReceipt(status: 204, answer: [UInt8]())
            for notification in channel.httpNotifications(for: event) {
                receipt = try await send(notification, channel: channel.name)
            }
            return receipt
        }
    }

    private func send(_ notification: HTTPNotification, channel: String) async throws -> DeliveryReceipt {
        var request = HTTPClientRequest(url: notification.url.absoluteString)
        request.method = .init(rawValue: notification.method)
        for (name, value) in notification.headers { request.headers.replaceOrAdd(name: name, value: value) }
        if !notification.body.isEmpty { request.body = .bytes(notification.body) }
        let answer: HTTPAnswer
        do {
            answer = try await HTTPTransport.shared.send(request, timeout: timeout, limit: HTTPTransport.statusLimit)
        } catch {
            throw DeliveryError.temporary("\(channel): cannot reach \(Self.origin(notification.url)): \(error.reason)")
        }
        let status = answer.status
        guard !(200..<300).contains(status) else { return DeliveryReceipt(status: status, answer: answer.body) }
        let body = String(decoding: answer.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = "\(channel): HTTP \(status) from \(Self.origin(notification.url))" + (body.isEmpty ? "" : ": \(body)")
        // The receiver refused the request itself: sending it again will not help (but 408 and 429 ask to retry).
        if (400..<500).contains(status) && ![408, 425, 429].contains(status) {
            throw DeliveryError.permanent(message)
        }
        throw DeliveryError.temporary(message, retryAfter: Self.retryAfter(answer.header("Retry-After"), body: Data(answer.body)))
    }

    /// How long a 429 or 503 asks the sender to wait: `Retry-After` in seconds or as an HTTP date, else the
    /// `retry_after` of a JSON body (Discord's, or Telegram's `parameters.retry_after`).
    static func retryAfter(_ header: String?, body: Data, now: Date = Date()) -> TimeInterval? {
        if let text = header?.trimmingCharacters(in: .whitespaces) {
            if let seconds = Double(text), seconds >= 0 { return seconds }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            if let date = formatter.date(from: text) { return max(0, date.timeIntervalSince(now)) }
        }
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        let value = object["retry_after"] ?? (object["parameters"] as? [String: Any])?["retry_after"]
        return (value as? NSNumber)?.doubleValue
    }

    /// Scheme, host and port only: the path of a webhook URL often holds its secret token.
    static func origin(_ url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.host ?? "?")" + (url.port.map { ":\($0)" } ?? "")
    }
}
