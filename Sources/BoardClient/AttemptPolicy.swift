import Foundation

/// When `run --attempts N` runs a failed command again: what failed, whether another attempt is allowed,
/// and how long to wait first. Pure: the outcome of an attempt in, a decision out.
///
/// - Only a non-zero exit listed in `--retry-on` is retried (every non-zero exit when none is given).
/// - A command that a signal killed is never retried: a signal is someone stopping it (a scheduler, an
///   operator, the OOM killer), and running it again would fight them. Neither is a run that was itself
///   asked to stop (`stopRequested`), whatever the command then exited with.
/// - A command that could not be started (127, 126) is not retried: nothing changes between attempts.
package struct AttemptPolicy: Sendable, Equatable {
    /// How many times the command may run in all (1 = no retry).
    package var attempts: Int
    /// The wait before each further attempt, in seconds.
    package var delay: TimeInterval
    /// The exit codes that are retried; nil for every non-zero code.
    package var retryOn: [ClosedRange<Int32>]?

    package init(attempts: Int = 1, delay: TimeInterval = 60, retryOn: [ClosedRange<Int32>]? = nil) {
        self.attempts = attempts
        self.delay = delay
        self.retryOn = retryOn
    }

    /// How one attempt ended, as far as retrying goes.
    package enum Ending: Sendable, Equatable {
        /// The command exited with this code.
        case exited(Int32)
        /// A signal killed it.
        case killed(signal: Int32)
        /// It could not be started.
        case notStarted
    }

    /// Whether attempt number `attempt` (from 1), ended as `ending`, is followed by another.
    package func retries(after ending: Ending, attempt: Int, stopRequested: Bool = false) -> Bool {
        guard attempt < attempts, !stopRequested, case .exited(let code) = ending, code != 0 else { return false }
        guard let retryOn else { return true }
        return retryOn.contains { $0.contains(code) }
    }

    /// The codes in `--retry-on`: a comma list of exit codes and ranges, `1,3-5`, each 1 to 255.
    package static func codes(_ text: String) throws(InvalidCodes) -> [ClosedRange<Int32>] {
        var ranges: [ClosedRange<Int32>] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                .map { Int32($0.trimmingCharacters(in: .whitespaces)) }
            guard !item.isEmpty, bounds.allSatisfy({ $0 != nil }), let low = bounds.first!, let high = bounds.last! else {
                throw InvalidCodes(description: "--retry-on '\(text)': '\(item)' is not an exit code or a range such as 3-5")
            }
            guard low <= high else {
                throw InvalidCodes(description: "--retry-on '\(text)': the range '\(item)' runs backwards")
            }
            guard low >= 1, high <= 255 else {
                throw InvalidCodes(
                    description: "--retry-on '\(text)': exit codes run from 1 to 255 ('\(item)' is outside; 0 is a success, never retried)")
            }
            ranges.append(low...high)
        }
        return ranges
    }

    /// A `--retry-on` value that cannot be read, with the sentence that says why.
    package struct InvalidCodes: Error, CustomStringConvertible, Equatable {
        package let description: String
    }
}
