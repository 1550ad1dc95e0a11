import Foundation

/// A five-field cron expression (minute hour day-of-month month day-of-week), Vixie-cron semantics.
/// PLACEHOLDER: the schedule helper replaces this file with the full implementation.
public struct CronExpression: Sendable, Equatable {
    /// The text it was parsed from.
    public let source: String

    public init(_ text: String) throws {
        self.source = text
    }

    /// The first fire time strictly after `date`, read in `zone`; nil if it never fires.
    public func nextFire(after date: Date, in zone: TimeZone) -> Date? {
        nil
    }
}
