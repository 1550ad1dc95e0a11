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
    /// A ping by slug with `?create=1` that created its job.
    static let created = IngestReply(status: 201, body: "Created\n")
    /// `serve --decode-only`: parsed, deliberately not stored.
    static let decodedNotStored = IngestReply(status: 200, body: "decoded, not stored\n")
    /// Healthchecks clients look for "not found" (docs/api.md).
    static let unknownKey = IngestReply(status: 404, body: "not found: unknown ping key\n")
    static func unknownSlug(_ slug: String) -> IngestReply {
        IngestReply(status: 404, body: "not found: no job '\(slug.prefix(64))' (add ?create=1 to create it)\n")
    }
    /// `?create=1` on a server without `[auto_create]`.
    static let autoCreateOff = IngestReply(
        status: 400, body: "create=1 is refused: the serve config has no [auto_create] table to make jobs from (docs/api.md)\n")
    /// A job's key with a slug after it: only a server ping key takes one.
    static let slugAfterJobKey = IngestReply(
        status: 404, body: "not found: this is a job's ping key, which takes no slug (a server ping key does)\n")
    static func unavailable(_ reason: String) -> IngestReply {
        IngestReply(status: 503, body: "cannot store the heartbeat now: \(reason)\n")
    }
}
