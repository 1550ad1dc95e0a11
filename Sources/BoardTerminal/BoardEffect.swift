import Foundation

/// What the I/O layer must do after a key: the model decides, the loop acts, then reports back with
/// `BoardState.load(_:at:)`, `showDetail(_:)` or `show(_:level:at:)`.
package enum BoardEffect: Sendable, Equatable {
    /// Acknowledge one alert, with the note typed at the prompt (nil when none).
    case acknowledge(alertID: Int64, note: String?)
    /// Acknowledge these alerts: every unacknowledged alert visible when `A` was confirmed.
    case acknowledgeAll(alertIDs: [Int64])
    /// Mute the job until the date, with the reason typed at the prompt.
    case mute(slug: String, until: Date, reason: String)
    /// Remove the job's own mutes.
    case unmute(slug: String)
    /// Load the board again now (after a write, or on `r`).
    case refresh
    /// Fetch the job's detail (last 20 runs, last heartbeat) and hand it to `showDetail(_:)`.
    case loadDetail(jobID: Int64)
    /// Restore the terminal and exit.
    case quit
    /// Switch to the next theme.
    case nextTheme

    /// Whether the effect writes to the store (refused on a read-only board before it is ever produced).
    var writes: Bool {
        switch self {
        case .acknowledge, .acknowledgeAll, .mute, .unmute: true
        case .refresh, .loadDetail, .quit, .nextTheme: false
        }
    }
}
