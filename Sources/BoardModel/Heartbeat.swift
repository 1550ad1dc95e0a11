import Foundation

/// The status word a heartbeat carries, after aliases are resolved.
public enum HeartbeatStatus: String, Sendable, Equatable, CaseIterable, Codable {
    case started, progress, preparing, verifying, completed, failed, verified
    case verificationFailed = "verification_failed"
    case log, test

    /// Ends a run: completed, failed, verified, verification failed.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .verified, .verificationFailed: true
        default: false
        }
    }

    /// Opens a run.
    public var isStart: Bool { self == .started || self == .preparing }
}

/// A value read from a heartbeat, normalized (seconds, bytes, bytes/s), with the text it came from.
public struct Measured: Sendable, Equatable {
    public var value: Double
    public var text: String

    public init(_ value: Double, text: String) {
        self.value = value
        self.text = text
    }
}

/// What one heartbeat says, once parsed from its URL, query and body. Pure data.
public struct HeartbeatReport: Sendable, Equatable {
    /// The status after aliases, suffixes, exit codes and contradictions are resolved.
    public var status: HeartbeatStatus
    /// The status word as sent, when one was sent.
    public var statusText: String?
    /// The client's run id (`rid`, `run_id`).
    public var runID: String?
    public var exitCode: Int?
    /// Reported duration, in seconds.
    public var duration: Measured?
    /// Reported size, in bytes.
    public var size: Measured?
    public var files: Int64?
    public var hash: String?
    /// Transfer rate, in bytes per second.
    public var rate: Measured?
    /// Compression ratio (3.2 for `3.2:1`).
    public var ratio: Measured?
    /// Progress, 0–100.
    public var progress: Double?
    /// Error or message text.
    public var message: String?
    /// Plain-text body or output tail.
    public var output: String?
    /// `sent_at` from our own spool (kept, only trusted by the server within limits).
    public var sentAt: Date?
    /// `{"test": true}`: recorded, never counted as a run.
    public var isTest: Bool
    /// Every other field, as text.
    public var fields: [String: String]
    /// What could not be understood; shown on the board.
    public var problems: [String]

    /// The attempt of the run this heartbeat reports (`attempt`, or `attempts` on an end heartbeat): a whole
    /// number from 1. Kept among `fields`, so the stored heartbeat shows it as sent.
    public var attempt: Int? {
        var found: Int?
        for (name, value) in fields where Self.attemptNames.contains(HeartbeatParser.normalized(name)) {
            guard let number = Self.attemptCount(value) else { continue }
            found = max(found ?? number, number)
        }
        return found
    }

    /// The field names read as `attempt`, normalized as the parser compares names.
    static let attemptNames: Set = ["attempt", "attempts"]

    /// A whole number of attempts from 1 in `text`, or nil (the parser records a problem then).
    static func attemptCount(_ text: String) -> Int? {
        guard let number = Int(text.trimmedOnLine()), number >= 1 else { return nil }
        return number
    }

    public init(
        status: HeartbeatStatus, statusText: String? = nil, runID: String? = nil, exitCode: Int? = nil,
        duration: Measured? = nil, size: Measured? = nil, files: Int64? = nil, hash: String? = nil,
        rate: Measured? = nil, ratio: Measured? = nil, progress: Double? = nil, message: String? = nil,
        output: String? = nil, sentAt: Date? = nil, isTest: Bool = false, fields: [String: String] = [:],
        problems: [String] = []
    ) {
        self.status = status
        self.statusText = statusText
        self.runID = runID
        self.exitCode = exitCode
        self.duration = duration
        self.size = size
        self.files = files
        self.hash = hash
        self.rate = rate
        self.ratio = ratio
        self.progress = progress
        self.message = message
        self.output = output
        self.sentAt = sentAt
        self.isTest = isTest
        self.fields = fields
        self.problems = problems
    }
}

/// One received heartbeat, as stored.
public struct Heartbeat: Sendable, Equatable, Identifiable {
    public var id: Int64?
    public var jobID: Int64
    /// Server clock at receipt.
    public var receivedAt: Date
    /// `receivedAt`, or the spool's `sent_at` for heartbeats delivered late by `ping`/`run`.
    public var eventAt: Date
    public var report: HeartbeatReport
    /// The client's `Heartbeat-Id` header; unique per job, so retries are stored once.
    public var deliveryID: String?
    /// The first 100 KB of the body.
    public var body: [UInt8]
    /// Bytes read past the kept part and discarded.
    public var truncatedBytes: Int
    public var contentType: String?
    public var method: String
    public var source: String?
    public var userAgent: String?
    /// The store's id of the run this heartbeat was paired with; nil for test pings and unpaired heartbeats.
    public var runRowID: Int64?

    public init(
        id: Int64? = nil, jobID: Int64, receivedAt: Date, eventAt: Date? = nil, report: HeartbeatReport,
        deliveryID: String? = nil, body: [UInt8] = [], truncatedBytes: Int = 0, contentType: String? = nil,
        method: String = "POST", source: String? = nil, userAgent: String? = nil, runRowID: Int64? = nil
    ) {
        self.id = id
        self.jobID = jobID
        self.receivedAt = receivedAt
        self.eventAt = eventAt ?? receivedAt
        self.report = report
        self.deliveryID = deliveryID
        self.body = body
        self.truncatedBytes = truncatedBytes
        self.contentType = contentType
        self.method = method
        self.source = source
        self.userAgent = userAgent
        self.runRowID = runRowID
    }

    /// Whether the body was delivered late by our own spool.
    public var deliveredLate: Bool { eventAt < receivedAt }
}
