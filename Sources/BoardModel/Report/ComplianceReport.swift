import Foundation

/// The compliance report of `backupboard report`: SLA compliance (success rate, RPO breaches), failure
/// trends (streaks, alerts, time to acknowledge) and capacity planning (size trends and projections) per
/// job over a period, with fleet totals. Pure: the store reads, this judges.
public struct ComplianceReport: Sendable, Equatable {
    /// How far ahead sizes are projected: 30 and 90 days.
    public static let projectionHorizons: [TimeInterval] = [30 * 86_400, 90 * 86_400]

    /// The period judged; its end is the report's `now`.
    public var period: DateInterval
    /// Every job, in the order given (the store gives them by slug).
    public var jobs: [JobCompliance]
    /// Every alert opened in the period, fleet alerts included, outages of the monitor left out.
    public var alerts: AlertSummary
    /// Outages of the monitor within the period (clipped to it).
    public var outages: [DateInterval]

    /// Puts judged jobs together with the period's alerts (all of them, for the fleet's figures) and
    /// outages of the monitor.
    public init(period: DateInterval, jobs: [JobCompliance], alerts: [Alert], outages: [DateInterval]) {
        self.period = period
        self.jobs = jobs
        self.alerts = AlertSummary(alerts.filter { period.contains($0.openedAt) })
        self.outages = outages.compactMap { $0.intersection(with: period) }.filter { $0.duration > 0 }
    }

    /// Judges every job from raw history: `runs` of all jobs (those before the period count only for the
    /// backup age), `alerts` of all jobs and the fleet, the monitor's `outages`.
    public init(jobs: [Job], runs: [Run], alerts: [Alert], outages: [DateInterval] = [], period: DateInterval) {
        let runsByJob = Dictionary(grouping: runs, by: \.jobID)
        let alertsByJob = Dictionary(grouping: alerts.filter { $0.jobID != nil }, by: { $0.jobID ?? 0 })
        self.init(
            period: period,
            jobs: jobs.map { job in
                JobCompliance(
                    job: job, runs: runsByJob[job.id ?? 0] ?? [], alerts: alertsByJob[job.id ?? 0] ?? [],
                    outages: outages, period: period)
            },
            alerts: alerts, outages: outages)
        let tests = jobs.filter { $0.kind == .restoreTest }
        judgeRestores(testRuns: Dictionary(tests.map { ($0.slug, runsByJob[$0.id ?? 0] ?? []) }, uniquingKeysWith: { a, _ in a }))
    }

    // MARK: - Fleet totals

    /// Ended runs of every job in the period.
    public var runs: Int { jobs.reduce(0) { $0 + $1.runs } }
    /// Good runs of every job in the period.
    public var goodRuns: Int { jobs.reduce(0) { $0 + $1.goodRuns } }
    /// Good runs ÷ runs over the fleet; nil without runs.
    public var successRate: Double? { runs == 0 ? nil : Double(goodRuns) / Double(runs) }
    /// Jobs whose backup age exceeded their RPO at some time in the period.
    public var jobsBreachingRPO: Int { jobs.filter { !$0.rpoBreaches.isEmpty }.count }
    /// RPO breaches of every job.
    public var rpoBreachCount: Int { jobs.reduce(0) { $0 + $1.rpoBreaches.count } }
    /// Total time of every job's RPO breaches, in seconds.
    public var rpoBreachTime: TimeInterval { jobs.reduce(0) { $0 + $1.rpoBreachTime } }
    /// The latest good size of every job that reported one, summed: one copy of everything, in bytes.
    public var latestSizeTotal: Double { jobs.reduce(0) { $0 + ($1.size?.latest ?? 0) } }

    /// The fleet's size `ahead` after the period: each job's projection, or its latest size when it has too
    /// few runs for a trend.
    public func projectedSizeTotal(_ ahead: TimeInterval) -> Double {
        jobs.reduce(0) { total, job in
            guard let size = job.size else { return total }
            return total + (size.projected(ahead, after: period.end) ?? size.latest)
        }
    }
}
