import Foundation

/// Mean, latest value and trend of one measure (duration or size) over a job's good runs in a period.
public struct MeasureSummary: Sendable, Equatable {
    /// How many good runs reported the measure.
    public var count: Int
    /// The arithmetic mean of the values.
    public var mean: Double
    /// The value of the latest of those runs.
    public var latest: Double
    /// The least-squares line, when there are at least three runs.
    public var trend: LinearTrend?

    /// The summary of dated values, oldest first; nil when there are none.
    public init?(_ points: [(time: Date, value: Double)]) {
        guard let last = points.last else { return nil }
        count = points.count
        mean = points.reduce(0) { $0 + $1.value } / Double(points.count)
        latest = last.value
        trend = LinearTrend(points)
    }

    /// Where the trend line will be `ahead` after `now`, never below zero; nil without a trend.
    public func projected(_ ahead: TimeInterval, after now: Date) -> Double? {
        trend.map { max(0, $0.value(at: now.addingTimeInterval(ahead))) }
    }
}
