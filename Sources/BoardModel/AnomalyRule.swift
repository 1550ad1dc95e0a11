import Foundation

/// The latest good run set against the mean of the good runs before it (`AnomalyDetector`), one rule for
/// both kinds so each job's runs are walked once per tick:
///
/// - `size_anomaly`: its size differs from the mean by more than the job's `sizeAnomalyFactor` (50% by
///   default). Catches the seed's mysqldump script, whose failed dump reports *completed* with a tiny `.gz`.
/// - `duration_anomaly`: it took more than `durationAnomalyHigh` (2×) or less than `durationAnomalyLow`
///   (0.5×) the mean.
///
/// Each resolves when a later good run is back in range. Paused jobs are not judged.
public struct AnomalyRule: AlertRule {
    public var kinds: Set<AlertKind> { [.sizeAnomaly, .durationAnomaly] }

    public init() {}

    public func findings(in input: AlertInput) -> [AlertFinding] {
        var findings: [AlertFinding] = []
        // By index, reading fields in place: copying 10,000 job reports a tick costs more than judging them.
        for position in input.jobs.indices {
            guard !input.jobs[position].job.paused, let id = input.jobs[position].job.id,
                  let runs = input.activities[id]?.recentRuns
            else { continue }
            let minSize = input.jobs[position].job.minSize
            guard let index = AnomalyDetector.latestGoodIndex(in: runs, minSize: minSize) else { continue }
            let measures = AnomalyDetector.measures(
                at: index, in: runs, settings: input.jobs[position].job.alerting, minSize: minSize)
            let anomaly = measures.anomaly(settings: input.jobs[position].job.alerting)
            guard !anomaly.isEmpty else { continue }
            let job = input.jobs[position].job
            let when = AlertText.time(runs[index].time, for: job, now: input.now)
            if anomaly.contains(.size), let size = measures.size {
                let percent = Int((abs(size.ratio - 1) * 100).rounded())
                let message = "\(job.slug)'s backup of \(when) is \(HumanUnits.formatSize(Int64(size.value))), "
                    + "\(percent)% \(size.ratio < 1 ? "smaller" : "larger") than the mean of its previous "
                    + "\(size.runsAveraged) good runs (\(HumanUnits.formatSize(Int64(size.mean))))"
                findings.append(AlertFinding(
                    kind: .sizeAnomaly, jobID: id, severity: job.alerting.severity(for: .sizeAnomaly), message: message))
            }
            if anomaly.contains(.duration), let duration = measures.duration {
                let message = "\(job.slug)'s run of \(when) took \(HumanUnits.formatDuration(duration.value)), "
                    + "\(String(format: "%.1f", duration.ratio))× the mean of its previous \(duration.runsAveraged) "
                    + "good runs (\(HumanUnits.formatDuration(duration.mean)))"
                findings.append(AlertFinding(
                    kind: .durationAnomaly, jobID: id, severity: job.alerting.severity(for: .durationAnomaly),
                    message: message))
            }
        }
        return findings
    }
}
