import Foundation
import Synchronization

/// Counters the ingest path bumps: one lock, a few integer updates, nothing else. `/metrics` copies
/// them out with `snapshot()` and does all formatting and database reading off the ingest path.
package final class ServerMetrics: Sendable {
    /// What became of one heartbeat request.
    enum Outcome: String, CaseIterable, Sendable {
        case stored, duplicate
        case unknownKey = "unknown_key"
        case error
        /// Parsed and not stored, by `serve --decode-only` (a benchmark ceiling).
        case decoded
    }

    /// A copy of every counter.
    package struct Snapshot: Sendable, Equatable {
        var received: [Outcome: Int] = [:]
        var batchSizes = Histogram(bounds: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000])
        var commitSeconds = Histogram(bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        var failedBatches = 0
        var truncatedBodies = 0
        var unknownKeysDropped = 0
        /// The last batch that could not be stored: its heartbeats were answered 503.
        var lastFailure: IngestFailure?
    }

    /// When heartbeats were last answered 503 for a storage reason, and why.
    struct IngestFailure: Sendable, Equatable {
        var at: Date
        var reason: String
    }

    private let state = Mutex(Snapshot())

    package init() {}

    func count(_ outcome: Outcome) {
        state.withLock { $0.received[outcome, default: 0] += 1 }
    }

    func countTruncatedBody() {
        state.withLock { $0.truncatedBodies += 1 }
    }

    func countUnknownKeysDropped(_ count: Int) {
        state.withLock { $0.unknownKeysDropped += count }
    }

    func recordBatch(size: Int, commitSeconds: Double) {
        state.withLock {
            $0.batchSizes.observe(Double(size))
            $0.commitSeconds.observe(commitSeconds)
        }
    }

    func recordFailedBatch(size: Int, reason: String, at date: Date = Date()) {
        state.withLock {
            $0.failedBatches += 1
            $0.lastFailure = IngestFailure(at: date, reason: reason)
        }
    }

    package func snapshot() -> Snapshot {
        state.withLock { $0 }
    }
}
