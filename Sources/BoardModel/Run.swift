import Foundation

/// How a run ended, or that it has not.
public enum RunOutcome: String, Sendable, Equatable, CaseIterable, Codable {
    /// Open: started, not yet ended.
    case running
    case completed
    case failed
    /// A second `started` arrived while this run was open: it never reported an end.
    case abandoned
}

/// The result of checking a finished backup after the fact (the seed's `verify_backup`).
public enum Verification: String, Sendable, Equatable, CaseIterable, Codable {
    case passed
    case failed
}

/// One execution of a job: its heartbeats from a start to a terminal status.
public struct Run: Sendable, Equatable, Identifiable {
    public var id: Int64?
    public var jobID: Int64
    /// The client's run id, when it sent one.
    public var clientRunID: String?
    /// Event time of the start; nil for a run without a start.
    public var startedAt: Date?
    /// Event time of the terminal heartbeat; nil while open.
    public var endedAt: Date?
    /// Event time of the latest heartbeat of this run.
    public var lastHeartbeatAt: Date
    public var outcome: RunOutcome
    public var verification: Verification?
    public var exitCode: Int?
    /// Duration the client reported, in seconds.
    public var reportedDuration: Double?
    public var sizeBytes: Int64?
    public var files: Int64?
    /// Latest progress, 0–100, while running.
    public var progress: Double?
    /// Last error or message.
    public var message: String?
    public var heartbeatCount: Int
    /// Status of the latest heartbeat paired with this run (a `started` after `preparing` continues the run).
    public var lastStatus: HeartbeatStatus?
    /// How many times the client ran the command in this run (`backupboard run --attempts`); nil when it did
    /// not say, which means once.
    public var attempts: Int?

    public init(
        id: Int64? = nil, jobID: Int64, clientRunID: String? = nil, startedAt: Date?, endedAt: Date? = nil,
        lastHeartbeatAt: Date, outcome: RunOutcome, verification: Verification? = nil, exitCode: Int? = nil,
        reportedDuration: Double? = nil, sizeBytes: Int64? = nil, files: Int64? = nil, progress: Double? = nil,
        message: String? = nil, heartbeatCount: Int = 1, lastStatus: HeartbeatStatus? = nil, attempts: Int? = nil
    ) {
        self.id = id
        self.jobID = jobID
        self.clientRunID = clientRunID
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.outcome = outcome
        self.verification = verification
        self.exitCode = exitCode
        self.reportedDuration = reportedDuration
        self.sizeBytes = sizeBytes
        self.files = files
        self.progress = progress
        self.message = message
        self.heartbeatCount = heartbeatCount
        self.lastStatus = lastStatus
        self.attempts = attempts
    }

    /// The run needed more than one attempt: its command failed and was run again.
    public var neededRetry: Bool { (attempts ?? 1) > 1 }

    /// Measured duration (end − start, event times), else the reported one.
    public var duration: Double? {
        if let startedAt, let endedAt { return endedAt.timeIntervalSince(startedAt) }
        return reportedDuration
    }

    /// When the run happened, for ordering and "last run" ages: its start, else its end.
    public var time: Date { startedAt ?? endedAt ?? lastHeartbeatAt }

    /// A good run completed, meets the job's min size, and did not fail verification.
    public func isGood(minSize: Int64?) -> Bool {
        outcome == .completed && verification != .failed && !isBelowMinSize(minSize)
    }

    /// Completed, but smaller than the job's min size, or with no size at all when the job has one:
    /// a job with a min size expects its runs to prove it. (The seed's mysqldump script reports a failed
    /// dump as completed, and on Linux its `stat -f%z` sends no size: silence must not pass as success.)
    public func isBelowMinSize(_ minSize: Int64?) -> Bool {
        guard outcome == .completed, let minSize else { return false }
        guard let sizeBytes else { return true }
        return sizeBytes < minSize
    }
}

/// A job's current-state row: what the board needs, kept up to date as runs open and close,
/// so loading the board is O(jobs) and never scans history.
public struct JobActivity: Sendable, Equatable {
    public var jobID: Int64
    /// Event time of the latest heartbeat of any kind (test pings included).
    public var lastHeartbeatAt: Date?
    /// Event time of the latest start, for interval schedules.
    public var lastStartAt: Date?
    /// End time of the latest good run (kept even when it falls out of `recentRuns`).
    public var lastGoodAt: Date?
    /// The latest runs, oldest first, at most 30; the open run, if any, is last.
    public var recentRuns: [Run]
    /// The latest heartbeat's parse problems, shown on the board.
    public var lastProblems: [String]

    public init(
        jobID: Int64, lastHeartbeatAt: Date? = nil, lastStartAt: Date? = nil, lastGoodAt: Date? = nil,
        recentRuns: [Run] = [], lastProblems: [String] = []
    ) {
        self.jobID = jobID
        self.lastHeartbeatAt = lastHeartbeatAt
        self.lastStartAt = lastStartAt
        self.lastGoodAt = lastGoodAt
        self.recentRuns = recentRuns
        self.lastProblems = lastProblems
    }

    /// How many runs the row keeps.
    public static let recentLimit = 30

    /// The latest run that is still open.
    public var openRun: Run? {
        recentRuns.lastIndex(running: true).map { recentRuns[$0] }
    }

    /// The latest run that has ended.
    public var lastFinishedRun: Run? {
        recentRuns.lastIndex(running: false).map { recentRuns[$0] }
    }
}

extension [Run] {
    /// The index of the last run that is (or is not) still running. Reads each outcome in place, where
    /// `last(where:)` copies every run it looks at: the board looks at 30 runs of each of 10,000 jobs.
    func lastIndex(running: Bool) -> Int? {
        var index = endIndex
        while index > startIndex {
            index -= 1
            if (self[index].outcome == .running) == running { return index }
        }
        return nil
    }
}
