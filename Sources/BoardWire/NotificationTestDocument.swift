import BoardModel

/// `POST /api/v1/notifications/test/CHANNEL`: what came of a test notification `serve` delivered.
public struct NotificationTestDocument: Codable, Sendable, Equatable {
    public var channel: String
    public var delivered: Bool
    /// The receiver's HTTP status (or the command's exit status), when delivered.
    public var status: Int?
    /// The first 200 bytes of the receiver's answer, when delivered.
    public var answer: String?
    /// Why it was not delivered.
    public var error: String?

    public init(channel: String, delivered: Bool, status: Int? = nil, answer: String? = nil, error: String? = nil) {
        self.channel = channel
        self.delivered = delivered
        self.status = status
        self.answer = answer
        self.error = error
    }
}
