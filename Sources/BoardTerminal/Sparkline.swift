import BoardModel
import Foundation

/// A job's recent runs as one character each: a bar scaled against the largest value shown, a marker for a
/// failed run, a gap for a run that never happened or reported nothing. Zero is a bar; missing is a gap.
struct Sparkline: Sendable, Equatable {
    /// One run, or one missing slot.
    enum Point: Sendable, Equatable {
        /// A finished run's value; `anomaly` when it is far from the mean of the good runs before it.
        case value(Double, anomaly: Bool)
        /// A run that failed (or was abandoned, too small, or failed verification).
        case failed
        /// No run where one was expected, or a run that reported no value.
        case missing

        static func value(_ value: Double) -> Point { .value(value, anomaly: false) }
    }

    /// Oldest first.
    var points: [Point]

    init(_ points: [Point]) {
        self.points = points
    }

    /// Draws the latest `width` points from `x` on row `y`, right-aligned (blank on the left when there are
    /// fewer points), clipped to the buffer. Bars scale from zero to the largest value among the points shown.
    func draw(into buffer: inout ScreenBuffer, x: Int, y: Int, width: Int, glyphs: GlyphSet) {
        guard width > 0, y >= 0, y < buffer.height else { return }
        let shown = points.suffix(width)
        let ramp = glyphs.sparkRamp
        var largest = 0.0
        for case .value(let value, _) in shown { largest = max(largest, value) }
        var column = x
        for _ in 0..<(width - shown.count) {
            if column >= 0, column < buffer.width { buffer[column, y] = .blank }
            column += 1
        }
        for point in shown {
            defer { column += 1 }
            guard column >= 0, column < buffer.width else { continue }
            switch point {
            case .missing:
                buffer[column, y] = Cell(character: glyphs.sparkMissing, style: .normal)
            case .failed:
                buffer[column, y] = Cell(character: glyphs.sparkFailed, style: Style(.fail))
            case .value(let value, let anomaly):
                let level = Self.level(of: value, largest: largest, levels: ramp.count)
                buffer[column, y] = Cell(character: ramp[level], style: Style(anomaly ? .anomaly : .sparkline))
            }
        }
    }

    /// The cells `draw` writes, for tests.
    func cells(width: Int, glyphs: GlyphSet) -> [Cell] {
        var row = ScreenBuffer(width: width, height: 1)
        draw(into: &row, x: 0, y: 0, width: width, glyphs: glyphs)
        return row.cells
    }

    /// The cells' characters, for tests and plain text.
    func text(width: Int, glyphs: GlyphSet) -> String {
        String(cells(width: width, glyphs: glyphs).map(\.character))
    }

    /// The ramp index for `value`: 0 for zero (and anything when nothing is larger), the top for `largest`.
    static func level(of value: Double, largest: Double, levels: Int) -> Int {
        guard levels > 1, largest > 0, value > 0 else { return 0 }
        let scaled = (min(value, largest) / largest * Double(levels - 1)).rounded()
        return min(levels - 1, max(0, Int(scaled)))
    }
}

extension Sparkline {
    /// What a sparkline plots from a run.
    enum Measure: Sendable {
        case duration, size
    }

    /// The job's finished runs (oldest first) as points of `measure`: failed runs marked, runs without the
    /// value as gaps, a gap for each slot skipped between two runs (a gap longer than 1.5 periods), and the
    /// points the anomaly rules flag (`AnomalyDetector`, with the job's own alert settings) marked; pass
    /// `flags` when they are already worked out for these runs.
    static func of(_ measure: Measure, runs: [Run], job: Job, period: TimeInterval, flags: [RunAnomaly]? = nil) -> Sparkline {
        let flags = flags ?? AnomalyDetector.flags(runs: runs, settings: job.alerting, minSize: job.minSize)
        let flag: RunAnomaly = measure == .size ? .size : .duration
        var points: [Point] = []
        var previousTime: Date?
        for (run, anomaly) in zip(runs, flags) where run.outcome != .running {
            if let previousTime, period > 0 {
                let slots = Int((run.time.timeIntervalSince(previousTime) / period).rounded()) - 1
                if slots > 0, run.time.timeIntervalSince(previousTime) > 1.5 * period {
                    points += Array(repeating: .missing, count: min(slots, JobActivity.recentLimit))
                }
            }
            previousTime = run.time
            let value: Double? = switch measure {
            case .duration: run.duration
            case .size: run.sizeBytes.map(Double.init)
            }
            if !run.isGood(minSize: job.minSize) {
                points.append(.failed)
            } else if let value {
                points.append(.value(value, anomaly: anomaly.contains(flag)))
            } else {
                points.append(.missing)
            }
        }
        return Sparkline(points)
    }
}
