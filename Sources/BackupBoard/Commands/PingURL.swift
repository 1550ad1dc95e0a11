/// The URL a backup script pings.
enum PingURL {
    /// Where `serve` listens by default.
    static let defaultServer = "http://127.0.0.1:8470"

    /// `SERVER/heartbeat/KEY`.
    static func url(server: String, key: String) -> String {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        return "\(base)/heartbeat/\(key)"
    }
}
