import Foundation

/// How long the outbox waits before trying a notification again: doubling from `base`, capped at `cap`, and
/// jittered down to half so that notifications that failed together do not all retry together.
package struct RetryBackoff: Sendable, Equatable {
    var base: TimeInterval = 5
    var cap: TimeInterval = 15 * 60

    /// The wait after `attempts` failed attempts (1 or more); `random` in 0..<1 picks the jitter.
    func delay(afterAttempts attempts: Int, random: Double) -> TimeInterval {
        let exponent = Double(min(max(attempts - 1, 0), 30))
        let full = min(cap, base * pow(2, exponent))
        return full * (0.5 + 0.5 * min(max(random, 0), 1))
    }
}
