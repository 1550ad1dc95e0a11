import BoardModel
import Foundation

/// A job's duration and size sparklines, from one reading of the anomaly rules over its recent runs, and its
/// last duration and size as the table shows them. Made by
/// `BoardState` when the job's data or judgement changes (or its row scrolls into view), so drawing a frame
/// judges nothing (docs/architecture.md §7).
struct JobTrends: Sendable, Equatable {
    /// What the sparklines were made from: the job's data version and how long its judgement holds.
    struct Source: Sendable, Equatable {
        var version: Int64
        var validUntil: Date
    }

    var durations: Sparkline
    var sizes: Sparkline
    /// `41m` and `810 GB`: the last finished run's, `-` without one.
    var lastDuration: String
    var lastSize: String
    var source: Source?

    /// No points: a row whose trends were not made (it never happens on a row on screen).
    static let none = JobTrends(durations: Sparkline([]), sizes: Sparkline([]), lastDuration: "-", lastSize: "-", source: nil)

    init(durations: Sparkline, sizes: Sparkline, lastDuration: String, lastSize: String, source: Source?) {
        self.durations = durations
        self.sizes = sizes
        self.lastDuration = lastDuration
        self.lastSize = lastSize
        self.source = source
    }

    /// The sparklines of `runs` (oldest first) of `job`, its schedule's period taken near `now`, and the
    /// values of the last finished run in `status`.
    init(runs: [Run], job: Job, status: JobStatus, at now: Date, source: Source?) {
        let flags = AnomalyDetector.flags(runs: runs, settings: job.alerting, minSize: job.minSize)
        let period = job.schedule.period(near: now)
        let last = status.lastFinishedRun
        self.init(
            durations: Sparkline.of(.duration, runs: runs, job: job, period: period, flags: flags),
            sizes: Sparkline.of(.size, runs: runs, job: job, period: period, flags: flags),
            lastDuration: last?.duration.map(HumanUnits.shortDuration) ?? "-",
            lastSize: last?.sizeBytes.map(HumanUnits.formatSize) ?? "-",
            source: source)
    }

    subscript(measure: Sparkline.Measure) -> Sparkline {
        measure == .duration ? durations : sizes
    }
}
