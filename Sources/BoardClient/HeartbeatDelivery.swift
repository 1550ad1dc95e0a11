import Foundation

/// One heartbeat on its way to the server: where it goes, what it says, the id that makes retries
/// harmless, and when it was made. It is also exactly what the spool keeps on disk.
package struct HeartbeatDelivery: Codable, Equatable, Sendable {
    /// The full ping URL, `SERVER/heartbeat/KEY`.
    package var url: String
    /// The JSON body, as sent.
    package var body: String
    /// The `Heartbeat-Id` header: the same on every attempt and every later delivery from the spool.
    package var heartbeatID: String
    /// When the heartbeat was made; sent as `Heartbeat-Sent-At` when it is delivered late from the spool.
    package var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case url, body
        case heartbeatID = "heartbeat_id"
        case createdAt = "created_at"
    }

    package init(url: String, body: String, heartbeatID: String = UUID().uuidString.lowercased(), createdAt: Date = Date()) {
        self.url = url
        self.body = body
        self.heartbeatID = heartbeatID
        self.createdAt = createdAt
    }

    /// A delivery whose body is `fields` as a JSON object (keys sorted, so bodies are stable).
    package init(url: String, fields: [String: HeartbeatValue], createdAt: Date = Date()) {
        self.init(url: url, body: HeartbeatValue.jsonObject(fields), createdAt: createdAt)
    }

    /// The server the heartbeat goes to, `scheme://host:port`: the spool keeps one queue per server, so a
    /// server that cannot be reached never holds back another's heartbeats.
    package var server: String { Self.server(of: url) }

    /// `scheme://host:port` of a URL (the URL itself when it has no scheme and host).
    package static func server(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased() else { return url }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)"
    }

    /// The body's `status`, for listings; `ping` when it has none (the server reads that as a success).
    package var statusWord: String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let status = object["status"] as? String else { return "ping" }
        return status
    }

    /// `2026-11-27T01:09:48.123Z`: the form of `Heartbeat-Sent-At` and of the spool's `created_at`.
    package static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Reads `timestamp(_:)`'s form, with or without fractional seconds.
    static func date(fromTimestamp text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// A value in a heartbeat body: the client only ever sends strings and numbers.
package enum HeartbeatValue: Equatable, Sendable {
    case text(String)
    case integer(Int64)
    case number(Double)

    var jsonObject: Any {
        switch self {
        case .text(let text): text
        case .integer(let value): value
        case .number(let value): value
        }
    }

    /// `fields` as one line of JSON with sorted keys.
    static func jsonObject(_ fields: [String: HeartbeatValue]) -> String {
        let object = fields.mapValues(\.jsonObject)
        // Strings, integers and finite doubles always serialize.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Seconds rounded to milliseconds, so bodies do not carry float noise.
    package static func seconds(_ interval: TimeInterval) -> HeartbeatValue {
        .number((interval * 1_000).rounded() / 1_000)
    }
}
