import Foundation

/// One heartbeat request as the HTTP layer hands it to `HeartbeatIngest`: the parsed URL, the headers
/// that matter, where it came from, and the body as collected. Plain data, so ingest is tested
/// without a socket.
struct PingDelivery: Sendable {
    var method: String
    var path: IngestPath
    /// Percent-decoded, in order.
    var query: [(name: String, value: String)] = []
    var contentType: String?
    /// `Heartbeat-Id`: unique per delivery; a repeat for the same job is stored once.
    var heartbeatID: String?
    /// `Heartbeat-Sent-At`, set by our own spool when it delivers late.
    var sentAtHeader: String?
    var userAgent: String?
    /// The client's address (after trusted proxies).
    var source: String?
    var body = BodyCollector()
}

/// What ingest answers: status, a short text body, and whether to close the connection.
struct IngestReply: Sendable, Equatable {
    var status: Int
    var body: String
    var closeConnection = false

    static let stored = IngestReply(status: 200, body: "OK\n")
    /// `serve --decode-only`: parsed, deliberately not stored.
    static let decodedNotStored = IngestReply(status: 200, body: "decoded, not stored\n")
    static let unknownKey = IngestReply(status: 404, body: "unknown ping key\n")
    static func unavailable(_ reason: String) -> IngestReply {
        IngestReply(status: 503, body: "cannot store the heartbeat now: \(reason)\n")
    }
}
