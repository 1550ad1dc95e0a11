import Foundation

/// One job over a report's period: how often it worked, how long its backup age exceeded the RPO, how its
/// durations and sizes move, and what it alerted about.
public struct JobCompliance: Sendable, Equatable {
    /// The job judged.
    public var job: Job
    /// Runs that started in the period and ended (runs still open are not judged).
    public var runs: Int
    /// Of those, the good ones: completed, not below the min size, not failed verification.
    public var goodRuns: Int
    /// Good runs ÷ runs; nil without runs.
    public var successRate: Double? { runs == 0 ? nil : Double(goodRuns) / Double(runs) }
    /// Of `runs`, those that needed more than one attempt (`run --attempts` retried the command).
    public var retriedRuns: Int
    /// Attempts over all of `runs` (a run whose client did not say counts once).
    public var attempts: Int
    /// The most runs in a row that were not good.
    public var longestFailureStreak: Int
    /// Runs not good since the latest good one, at the end of the period.
    public var failureStreakAtEnd: Int
    /// Stretches of the period when the backup age exceeded the RPO, clipped to the period, with outages of
    /// the monitor taken out; empty when the job has no RPO.
    public var rpoBreaches: [DateInterval]
    /// Whether the last breach still runs at the end of the period.
    public var breachingAtEnd: Bool
    /// Measured (else reported) durations of the good runs, in seconds.
    public var duration: MeasureSummary?
    /// Sizes of the good runs, in bytes.
    public var size: MeasureSummary?
    /// Alerts about this job opened in the period.
    public var alerts: AlertSummary
    /// Its restore drills in the period, for a job with an RTO or a restore test (`ComplianceReport.judgeRestores`).
    public var restore: RestoreCompliance?

    /// Total time of the RPO breaches in the period, in seconds.
    public var rpoBreachTime: TimeInterval { rpoBreaches.reduce(0) { $0 + $1.duration } }

    /// Judges `job` over `period` (whose end is the report's `now`).
    ///
    /// `runs` are the job's runs that started in the period, plus at least its latest good run before the
    /// period, if any (earlier runs count only as the start of the backup age); any order. Backup age is
    /// the time since the end of the latest good run; before its first good run a job's age counts from its
    /// creation, since silence is never fine. `outages` are the monitor's own: time inside them is not
    /// counted as a breach, as the evaluator does not judge it.
    public init(job: Job, runs: [Run], alerts: [Alert], outages: [DateInterval] = [], period: DateInterval) {
        self.job = job
        let inPeriod = runs.filter { period.start <= $0.time && $0.time <= period.end && $0.outcome != .running }
            .sorted { ($0.time, $0.id ?? 0) < ($1.time, $1.id ?? 0) }
        var good = 0
        var streak = 0
        var longest = 0
        var durations: [(time: Date, value: Double)] = []
        var sizes: [(time: Date, value: Double)] = []
        for run in inPeriod {
            guard run.isGood(minSize: job.minSize) else {
                streak += 1
                longest = max(longest, streak)
                continue
            }
            good += 1
            streak = 0
            if let duration = run.duration { durations.append((run.time, duration)) }
            if let size = run.sizeBytes { sizes.append((run.time, Double(size))) }
        }
        self.runs = inPeriod.count
        retriedRuns = inPeriod.filter(\.neededRetry).count
        attempts = inPeriod.reduce(0) { $0 + ($1.attempts ?? 1) }
        goodRuns = good
        longestFailureStreak = longest
        failureStreakAtEnd = streak
        duration = MeasureSummary(durations)
        size = MeasureSummary(sizes)
        self.alerts = AlertSummary(alerts.filter { $0.jobID == job.id && period.contains($0.openedAt) })

        if let rpo = job.rpo {
            let goodEnds = runs.filter { $0.isGood(minSize: job.minSize) }.map { $0.endedAt ?? $0.lastHeartbeatAt }
            rpoBreaches = Self.breaches(rpo: rpo, goodEnds: goodEnds, since: job.createdAt, outages: outages, period: period)
        } else {
            rpoBreaches = []
        }
        breachingAtEnd = rpoBreaches.last?.end == period.end
    }

    /// The stretches when the time since the latest good end (or `since`, before the first) exceeded `rpo`,
    /// clipped to `period`, minus `outages`.
    static func breaches(
        rpo: TimeInterval, goodEnds: [Date], since: Date, outages: [DateInterval], period: DateInterval
    ) -> [DateInterval] {
        var stretches: [DateInterval] = []
        var lastGood = since
        for end in goodEnds.sorted() where end <= period.end {
            if end > lastGood.addingTimeInterval(rpo) {
                stretches.append(DateInterval(start: lastGood.addingTimeInterval(rpo), end: end))
            }
            lastGood = max(lastGood, end)
        }
        if period.end > lastGood.addingTimeInterval(rpo) {
            stretches.append(DateInterval(start: lastGood.addingTimeInterval(rpo), end: period.end))
        }
        return stretches.flatMap { stretch -> [DateInterval] in
            guard let clipped = stretch.intersection(with: period) else { return [] }
            return subtracting(outages, from: clipped)
        }.filter { $0.duration > 0 }
    }

    /// `interval` without the parts covered by `holes`.
    static func subtracting(_ holes: [DateInterval], from interval: DateInterval) -> [DateInterval] {
        var pieces = [interval]
        for hole in holes {
            pieces = pieces.flatMap { piece -> [DateInterval] in
                guard hole.start < piece.end, hole.end > piece.start else { return [piece] }
                var kept: [DateInterval] = []
                if hole.start > piece.start { kept.append(DateInterval(start: piece.start, end: hole.start)) }
                if hole.end < piece.end { kept.append(DateInterval(start: hole.end, end: piece.end)) }
                return kept
            }
        }
        return pieces
    }
}
