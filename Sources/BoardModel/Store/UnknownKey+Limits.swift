import Foundation

extension UnknownKey {
    /// The most unknown keys a store keeps: past it, those seen longest ago go. Pings to unknown keys need no
    /// secret, so what they leave behind is bounded in rows and in bytes.
    package static let maxKept = 1_000
    /// The longest user agent and source kept for one (a 2 KB user agent was once stored whole, 20,000 times).
    package static let maxUserAgentLength = 200
    package static let maxSourceLength = 64
    /// How much of the key itself is kept (the rest only as its digest).
    package static let prefixLength = 6
    /// The most kept of what is shown for one: a ping key's name and a slug (64 each) for a ping by slug.
    package static let maxShownLength = 130
}
