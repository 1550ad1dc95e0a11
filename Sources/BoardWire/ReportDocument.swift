import BoardModel
import Foundation

/// The JSON shape of `backupboard report --format json` (docs/report.md): snake_case keys in sorted order
/// (the encoder converts the property names: `meanS` is `mean_s`), durations in seconds (`_s`), sizes in
/// bytes (`_bytes`), times in ISO 8601, every key always present.
package struct ReportDocument: Encodable {
    package struct Period: Encodable {
        package let start: Date
        package let end: Date
        package let seconds: Double
    }

    package struct Alerts: Encodable {
        package let total: Int
        package let byKind: [String: Int]
        package let acknowledged: Int
        @Null package var medianTimeToAckS: Double?
        @Null package var maxTimeToAckS: Double?


        package init(_ summary: AlertSummary) {
            total = summary.total
            byKind = Dictionary(uniqueKeysWithValues: summary.countsByKind.map { ($0.kind.rawValue, $0.count) })
            acknowledged = summary.acknowledged
            medianTimeToAckS = summary.medianTimeToAcknowledge
            maxTimeToAckS = summary.maxTimeToAcknowledge
        }
    }

    package struct Fleet: Encodable {
        package let jobs: Int
        package let runs: Int
        package let goodRuns: Int
        @Null package var successRate: Double?
        package let jobsBreachingRpo: Int
        package let rpoBreaches: Int
        package let rpoBreachS: Double
        package let alerts: Alerts
        package let latestSizeTotalBytes: Int64
        /// The fleet's size 30 and 90 days ahead, keyed `30d`, `90d`.
        package let projectedSizeTotalBytes: [String: Int64]
        package let monitorOutages: Int
        package let monitorOutageS: Double
        /// Jobs whose latest restore of the period took no longer than the RTO, jobs with a restore slower than
        /// the RTO, and jobs with an RTO (or a restore test) and no successful restore in the period.
        package let jobsProvedWithinRto: Int
        package let jobsBreachingRto: Int
        package let jobsUntested: Int
    }

    package struct Drill: Codable, Equatable, Sendable {
        package let test: String
        package let at: Date
        package let good: Bool
        @Null package var durationS: Double?
        @Null package var withinRto: Bool?
    }

    package struct Restores: Codable, Equatable, Sendable {
        package let tests: [String]
        @Null package var rtoS: Double?
        package let drills: [Drill]
        package let goodDrills: Int
        package let longestUntestedS: Double
        package let provedWithinRto: Bool
        package let breached: Bool
        package let untested: Bool

        init(_ restore: RestoreCompliance) {
            tests = restore.tests
            rtoS = restore.rto
            drills = restore.drills.map {
                Drill(test: $0.test, at: $0.time, good: $0.good, durationS: $0.duration, withinRto: $0.withinRTO)
            }
            goodDrills = restore.goodDrills
            longestUntestedS = restore.longestUntested
            provedWithinRto = restore.provedWithinRTO
            breached = restore.breached
            untested = restore.untested
        }
    }

    package struct Breaches: Encodable {
        package let count: Int
        package let totalS: Double
        package let breachingAtEnd: Bool
        package let stretches: [Period]
    }

    package struct Durations: Encodable {
        package let runs: Int
        @Null package var meanS: Double?
        @Null package var latestS: Double?
        @Null package var trendSPerDay: Double?
    }

    package struct Sizes: Encodable {
        package let runs: Int
        @Null package var meanBytes: Int64?
        @Null package var latestBytes: Int64?
        @Null package var trendBytesPerDay: Double?
        /// Keyed `30d`, `90d`; null without a trend.
        @Null package var projectedBytes: [String: Int64]?
    }

    package struct JobEntry: Encodable {
        package let slug: String
        package let name: String
        package let priority: String
        package let paused: Bool
        @Null package var rpoS: Double?
        package let runs: Int
        package let goodRuns: Int
        @Null package var successRate: Double?
        /// Runs that needed more than one attempt, and the attempts over all runs.
        package let retriedRuns: Int
        package let attempts: Int
        package let longestFailureStreak: Int
        package let failureStreakAtEnd: Int
        package let rpoBreaches: Breaches
        package let duration: Durations
        package let size: Sizes
        package let alerts: Alerts
        /// Null for a job with no RTO that no restore test proves.
        @Null package var restores: Restores?
    }

    package let generatedAt: Date
    package let period: Period
    package let fleet: Fleet
    package let jobs: [JobEntry]

    package init(_ report: ComplianceReport) {
        let end = report.period.end
        generatedAt = end
        period = Period(report.period)
        fleet = Fleet(
            jobs: report.jobs.count, runs: report.runs, goodRuns: report.goodRuns, successRate: report.successRate,
            jobsBreachingRpo: report.jobsBreachingRPO, rpoBreaches: report.rpoBreachCount,
            rpoBreachS: report.rpoBreachTime, alerts: Alerts(report.alerts),
            latestSizeTotalBytes: Self.bytes(report.latestSizeTotal),
            projectedSizeTotalBytes: Self.horizons { Self.bytes(report.projectedSizeTotal($0)) },
            monitorOutages: report.outages.count, monitorOutageS: report.outages.reduce(0) { $0 + $1.duration },
            jobsProvedWithinRto: report.jobsProvedWithinRTO, jobsBreachingRto: report.jobsBreachingRTO,
            jobsUntested: report.jobsUntested)
        jobs = report.jobs.map { entry in
            JobEntry(
                slug: entry.job.slug, name: entry.job.name, priority: entry.job.priority.rawValue, paused: entry.job.paused,
                rpoS: entry.job.rpo, runs: entry.runs, goodRuns: entry.goodRuns, successRate: entry.successRate,
                retriedRuns: entry.retriedRuns, attempts: entry.attempts, longestFailureStreak: entry.longestFailureStreak, failureStreakAtEnd: entry.failureStreakAtEnd,
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
                alerts: Alerts(entry.alerts), restores: entry.restore.map(Restores.init))
        }
    }

    package static func bytes(_ value: Double) -> Int64 { Int64(value.rounded()) }

    /// `{"30d": …, "90d": …}`: a value for each of the report's projection horizons.
    package static func horizons(_ value: (TimeInterval) -> Int64) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: ComplianceReport.projectionHorizons.map { ("\(Int($0 / 86_400))d", value($0)) })
    }

    /// Pretty, sorted-key JSON with ISO 8601 dates, as the API writes it; property names in snake_case.
    package func encoded() throws -> String {
        let encoder = APIJSON.encoder(pretty: true)
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension ReportDocument.Period {
    package init(_ interval: DateInterval) {
        self.init(start: interval.start, end: interval.end, seconds: interval.duration)
    }
}
