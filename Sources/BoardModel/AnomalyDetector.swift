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

/// The size and duration anomaly rules of design section 5, over a job's recent runs. Pure.
///
/// A good run is judged against the mean of the `anomalyWindow` good runs before it that report the same
/// value; with fewer than `anomalyMinRuns` of them there is no judgement (a new job has no "normal" yet).
/// Failed, abandoned, undersized and open runs are never judged, and never count towards a mean: a failure
/// is the `failed` rule's business, and a broken run's size says nothing about what is normal.
public enum AnomalyDetector {
    /// The anomalies of each of `runs` (oldest first, as `JobActivity.recentRuns` holds them), as an array
    /// parallel to `runs`: element `i` is what the anomaly rules see in `runs[i]`, empty when nothing (or when
    /// the run is not good, or has too few good runs before it). The board marks these sparkline points.
    public static func flags(runs: [Run], settings: AlertSettings, minSize: Int64?) -> [RunAnomaly] {
        let good = runs.map { $0.isGood(minSize: minSize) }
        return runs.indices.map { index in
            guard good[index] else { return [] }
            var anomaly: RunAnomaly = []
            if let size = measure(index, in: runs, settings: settings, isGood: { good[$1] }, value: sizeValue),
               isSizeAnomaly(size, settings: settings)
            {
                anomaly.insert(.size)
            }
            if let duration = measure(index, in: runs, settings: settings, isGood: { good[$1] }, value: durationValue),
               isDurationAnomaly(duration, settings: settings)
            {
                anomaly.insert(.duration)
            }
            return anomaly
        }
    }

    /// The index of the latest good run in `runs`, if any.
    static func latestGoodIndex(in runs: [Run], minSize: Int64?) -> Int? {
        runs.lastIndex { $0.isGood(minSize: minSize) }
    }

    /// `runs[index]`'s size against the good runs before it, when there are enough of them.
    static func size(at index: Int, in runs: [Run], settings: AlertSettings, minSize: Int64?) -> AnomalyMeasure? {
        measure(index, in: runs, settings: settings, isGood: { run, _ in run.isGood(minSize: minSize) }, value: sizeValue)
    }

    /// `runs[index]`'s duration against the good runs before it, when there are enough of them.
    static func duration(at index: Int, in runs: [Run], settings: AlertSettings, minSize: Int64?) -> AnomalyMeasure? {
        measure(
            index, in: runs, settings: settings, isGood: { run, _ in run.isGood(minSize: minSize) }, value: durationValue)
    }

    /// Further from the mean than `sizeAnomalyFactor`, either way (0.5: below half or above one and a half).
    public static func isSizeAnomaly(_ measure: AnomalyMeasure, settings: AlertSettings) -> Bool {
        abs(measure.ratio - 1) > settings.sizeAnomalyFactor
    }

    /// Above `durationAnomalyHigh` or below `durationAnomalyLow` times the mean.
    public static func isDurationAnomaly(_ measure: AnomalyMeasure, settings: AlertSettings) -> Bool {
        measure.ratio > settings.durationAnomalyHigh || measure.ratio < settings.durationAnomalyLow
    }

    private static func sizeValue(_ run: Run) -> Double? { run.sizeBytes.map(Double.init) }
    private static func durationValue(_ run: Run) -> Double? { run.duration }

    /// `runs[index]`'s value against the mean of the good runs before it (`isGood(run, itsIndex)`).
    private static func measure(
        _ index: Int, in runs: [Run], settings: AlertSettings, isGood: (Run, Int) -> Bool, value: (Run) -> Double?
    ) -> AnomalyMeasure? {
        guard let own = value(runs[index]) else { return nil }
        return average(before: index, in: runs, settings: settings, isGood: isGood, value: value)
            .map { AnomalyMeasure(value: own, mean: $0.mean, runsAveraged: $0.count) }
    }

    /// The mean of `value` over the latest `anomalyWindow` good runs before `index` that have one; nil when
    /// fewer than `anomalyMinRuns` do, or when the mean is not positive (nothing to compare against).
    private static func average(
        before index: Int, in runs: [Run], settings: AlertSettings, isGood: (Run, Int) -> Bool,
        value: (Run) -> Double?
    ) -> (mean: Double, count: Int)? {
        let window = max(settings.anomalyWindow, 1)
        var total = 0.0
        var count = 0
        var cursor = index - 1
        while cursor >= 0, count < window {
            let run = runs[cursor]
            if isGood(run, cursor), let number = value(run) {
                total += number
                count += 1
            }
            cursor -= 1
        }
        guard count >= max(settings.anomalyMinRuns, 1), total > 0 else { return nil }
        return (total / Double(count), count)
    }
}
