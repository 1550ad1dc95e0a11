import Foundation

/// A least-squares line through dated values: how a job's sizes or durations move over time, and where
/// they will be if they keep moving that way (capacity planning).
public struct LinearTrend: Sendable, Equatable {
    /// Fewer points than this and there is no trend (as the anomaly rules need three runs to judge).
    public static let minimumPoints = 3

    /// Change of the value per day (bytes or seconds per day).
    public var slopePerDay: Double
    /// The line's value at `origin`.
    public var intercept: Double
    /// The time the intercept is measured at: the first point's time.
    public var origin: Date
    /// How many points the line was fitted to.
    public var pointCount: Int

    /// The ordinary least-squares fit of `points`; nil with fewer than three points or when they all
    /// share one time (no slope to speak of).
    public init?(_ points: [(time: Date, value: Double)]) {
        guard points.count >= Self.minimumPoints, let origin = points.map(\.time).min() else { return nil }
        // Days since the first point keep the sums small, so the fit stays exact over years of history.
        let xs = points.map { $0.time.timeIntervalSince(origin) / 86_400 }
        let n = Double(points.count)
        let meanX = xs.reduce(0, +) / n
        let meanY = points.reduce(0) { $0 + $1.value } / n
        var sxx = 0.0
        var sxy = 0.0
        for (x, point) in zip(xs, points) {
            sxx += (x - meanX) * (x - meanX)
            sxy += (x - meanX) * (point.value - meanY)
        }
        guard sxx > 0 else { return nil }
        slopePerDay = sxy / sxx
        intercept = meanY - slopePerDay * meanX
        self.origin = origin
        pointCount = points.count
    }

    /// The line's value at `date`.
    public func value(at date: Date) -> Double {
        intercept + slopePerDay * date.timeIntervalSince(origin) / 86_400
    }
}
