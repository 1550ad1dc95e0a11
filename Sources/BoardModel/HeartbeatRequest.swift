import Foundation

/// The parts of one HTTP heartbeat request that say something about the backup, already split by the
/// server: what follows the key in the path, the decoded query, the body and the one header we read.
public struct HeartbeatRequest: Sendable {
    /// `GET`, `POST`, `HEAD`… Kept for the record; the body is read whatever the method.
    public var method: String
    /// What follows the key in the URL, without slashes: nil, `start`, `fail`, `log`, or an exit code (`0`, `3`).
    public var pathSuffix: String?
    /// Query parameters in the order sent, already percent-decoded.
    public var query: [(name: String, value: String)]
    /// The `Content-Type` header. Only a hint: curl `-d` labels JSON bodies as form-encoded.
    public var contentType: String?
    /// The body as received (the server keeps the first 100 KB).
    public var body: [UInt8]
    /// The `Heartbeat-Sent-At` header our own `ping`/`run` spool adds when it delivers a heartbeat late
    /// (ISO 8601 or epoch seconds). It wins over a `sent_at` field in the body.
    public var sentAtHeader: String?

    public init(
        method: String = "POST", pathSuffix: String? = nil, query: [(name: String, value: String)] = [],
        contentType: String? = nil, body: [UInt8] = [], sentAtHeader: String? = nil
    ) {
        self.method = method
        self.pathSuffix = pathSuffix
        self.query = query
        self.contentType = contentType
        self.body = body
        self.sentAtHeader = sentAtHeader
    }
}
