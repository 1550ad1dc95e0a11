import BoardModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Delivers one notification on one channel, or throws a `DeliveryError`.
package protocol NotificationSender: Sendable {
    func deliver(_ event: NotificationEvent, via channel: NotificationChannel) async throws
}

/// The real sender: HTTP channels through URLSession, email through `SMTPClient`.
package struct ChannelSender: NotificationSender {
    /// How long one delivery may take before it counts as failed (and is retried).
    var timeout: TimeInterval = 10
    private let session: URLSession

    package init(timeout: TimeInterval = 10) {
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 8
        session = URLSession(configuration: configuration)
    }

    package func deliver(_ event: NotificationEvent, via channel: NotificationChannel) async throws {
        if case .email(let settings) = channel.kind {
            try await SMTPClient(settings: settings, timeout: timeout).send(EmailMessage(event, settings: settings))
            return
        }
        guard let notification = channel.httpNotification(for: event) else { return }
        try await post(notification, channel: channel.name)
    }

    private func post(_ notification: HTTPNotification, channel: String) async throws {
        var request = URLRequest(url: notification.url)
        request.httpMethod = "POST"
        for (name, value) in notification.headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(notification.body)
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw DeliveryError.temporary("\(channel): cannot reach \(Self.origin(notification.url)): \(error.localizedDescription)")
        }
        guard let status = (response as? HTTPURLResponse)?.statusCode else {
            throw DeliveryError.temporary("\(channel): no HTTP response from \(Self.origin(notification.url))")
        }
        guard !(200..<300).contains(status) else { return }
        let body = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = "\(channel): HTTP \(status) from \(Self.origin(notification.url))" + (body.isEmpty ? "" : ": \(body)")
        // The receiver refused the request itself: sending it again will not help (but 408 and 429 ask to retry).
        if (400..<500).contains(status) && ![408, 425, 429].contains(status) {
            throw DeliveryError.permanent(message)
        }
        throw DeliveryError.temporary(message)
    }

    /// Scheme, host and port only: the path of a webhook URL often holds its secret token.
    static func origin(_ url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.host ?? "?")" + (url.port.map { ":\($0)" } ?? "")
    }
}
