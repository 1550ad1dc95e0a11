/// A Prometheus histogram: cumulative bucket counts, a sum and a count. A value type, kept under the
/// metrics lock; rendered by `MetricsPage`.
struct Histogram: Sendable, Equatable {
    /// Upper bounds of the buckets, ascending (`+Inf` is implied).
    let bounds: [Double]
    /// Observations at or below each bound (not yet cumulative).
    private(set) var counts: [Int]
    private(set) var sum: Double = 0
    private(set) var count: Int = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        if let index = bounds.firstIndex(where: { value <= $0 }) {
            counts[index] += 1
        }
        sum += value
        count += 1
    }

    /// `(le, cumulative count)` for every bound, then `+Inf`.
    var cumulativeBuckets: [(bound: String, count: Int)] {
        var running = 0
        var out: [(String, Int)] = []
        for (bound, count) in zip(bounds, counts) {
            running += count
            out.append((Self.format(bound), running))
        }
        out.append(("+Inf", self.count))
        return out
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
