import Foundation

/// Pairs one job's heartbeats into runs (docs/architecture.md §3, "Run") and keeps the job's current-state row
/// up to date. Pure: the store loads the job's open runs and state, feeds heartbeats in order, and saves
/// the runs each step returns.
///
/// Rules:
/// - A heartbeat is paired by its run id with the open run that has the same id; without a run id (or
///   when no open run has it) it goes to the job's latest open run. A run id that matches nothing falls
///   back to the latest open run *without* a run id, so a client may add an id only at the end.
/// - `started` / `preparing` without a run id while a run is open closes that run as abandoned and opens
///   a new one, except a `started` right after the run's `preparing`, which continues it. With a run id,
///   a start opens a new run next to the others (concurrent runs) or continues the run with that id.
/// - `completed` / `failed` close the paired run; with no open run they make a run without a start.
///   A completed run with a non-zero exit code is failed.
/// - `verified` / `verification_failed` close the paired open run as completed, verification passed or
///   failed; with no open run they attach to the latest completed run (by run id when one matches) and
///   never make a run of their own.
/// - `progress`, `verifying`, `log` update the paired open run; test pings never touch runs.
/// - An `attempt` (or `attempts`) field raises the run's attempts to it: `run --attempts` sends one on
///   each retry's `progress` and on the end.
public struct RunTracker: Sendable, Equatable {
    /// What one heartbeat did to the runs.
    public struct Step: Sendable, Equatable {
        /// The run the heartbeat belongs to, if any.
        public var runID: Int64?
        /// Runs this heartbeat opened (to insert), with ids from `newRunID`.
        public var created: [Run]
        /// Existing runs it changed (to update).
        public var updated: [Run]

        public init(runID: Int64? = nil, created: [Run] = [], updated: [Run] = []) {
            self.runID = runID
            self.created = created
            self.updated = updated
        }
    }

    /// The job's min size, which decides whether a completed run is good.
    public let minSize: Int64?
    /// The job's current-state row, updated by every step.
    public private(set) var activity: JobActivity
    /// Every open run of the job, oldest first; may hold runs older than the recent window.
    public private(set) var openRuns: [Run]
    /// The latest completed run: where a verification heartbeat goes when no run is open.
    public private(set) var latestCompletedRun: Run?
    /// Set when the latest good run stopped being good (a later verification failed) and no other good
    /// run is in the recent window: only history knows the good run before it, so the store looks it up
    /// and calls `resolveLastGood(_:)`.
    public private(set) var needsLastGoodLookup = false

    /// Starts from what the store holds: the state row, every open run, and the latest completed run when
    /// it is older than the runs in `activity.recentRuns` (otherwise it is found there).
    public init(activity: JobActivity, openRuns: [Run], latestCompletedRun: Run? = nil, minSize: Int64?) {
        self.activity = activity
        self.openRuns = openRuns.sorted(by: Self.chronological)
        self.minSize = minSize
        let fromWindow = activity.recentRuns.last(where: { $0.outcome == .completed })
        switch (latestCompletedRun, fromWindow) {
        case (let given?, let window?): self.latestCompletedRun = Self.chronological(given, window) ? window : given
        default: self.latestCompletedRun = latestCompletedRun ?? fromWindow
        }
    }

    /// Applies one heartbeat of this job. `newRunID` gives the id for a run this heartbeat opens.
    public mutating func apply(_ heartbeat: Heartbeat, newRunID: () -> Int64) -> Step {
        let report = heartbeat.report
        recordHeartbeat(heartbeat)
        if report.isTest || report.status == .test { return Step() }
        let runID = report.runID.flatMap { $0.isEmpty ? nil : $0 }

        switch report.status {
        case .started, .preparing:
            return start(heartbeat, runID: runID, newRunID: newRunID)
        case .completed, .failed:
            if let index = pairedOpenRun(runID: runID) {
                return close(at: index, with: heartbeat)
            }
            var run = Run(
                id: newRunID(), jobID: activity.jobID, clientRunID: runID, startedAt: nil,
                endedAt: heartbeat.eventAt, lastHeartbeatAt: heartbeat.eventAt, outcome: .running, heartbeatCount: 0)
            Self.end(&run, with: heartbeat)
            remember(run, previous: nil)
            return Step(runID: run.id, created: [run])
        case .verified, .verificationFailed:
            if let index = pairedOpenRun(runID: runID) {
                return close(at: index, with: heartbeat)
            }
            guard var run = completedRun(runID: runID) else { return Step() }
            let previous = run
            run.verification = report.status == .verified ? .passed : .failed
            Self.touch(&run, with: heartbeat)
            remember(run, previous: previous)
            return Step(runID: run.id, updated: [run])
        case .progress, .verifying, .log:
            guard let index = pairedOpenRun(runID: runID) else { return Step() }
            let previous = openRuns[index]
            Self.touch(&openRuns[index], with: heartbeat)
            if let progress = report.progress { openRuns[index].progress = progress }
            let run = openRuns[index]
            remember(run, previous: previous)
            return Step(runID: run.id, updated: [run])
        case .test:
            return Step()
        }
    }

    /// Gives the end time of the latest good run found in history, after `needsLastGoodLookup`.
    public mutating func resolveLastGood(_ date: Date?) {
        if let date, activity.lastGoodAt.map({ $0 < date }) ?? true {
            activity.lastGoodAt = date
        }
        needsLastGoodLookup = false
    }

    // MARK: - Steps

    private mutating func start(_ heartbeat: Heartbeat, runID: String?, newRunID: () -> Int64) -> Step {
        if let runID, let index = openRuns.firstIndex(where: { $0.clientRunID == runID }) {
            return continueRun(at: index, with: heartbeat)
        }
        var step = Step()
        if runID == nil {
            if heartbeat.report.status == .started,
               let index = openRuns.lastIndex(where: { $0.clientRunID == nil }),
               openRuns[index].lastStatus == .preparing {
                return continueRun(at: index, with: heartbeat)
            }
            for index in openRuns.indices.reversed() where openRuns[index].clientRunID == nil {
                var abandoned = openRuns.remove(at: index)
                let previous = abandoned
                abandoned.outcome = .abandoned
                remember(abandoned, previous: previous)
                step.updated.insert(abandoned, at: 0)
            }
        }
        let run = Run(
            id: newRunID(), jobID: activity.jobID, clientRunID: runID, startedAt: heartbeat.eventAt,
            lastHeartbeatAt: heartbeat.eventAt, outcome: .running, message: heartbeat.report.message,
            heartbeatCount: 1, lastStatus: heartbeat.report.status)
        openRuns.append(run)
        openRuns.sort(by: Self.chronological)
        if activity.lastStartAt.map({ $0 < heartbeat.eventAt }) ?? true {
            activity.lastStartAt = heartbeat.eventAt
        }
        remember(run, previous: nil)
        step.runID = run.id
        step.created.append(run)
        return step
    }

    private mutating func continueRun(at index: Int, with heartbeat: Heartbeat) -> Step {
        let previous = openRuns[index]
        Self.touch(&openRuns[index], with: heartbeat)
        let run = openRuns[index]
        remember(run, previous: previous)
        return Step(runID: run.id, updated: [run])
    }

    private mutating func close(at index: Int, with heartbeat: Heartbeat) -> Step {
        var run = openRuns.remove(at: index)
        let previous = run
        Self.end(&run, with: heartbeat)
        remember(run, previous: previous)
        return Step(runID: run.id, updated: [run])
    }

    // MARK: - Finding runs

    /// The open run a heartbeat belongs to: same run id, else the latest open run (without a run id when
    /// the heartbeat names one that matches nothing).
    private func pairedOpenRun(runID: String?) -> Int? {
        if let runID {
            if let index = openRuns.lastIndex(where: { $0.clientRunID == runID }) { return index }
            return openRuns.lastIndex(where: { $0.clientRunID == nil })
        }
        return openRuns.indices.last
    }

    /// The completed run a late verification attaches to: the latest completed one with the same run id,
    /// else the latest completed run.
    private func completedRun(runID: String?) -> Run? {
        if let runID {
            if let match = activity.recentRuns.last(where: { $0.outcome == .completed && $0.clientRunID == runID }) {
                return match
            }
            if let latest = latestCompletedRun, latest.clientRunID == runID { return latest }
        }
        return latestCompletedRun
    }

    // MARK: - Changing runs

    /// Adds a heartbeat's facts to a run without ending it.
    private static func touch(_ run: inout Run, with heartbeat: Heartbeat) {
        let report = heartbeat.report
        if heartbeat.eventAt > run.lastHeartbeatAt { run.lastHeartbeatAt = heartbeat.eventAt }
        run.heartbeatCount += 1
        run.lastStatus = report.status
        if let message = report.message { run.message = message }
        if let exitCode = report.exitCode { run.exitCode = exitCode }
        if let size = report.size.flatMap({ bytes($0.value) }) { run.sizeBytes = size }
        if let files = report.files { run.files = files }
        if let duration = report.duration { run.reportedDuration = duration.value }
        if let attempt = report.attempt { run.attempts = max(run.attempts ?? 1, attempt) }
    }

    /// Ends a run with a terminal heartbeat.
    private static func end(_ run: inout Run, with heartbeat: Heartbeat) {
        touch(&run, with: heartbeat)
        run.endedAt = heartbeat.eventAt
        switch heartbeat.report.status {
        case .failed:
            run.outcome = .failed
        case .verified:
            run.outcome = .completed
            run.verification = .passed
        case .verificationFailed:
            run.outcome = .completed
            run.verification = .failed
        default:
            // Contradictions resolve to the worse outcome: a non-zero exit code is a failure.
            run.outcome = (run.exitCode ?? 0) != 0 ? .failed : .completed
        }
        if run.outcome == .completed { run.progress = nil }
    }

    private static func bytes(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value < 9.0e18 else { return nil }
        return Int64(value.rounded())
    }

    // MARK: - State row

    private mutating func recordHeartbeat(_ heartbeat: Heartbeat) {
        if activity.lastHeartbeatAt.map({ $0 <= heartbeat.eventAt }) ?? true {
            activity.lastHeartbeatAt = heartbeat.eventAt
            activity.lastProblems = heartbeat.report.problems
        }
    }

    /// Puts a new or changed run into the recent window and the good / completed bookkeeping.
    private mutating func remember(_ run: Run, previous: Run?) {
        if let index = activity.recentRuns.firstIndex(where: { $0.id == run.id }) {
            activity.recentRuns[index] = run
        } else {
            let position = activity.recentRuns.firstIndex(where: { Self.chronological(run, $0) })
                ?? activity.recentRuns.endIndex
            activity.recentRuns.insert(run, at: position)
            if activity.recentRuns.count > JobActivity.recentLimit {
                activity.recentRuns.removeFirst(activity.recentRuns.count - JobActivity.recentLimit)
            }
        }

        if run.outcome == .completed {
            if latestCompletedRun.map({ $0.id == run.id || !Self.chronological(run, $0) }) ?? true {
                latestCompletedRun = run
            }
        } else if latestCompletedRun?.id == run.id {
            latestCompletedRun = activity.recentRuns.last(where: { $0.outcome == .completed })
        }

        let isGood = run.isGood(minSize: minSize)
        let wasGood = previous?.isGood(minSize: minSize) ?? false
        if isGood {
            let end = run.endedAt ?? run.lastHeartbeatAt
            if activity.lastGoodAt.map({ $0 < end }) ?? true { activity.lastGoodAt = end }
        } else if wasGood, let previous, activity.lastGoodAt == (previous.endedAt ?? previous.lastHeartbeatAt) {
            let ends = activity.recentRuns.filter { $0.isGood(minSize: minSize) }.map { $0.endedAt ?? $0.lastHeartbeatAt }
            activity.lastGoodAt = ends.max()
            if ends.isEmpty { needsLastGoodLookup = true }
        }
    }

    /// Run order: by time (start, else end), then by id.
    static func chronological(_ a: Run, _ b: Run) -> Bool {
        if a.time != b.time { return a.time < b.time }
        return (a.id ?? .max) < (b.id ?? .max)
    }
}
