import BoardModel
import Foundation

/// The JSON shape of `backupboard report --format json` (docs/report.md): snake_case keys in sorted order,
/// durations in seconds (`_s`), sizes in bytes (`_bytes`), times in ISO 8601, every key always present.
struct ReportDocument: Encodable {
    struct Period: Encodable {
        let start: Date
        let end: Date
        let seconds: Double
    }

    struct Alerts: Encodable {
        let total: Int
        let byKind: [String: Int]
        let acknowledged: Int
        @Null var medianTimeToAckS: Double?
        @Null var maxTimeToAckS: Double?

        enum CodingKeys: String, CodingKey {
            case total, acknowledged
            case byKind = "by_kind"
            case medianTimeToAckS = "median_time_to_ack_s"
            case maxTimeToAckS = "max_time_to_ack_s"
        }

        init(_ summary: AlertSummary) {
            total = summary.total
            byKind = Dictionary(uniqueKeysWithValues: summary.countsByKind.map { ($0.kind.rawValue, $0.count) })
            acknowledged = summary.acknowledged
            medianTimeToAckS = summary.medianTimeToAcknowledge
            maxTimeToAckS = summary.maxTimeToAcknowledge
        }
    }

    struct Fleet: Encodable {
        let jobs: Int
        let runs: Int
        let goodRuns: Int
        @Null var successRate: Double?
        let jobsBreachingRpo: Int
        let rpoBreaches: Int
        let rpoBreachS: Double
        let alerts: Alerts
        let latestSizeTotalBytes: Int64
        let projectedSizeTotalBytes30d: Int64
        let projectedSizeTotalBytes90d: Int64
        let monitorOutages: Int
        let monitorOutageS: Double

        enum CodingKeys: String, CodingKey {
            case jobs, runs, alerts
            case goodRuns = "good_runs"
            case successRate = "success_rate"
            case jobsBreachingRpo = "jobs_breaching_rpo"
            case rpoBreaches = "rpo_breaches"
            case rpoBreachS = "rpo_breach_s"
            case latestSizeTotalBytes = "latest_size_total_bytes"
            case projectedSizeTotalBytes30d = "projected_size_total_bytes_30d"
            case projectedSizeTotalBytes90d = "projected_size_total_bytes_90d"
            case monitorOutages = "monitor_outages"
            case monitorOutageS = "monitor_outage_s"
        }
    }

    struct Breaches: Encodable {
        let count: Int
        let totalS: Double
        let breachingAtEnd: Bool
        let stretches: [Period]

        enum CodingKeys: String, CodingKey {
            case count, stretches
            case totalS = "total_s"
            case breachingAtEnd = "breaching_at_end"
        }
    }

    struct Durations: Encodable {
        let runs: Int
        @Null var meanS: Double?
        @Null var latestS: Double?
        @Null var trendSPerDay: Double?

        enum CodingKeys: String, CodingKey {
            case runs
            case meanS = "mean_s"
            case latestS = "latest_s"
            case trendSPerDay = "trend_s_per_day"
        }
    }

    struct Sizes: Encodable {
        let runs: Int
        @Null var meanBytes: Int64?
        @Null var latestBytes: Int64?
        @Null var trendBytesPerDay: Double?
        @Null var projectedBytes30d: Int64?
        @Null var projectedBytes90d: Int64?

        enum CodingKeys: String, CodingKey {
            case runs
            case meanBytes = "mean_bytes"
            case latestBytes = "latest_bytes"
            case trendBytesPerDay = "trend_bytes_per_day"
            case projectedBytes30d = "projected_bytes_30d"
            case projectedBytes90d = "projected_bytes_90d"
        }
    }

    struct JobEntry: Encodable {
        let slug: String
        let name: String
        let priority: String
        let paused: Bool
        @Null var rpoS: Double?
        let runs: Int
        let goodRuns: Int
        @Null var successRate: Double?
        let longestFailureStreak: Int
        let failureStreakAtEnd: Int
        let rpoBreaches: Breaches
        let duration: Durations
        let size: Sizes
        let alerts: Alerts

        enum CodingKeys: String, CodingKey {
            case slug, name, priority, paused, runs, duration, size, alerts
            case rpoS = "rpo_s"
            case goodRuns = "good_runs"
            case successRate = "success_rate"
            case longestFailureStreak = "longest_failure_streak"
            case failureStreakAtEnd = "failure_streak_at_end"
            case rpoBreaches = "rpo_breaches"
        }
    }

    let generatedAt: Date
    let period: Period
    let fleet: Fleet
    let jobs: [JobEntry]

    enum CodingKeys: String, CodingKey {
        case period, fleet, jobs
        case generatedAt = "generated_at"
    }

    init(_ report: ComplianceReport) {
        let end = report.period.end
        let (month, quarter) = (ComplianceReport.projectionHorizons[0], ComplianceReport.projectionHorizons[1])
        generatedAt = end
        period = Period(report.period)
        fleet = Fleet(
            jobs: report.jobs.count, runs: report.runs, goodRuns: report.goodRuns, successRate: report.successRate,
            jobsBreachingRpo: report.jobsBreachingRPO, rpoBreaches: report.rpoBreachCount,
            rpoBreachS: report.rpoBreachTime, alerts: Alerts(report.alerts),
            latestSizeTotalBytes: Self.bytes(report.latestSizeTotal),
            projectedSizeTotalBytes30d: Self.bytes(report.projectedSizeTotal(month)),
            projectedSizeTotalBytes90d: Self.bytes(report.projectedSizeTotal(quarter)),
            monitorOutages: report.outages.count, monitorOutageS: report.outages.reduce(0) { $0 + $1.duration })
        jobs = report.jobs.map { entry in
            JobEntry(
                slug: entry.job.slug, name: entry.job.name, priority: entry.job.priority.rawValue, paused: entry.job.paused,
                rpoS: entry.job.rpo, runs: entry.runs, goodRuns: entry.goodRuns, successRate: entry.successRate,
                longestFailureStreak: entry.longestFailureStreak, failureStreakAtEnd: entry.failureStreakAtEnd,
                rpoBreaches: Breaches(
                    count: entry.rpoBreaches.count, totalS: entry.rpoBreachTime, breachingAtEnd: entry.breachingAtEnd,
                    stretches: entry.rpoBreaches.map(Period.init)),
                duration: Durations(
                    runs: entry.duration?.count ?? 0, meanS: entry.duration?.mean, latestS: entry.duration?.latest,
                    trendSPerDay: entry.duration?.trend?.slopePerDay),
                size: Sizes(
                    runs: entry.size?.count ?? 0, meanBytes: entry.size.map { Self.bytes($0.mean) },
                    latestBytes: entry.size.map { Self.bytes($0.latest) }, trendBytesPerDay: entry.size?.trend?.slopePerDay,
                    projectedBytes30d: entry.size?.projected(month, after: end).map(Self.bytes),
                    projectedBytes90d: entry.size?.projected(quarter, after: end).map(Self.bytes)),
                alerts: Alerts(entry.alerts))
        }
    }

    static func bytes(_ value: Double) -> Int64 { Int64(value.rounded()) }

    /// Pretty, sorted-key JSON with ISO 8601 dates, as the API writes it.
    func encoded() throws -> String {
        String(decoding: try APIJSON.encoder(pretty: true).encode(self), as: UTF8.self)
    }
}

extension ReportDocument.Period {
    init(_ interval: DateInterval) {
        self.init(start: interval.start, end: interval.end, seconds: interval.duration)
    }
}
