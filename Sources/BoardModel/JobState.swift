/// A job's state at a moment, ordered worst first: the rank decides which of several true
/// conditions a job shows (a failed job that is also late shows failed).
public enum JobState: String, Sendable, Equatable, CaseIterable, Codable, Comparable {
    case verificationFailed = "verification_failed"
    case failed
    case runningTooLong = "running_too_long"
    case overdue
    case late
    case running
    case up
    case new
    /// Overrides what is displayed; a paused job never alerts.
    case paused

    /// 0 for the worst (verification failed); paused ranks last.
    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// Worse states sort first.
    public static func < (a: JobState, b: JobState) -> Bool { a.rank < b.rank }

    /// How loud the state is: the `status` command's exit code and the board's colours follow it.
    public var level: StateLevel {
        switch self {
        case .verificationFailed, .failed: .critical
        case .runningTooLong, .overdue, .late: .warning
        case .running, .up, .new, .paused: .ok
        }
    }

    /// The state word as users read it: `verification failed`, `running too long`.
    /// Spelled out rather than made from `rawValue`: the board draws it for every row on every frame.
    public var word: String {
        switch self {
        case .verificationFailed: "verification failed"
        case .runningTooLong: "running too long"
        default: rawValue
        }
    }
}

/// Three levels a state or a whole fleet can be at.
public enum StateLevel: Int, Sendable, Equatable, Comparable, Codable {
    case ok = 0
    case warning = 1
    case critical = 2

    public static func < (a: StateLevel, b: StateLevel) -> Bool { a.rawValue < b.rawValue }
}
