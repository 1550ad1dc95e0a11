import BoardModel
import Foundation

/// The JSON shape of `backupboard report --format json` (docs/report.md): snake_case keys in sorted order
/// (the encoder converts the property names: `meanS` is `mean_s`), durations in seconds (`_s`), sizes in
/// bytes (`_bytes`), times in ISO 8601, every key always present.
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
        /// The fleet's size 30 and 90 days ahead, keyed `30d`, `90d`.
        let projectedSizeTotalBytes: [String: Int64]
        let monitorOutages: Int
        let monitorOutageS: Double
    }

    struct Breaches: Encodable {
        let count: Int
        let totalS: Double
        let breachingAtEnd: Bool
        let stretches: [Period]
    }

    struct Durations: Encodable {
        let runs: Int
        @Null var meanS: Double?
        @Null var latestS: Double?
        @Null var trendSPerDay: Double?
    }

    struct Sizes: Encodable {
        let runs: Int
        @Null var meanBytes: Int64?
        @Null var latestBytes: Int64?
        @Null var trendBytesPerDay: Double?
        /// Keyed `30d`, `90d`; null without a trend.
        @Null var projectedBytes: [String: Int64]?
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
    }

    let generatedAt: Date
    let period: Period
    let fleet: Fleet
    let jobs: [JobEntry]

    init(_ report: ComplianceReport) {
        let end = report.period.end
        generatedAt = end
        period = Period(report.period)
        fleet = Fleet(
            jobs: report.jobs.count, runs: report.runs, goodRuns: report.goodRuns, successRate: report.successRate,
            jobsBreachingRpo: report.jobsBreachingRPO, rpoBreaches: report.rpoBreachCount,
            rpoBreachS: report.rpoBreachTime, alerts: Alerts(report.alerts),
            latestSizeTotalBytes: Self.bytes(report.latestSizeTotal),
            projectedSizeTotalBytes: Self.horizons { Self.bytes(report.projectedSizeTotal($0)) },
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
                    projectedBytes: entry.size?.trend == nil
                        ? nil : Self.horizons { Self.bytes(entry.size?.projected($0, after: end) ?? 0) }),
                alerts: Alerts(entry.alerts))
        }
    }

    static func bytes(_ value: Double) -> Int64 { Int64(value.rounded()) }

    /// `{"30d": …, "90d": …}`: a value for each of the report's projection horizons.
    static func horizons(_ value: (TimeInterval) -> Int64) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: ComplianceReport.projectionHorizons.map { ("\(Int($0 / 86_400))d", value($0)) })
    }

    /// Pretty, sorted-key JSON with ISO 8601 dates, as the API writes it; property names in snake_case.
    func encoded() throws -> String {
        let encoder = APIJSON.encoder(pretty: true)
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension ReportDocument.Period {
    init(_ interval: DateInterval) {
        self.init(start: interval.start, end: interval.end, seconds: interval.duration)
    }
}
