import Foundation

/// When a job is expected to run: a fixed interval after the last start, or a cron expression in a time zone.
public enum Schedule: Sendable, Equatable {
    /// Due this many seconds after the last start (or after creation, for a job never seen).
    case interval(TimeInterval)
    /// Due at each fire time of the expression, read in the time zone.
    case cron(CronExpression, timeZone: TimeZone)

    /// The due time that follows a start at `start` (or creation).
    ///
    /// For an interval: `start + interval`. For cron: the first fire time after `start`.
    public func nextDue(after start: Date) -> Date {
        switch self {
        case .interval(let seconds):
            return start.addingTimeInterval(seconds)
        case .cron(let expression, let zone):
            return expression.nextFire(after: start, in: zone) ?? .distantFuture
        }
    }

    /// A typical period: the interval, or the gap between the two fire times that follow `date`.
    public func period(near date: Date) -> TimeInterval {
        switch self {
        case .interval(let seconds):
            return seconds
        case .cron(let expression, let zone):
            guard let first = expression.nextFire(after: date, in: zone),
                  let second = expression.nextFire(after: first, in: zone)
            else { return 86_400 }
            return second.timeIntervalSince(first)
        }
    }
}
