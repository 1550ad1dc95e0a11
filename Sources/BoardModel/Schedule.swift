import Foundation

/// When a job is expected to run: a fixed interval after the last start, or a cron expression in a time zone.
public enum Schedule: Sendable, Equatable, CustomStringConvertible {
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
        periodAndChange(near: date).period
    }

    /// `period(near:)` and the moment it may next differ: never for an interval, the next fire time for cron.
    public func periodAndChange(near date: Date) -> (period: TimeInterval, changesAt: Date) {
        switch self {
        case .interval(let seconds):
            return (seconds, .distantFuture)
        case .cron(let expression, let zone):
            guard let first = expression.nextFire(after: date, in: zone),
                  let second = expression.nextFire(after: first, in: zone)
            else { return (86_400, .distantFuture) }
            return (second.timeIntervalSince(first), first)
        }
    }

    /// The next `count` due times after `date`: for an interval `date + interval`, `date + 2 × interval`, …;
    /// for cron the next fire times (fewer if the expression stops firing).
    public func fireTimes(after date: Date, count: Int) -> [Date] {
        switch self {
        case .interval(let seconds):
            guard count > 0 else { return [] }
            return (1...count).map { date.addingTimeInterval(seconds * Double($0)) }
        case .cron(let expression, let zone):
            return expression.fireTimes(after: date, count: count, in: zone)
        }
    }

    /// `every 6h`, or `cron 30 2 * * * Europe/Berlin`.
    public var description: String {
        switch self {
        case .interval(let seconds):
            "every \(HumanUnits.formatDuration(seconds))"
        case .cron(let expression, let zone):
            // Foundation names the zone made from "UTC" "GMT"; users wrote, and expect, UTC.
            "cron \(expression.source) \(zone.identifier == "GMT" ? "UTC" : zone.identifier)"
        }
    }

    /// Reads a schedule as users write it: a 5-field cron expression or an `@` macro (read in `timeZone`, an
    /// IANA name, UTC when nil or empty), else an interval such as `15m`, `6h`, `1d` or `1w`.
    ///
    /// A time zone given with an interval is not used. Throws ``BoardError/invalidSchedule(text:reason:)``.
    public static func parse(_ text: String, timeZone: String?) throws -> Schedule {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw BoardError.invalidSchedule(text: text, reason: "the schedule is empty; write an interval such as 6h or a cron expression such as '30 2 * * *'")
        }
        let fieldCount = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).count
        if trimmed.hasPrefix("@") || trimmed.contains("*") || fieldCount == 5 {
            let expression: CronExpression
            do {
                expression = try CronExpression(trimmed)
            } catch {
                // `1 d 2 h 3m` has five fields and is still a duration.
                if let seconds = HumanUnits.duration(trimmed), seconds > 0 { return .interval(seconds) }
                throw error
            }
            return .cron(expression, timeZone: try zone(named: timeZone, for: text))
        }
        guard let seconds = HumanUnits.duration(trimmed) else {
            throw BoardError.invalidSchedule(
                text: text,
                reason: "not an interval such as 15m, 6h, 1d or 1w, nor a 5-field cron expression (minute hour day-of-month month day-of-week)"
            )
        }
        guard seconds > 0 else {
            throw BoardError.invalidSchedule(text: text, reason: "the interval must be longer than zero")
        }
        return .interval(seconds)
    }

    /// The zone called `name`, UTC when nil or empty.
    private static func zone(named name: String?, for text: String) throws -> TimeZone {
        let name = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if name.isEmpty { return TimeZone(identifier: "UTC")! }
        guard let zone = TimeZone(identifier: name) else {
            throw BoardError.invalidSchedule(text: text, reason: "unknown time zone '\(name)'; use an IANA name such as Europe/Berlin or UTC")
        }
        return zone
    }
}
