import Foundation

/// Which anomaly rules a run trips: its size, its duration, both or neither.
public struct RunAnomaly: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The size differs from the mean by more than the job's `sizeAnomalyFactor`.
    public static let size = RunAnomaly(rawValue: 1 << 0)
    /// The duration is above `durationAnomalyHigh` or below `durationAnomalyLow` times the mean.
    public static let duration = RunAnomaly(rawValue: 1 << 1)
}

/// A run's size or duration set against the mean of the good runs before it.
public struct AnomalyMeasure: Sendable, Equatable {
    /// The run's own value (bytes or seconds).
    public var value: Double
    /// The mean of the same value over the good runs before it.
    public var mean: Double
    /// How many good runs the mean is taken over (at most the job's `anomalyWindow`).
    public var runsAveraged: Int

    public init(value: Double, mean: Double, runsAveraged: Int) {
        self.value = value
        self.mean = mean
        self.runsAveraged = runsAveraged
    }

    /// `value / mean`: 0.1 for a 90% collapse, 2.1 for a run that took 2.1× as long.
    public var ratio: Double { value / mean }
}

/// The size and duration anomaly rules of docs/architecture.md §5, over a job's recent runs. Pure.
///
/// A good run is judged against the mean of the `anomalyWindow` good runs before it that report the same
/// value; with fewer than `anomalyMinRuns` of them there is no judgement (a new job has no "normal" yet).
/// Failed, abandoned, undersized and open runs are never judged, and never count towards a mean: a failure
/// is the `failed` rule's business, and a broken run's size says nothing about what is normal.
public enum AnomalyDetector {
    /// A run's size and duration, each against the mean of the good runs before it; nil where it has no such
    /// value or too few good runs before it have one.
    struct Measures {
        var size: AnomalyMeasure?
        var duration: AnomalyMeasure?

        /// Size: further from the mean than `sizeAnomalyFactor`, either way (0.5: below half or above one and a
        /// half). Duration: above `durationAnomalyHigh` or below `durationAnomalyLow` times the mean.
        func anomaly(settings: AlertSettings) -> RunAnomaly {
            var anomaly: RunAnomaly = []
            if let size, abs(size.ratio - 1) > settings.sizeAnomalyFactor { anomaly.insert(.size) }
            if let duration, duration.ratio > settings.durationAnomalyHigh || duration.ratio < settings.durationAnomalyLow {
                anomaly.insert(.duration)
            }
            return anomaly
        }
    }

    /// The anomalies of each of `runs` (oldest first, as `JobActivity.recentRuns` holds them), as an array
    /// parallel to `runs`: element `i` is what the anomaly rules see in `runs[i]`, empty when nothing (or when
    /// the run is not good, or has too few good runs before it). The board marks these sparkline points.
    public static func flags(runs: [Run], settings: AlertSettings, minSize: Int64?) -> [RunAnomaly] {
        runs.indices.map { index in
            guard runs[index].isGood(minSize: minSize) else { return [] }
            return measures(at: index, in: runs, settings: settings, minSize: minSize).anomaly(settings: settings)
        }
    }

    /// The index of the latest good run: the one the anomaly rules judge.
    static func latestGoodIndex(in runs: [Run], minSize: Int64?) -> Int? {
        // Backwards by index, judging each run in place: `lastIndex(where:)` copies every run it looks at,
        // and the anomaly rules look at every job's runs each tick.
        var index = runs.endIndex
        while index > runs.startIndex {
            index -= 1
            if runs[index].isGood(minSize: minSize) { return index }
        }
        return nil
    }

    /// `runs[index]`'s size and duration against the latest `anomalyWindow` good runs before it that have
    /// one, in one pass backwards: each needs at least `anomalyMinRuns` of them and a positive mean.
    static func measures(at index: Int, in runs: [Run], settings: AlertSettings, minSize: Int64?) -> Measures {
        let window = max(settings.anomalyWindow, 1)
        let needed = max(settings.anomalyMinRuns, 1)
        let ownSize = runs[index].sizeBytes.map(Double.init)
        let ownDuration = runs[index].duration
        var sizes = (total: 0.0, count: 0)
        var durations = (total: 0.0, count: 0)
        var cursor = index - 1
        while cursor >= 0, (ownSize != nil && sizes.count < window) || (ownDuration != nil && durations.count < window) {
            if runs[cursor].isGood(minSize: minSize) {
                if ownSize != nil, sizes.count < window, let size = runs[cursor].sizeBytes {
                    sizes = (sizes.total + Double(size), sizes.count + 1)
                }
                if ownDuration != nil, durations.count < window, let duration = runs[cursor].duration {
                    durations = (durations.total + duration, durations.count + 1)
                }
            }
            cursor -= 1
        }
        func measure(_ own: Double?, _ sum: (total: Double, count: Int)) -> AnomalyMeasure? {
            guard let own, sum.count >= needed, sum.total > 0 else { return nil }
            return AnomalyMeasure(value: own, mean: sum.total / Double(sum.count), runsAveraged: sum.count)
        }
        return Measures(size: measure(ownSize, sizes), duration: measure(ownDuration, durations))
    }
}
