import Foundation

/// The latest good run's size differs from the mean of the good runs before it by more than the job's
/// `sizeAnomalyFactor` (50% by default): `size_anomaly`. Catches the seed's mysqldump script, whose failed
/// dump reports *completed* with a tiny `.gz`. Resolves when a later good run is back in range.
public struct SizeAnomalyRule: JobAlertRule {
    public var kind: AlertKind { .sizeAnomaly }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = report.job
        guard let id = job.id, let runs = input.activities[id]?.recentRuns,
              let index = AnomalyDetector.latestGoodIndex(in: runs, minSize: job.minSize),
              let size = AnomalyDetector.size(at: index, in: runs, settings: job.alerting, minSize: job.minSize),
              AnomalyDetector.isSizeAnomaly(size, settings: job.alerting)
        else { return nil }
        let percent = Int((abs(size.ratio - 1) * 100).rounded())
        let message = "\(job.slug)'s backup of \(AlertText.time(runs[index].time, for: job, now: input.now)) is "
            + "\(HumanUnits.formatSize(Int64(size.value))), \(percent)% \(size.ratio < 1 ? "smaller" : "larger") than "
            + "the mean of its previous \(size.runsAveraged) good runs (\(HumanUnits.formatSize(Int64(size.mean))))"
        return AlertFinding(
            kind: .sizeAnomaly, jobID: id, severity: job.alerting.severity(for: .sizeAnomaly), message: message)
    }
}

/// The latest good run took more than `durationAnomalyHigh` (2×) or less than `durationAnomalyLow` (0.5×)
/// the mean of the good runs before it: `duration_anomaly`. Resolves when a later good run is back in range.
public struct DurationAnomalyRule: JobAlertRule {
    public var kind: AlertKind { .durationAnomaly }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = report.job
        guard let id = job.id, let runs = input.activities[id]?.recentRuns,
              let index = AnomalyDetector.latestGoodIndex(in: runs, minSize: job.minSize),
              let duration = AnomalyDetector.duration(at: index, in: runs, settings: job.alerting, minSize: job.minSize),
              AnomalyDetector.isDurationAnomaly(duration, settings: job.alerting)
        else { return nil }
        let message = "\(job.slug)'s run of \(AlertText.time(runs[index].time, for: job, now: input.now)) took "
            + "\(HumanUnits.formatDuration(duration.value)), \(String(format: "%.1f", duration.ratio))× the mean of its "
            + "previous \(duration.runsAveraged) good runs (\(HumanUnits.formatDuration(duration.mean)))"
        return AlertFinding(
            kind: .durationAnomaly, jobID: id, severity: job.alerting.severity(for: .durationAnomaly), message: message)
    }
}
