import Foundation

/// How long to wait after failures in a row: from `base`, doubling with each failure, capped at `cap`, and with up
/// to `jitter` of each wait taken off at random so that clients that failed together do not retry together.
public struct RetryBackoff: Sendable, Equatable {
    /// The wait after the first failure.
    public var base: TimeInterval
    /// The longest wait.
    public var cap: TimeInterval
    /// The share of each wait that may be taken off at random: 0 for none, 0.5 for down to half.
    public var jitter: Double

    /// A backoff from `base` up to `cap`, each wait jittered by up to `jitter` of it.
    public init(base: TimeInterval, cap: TimeInterval, jitter: Double) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// The wait after `failures` failures in a row (1 or more); `random` in 0...1 picks the jitter, 0 taking the
    /// most off and 1 nothing.
    public func delay(afterFailures failures: Int, random: Double) -> TimeInterval {
        // Past 2^1000 the product would overflow; every cap is reached long before.
        let exponent = Double(min(max(failures, 1), 1_001) - 1)
        let full = min(cap, base * pow(2, exponent))
        return full * (1 - jitter + jitter * min(max(random, 0), 1))
    }

    /// The wait after `failures` failures in a row (1 or more), jittered at random.
    public func delay(afterFailures failures: Int) -> TimeInterval {
        delay(afterFailures: failures, random: jitter == 0 ? 1 : Double.random(in: 0...1))
    }
}
