import Foundation

extension FleetReport {
    /// A report of jobs judged elsewhere (by `serve`, read back from its JSON API), kept in the order given.
    public init(judged jobs: [JobReport], at now: Date) {
        self.jobs = jobs
        self.now = now
    }
}

extension JobStatus {
    /// A status judged elsewhere (by `serve`, read back from its JSON API).
    public init(
        shown state: JobState, evaluated: JobState, dueAt: Date, deadline: Date, missedPeriods: Int, lastRun: Run?,
        lastFinishedRun: Run?, openRun: Run?, lastGoodAt: Date?, successRate: Double?,
        conditions: [JobState]
    ) {
        self.state = state
        self.evaluated = evaluated
        self.dueAt = dueAt
        self.deadline = deadline
        self.missedPeriods = missedPeriods
        self.lastRun = lastRun
        self.lastFinishedRun = lastFinishedRun
        self.openRun = openRun
        self.lastGoodAt = lastGoodAt
        self.successRate = successRate
        self.conditions = conditions
        // The server judges again when it has to; this copy is never re-judged.
        validUntil = .distantFuture
    }
}
