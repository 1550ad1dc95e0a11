import Foundation

/// When a job is expected to run: a fixed interval after the last start, a cron expression or a systemd calendar
/// event in a time zone, or several cron and calendar entries (due at the earliest of them).
public enum Schedule: Sendable, Equatable, CustomStringConvertible {
    /// Due this many seconds after the last start (or after creation, for a job never seen).
    case interval(TimeInterval)
    /// Due at each fire time of the expression, read in the time zone.
    case cron(CronExpression, timeZone: TimeZone)
    /// Due at each elapse of the event, read in its own time zone if it names one, else in `timeZone` (the job's).
    case calendar(CalendarEvent, timeZone: TimeZone)
    /// Due at each due time of any entry (cron or calendar, never an interval nor nested): the earliest wins.
    case several([Schedule])

    /// The due time that follows a start at `start` (or creation).
    ///
    /// For an interval: `start + interval`. For cron: the first fire time after `start`.
    public func nextDue(after start: Date) -> Date {
        switch self {
        case .interval(let seconds):
            return start.addingTimeInterval(seconds)
        case .cron(let expression, let zone):
            return expression.nextFire(after: start, in: zone) ?? .distantFuture
        case .calendar(let event, let zone):
            return event.nextElapse(after: start, in: zone) ?? .distantFuture
        case .several(let entries):
            return entries.map { $0.nextDue(after: start) }.min() ?? .distantFuture
        }
    }

    /// A typical period: the interval, or the gap between the two fire times that follow `date`.
    public func period(near date: Date) -> TimeInterval {
        periodAndChange(near: date).period
    }

    /// `period(near:)` and the moment it may next differ: never for an interval, the next due time otherwise.
    ///
    /// For one cron or calendar entry the period is the gap between the two due times that follow `date`; for
    /// several entries it is the shortest gap between consecutive due times over the coming week (at least three
    /// gaps), so that a default max runtime never runs into the next due run.
    public func periodAndChange(near date: Date) -> (period: TimeInterval, changesAt: Date) {
        switch self {
        case .interval(let seconds):
            return (seconds, .distantFuture)
        case .cron, .calendar:
            let times = fireTimes(after: date, count: 2)
            guard times.count == 2 else { return (86_400, .distantFuture) }
            return (times[1].timeIntervalSince(times[0]), times[0])
        case .several:
            let horizon = date.addingTimeInterval(8 * 86_400)
            var times: [Date] = []
            var last = date
            while times.count < Self.gapSampleLimit {
                let next = nextDue(after: last)
                guard next != .distantFuture, times.count < 4 || next <= horizon else { break }
                times.append(next)
                last = next
            }
            guard times.count >= 2 else { return (86_400, .distantFuture) }
            let gaps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
            return (gaps.min() ?? 86_400, times[0])
        }
    }

    /// How many due times a several-entry schedule looks at for its shortest gap.
    static let gapSampleLimit = 400

    /// The next `count` due times after `date`: for an interval `date + interval`, `date + 2 × interval`, …;
    /// for cron the next fire times (fewer if the expression stops firing).
    public func fireTimes(after date: Date, count: Int) -> [Date] {
        switch self {
        case .interval(let seconds):
            guard count > 0 else { return [] }
            return (1...count).map { date.addingTimeInterval(seconds * Double($0)) }
        case .cron(let expression, let zone):
            return expression.fireTimes(after: date, count: count, in: zone)
        case .calendar(let event, let zone):
            return event.elapses(after: date, count: count, in: zone)
        case .several:
            var times: [Date] = []
            var last = date
            while times.count < count {
                let next = nextDue(after: last)
                guard next != .distantFuture else { break }
                times.append(next)
                last = next
            }
            return times
        }
    }

    /// The zone its wall-clock times are read in: the cron zone, the calendar event's own zone or the job's, the
    /// first entry's for several; nil for an interval.
    public var timeZone: TimeZone? {
        switch self {
        case .interval: return nil
        case .cron(_, let zone): return zone
        case .calendar(let event, let zone): return event.timeZone ?? zone
        case .several(let entries): return entries.first?.timeZone
        }
    }

    /// The job's zone that cron and calendar entries are read in (a calendar event may name its own); nil for an
    /// interval.
    public var jobZone: TimeZone? {
        switch self {
        case .interval: return nil
        case .cron(_, let zone), .calendar(_, let zone): return zone
        case .several(let entries): return entries.first?.jobZone
        }
    }

    /// The same schedule with its wall-clock entries read in `zone` (a calendar event naming its own zone keeps it).
    public func reading(in zone: TimeZone) -> Schedule {
        switch self {
        case .interval: self
        case .cron(let expression, _): .cron(expression, timeZone: zone)
        case .calendar(let event, _): .calendar(event, timeZone: zone)
        case .several(let entries): .several(entries.map { $0.reading(in: zone) })
        }
    }

    /// The entries' texts as written: one for cron or calendar, each for several, none for an interval.
    public var entryTexts: [String] {
        switch self {
        case .interval: []
        case .cron(let expression, _): [expression.source]
        case .calendar(let event, _): [event.source]
        case .several(let entries): entries.flatMap(\.entryTexts)
        }
    }

    /// `every 6h`, `cron 30 2 * * * Europe/Berlin`, `calendar Mon..Fri 02:30 Europe/Berlin`, or several of the
    /// last two joined by `; `.
    public var description: String {
        switch self {
        case .interval(let seconds):
            "every \(HumanUnits.formatDuration(seconds))"
        case .cron(let expression, let zone):
            "cron \(expression.source) \(Self.name(of: zone))"
        case .calendar(let event, let zone):
            event.timeZone == nil ? "calendar \(event.source) \(Self.name(of: zone))" : "calendar \(event.source)"
        case .several(let entries):
            entries.map(\.description).joined(separator: "; ")
        }
    }

    /// Foundation names the zone made from "UTC" "GMT"; users wrote, and expect, UTC.
    public static func name(of zone: TimeZone) -> String {
        zone.identifier == "GMT" ? "UTC" : zone.identifier
    }

    /// Reads a schedule as users write it: a duration such as `15m`, `6h`, `1d` or `1w` is an interval; five fields
    /// or an `@` macro is cron; anything else is a systemd calendar event (`Mon..Fri 02:30`, `daily`,
    /// `*-*-01 03:00 Europe/Berlin`). Cron and calendar events are read in `timeZone` (an IANA name, UTC when nil or
    /// empty) unless the event names its own zone.
    ///
    /// A time zone given with an interval is not used. Throws ``BoardError/invalidSchedule(text:reason:)``.
    public static func parse(_ text: String, timeZone: String?) throws -> Schedule {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw BoardError.invalidSchedule(text: text, reason: "the schedule is empty; write an interval such as 6h, a cron expression such as '30 2 * * *' or a calendar event such as 'Mon..Fri 02:30'")
        }
        if trimmed.hasPrefix("-"), HumanUnits.duration(String(trimmed.dropFirst())) != nil {
            throw BoardError.invalidSchedule(text: text, reason: "the interval must be longer than zero")
        }
        // Five fields are cron first (`parseEntry` falls back to a duration such as `1 d 2 h 3m`). `02:30` is a
        // time of day to systemd, so a clock-like text is never read as a duration here.
        let fieldCount = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).count
        if fieldCount != 5, !trimmed.contains(":"), let seconds = HumanUnits.duration(trimmed), !isCalendarWord(trimmed) {
            guard seconds > 0 else {
                throw BoardError.invalidSchedule(text: text, reason: "the interval must be longer than zero")
            }
            return .interval(seconds)
        }
        return try parseEntry(trimmed, original: text, timeZone: timeZone)
    }

    /// Reads several entries, each a cron expression or a calendar event (not an interval), due at the earliest;
    /// one entry is that entry alone. Throws ``BoardError/invalidSchedule(text:reason:)`` naming the entry.
    public static func parse(entries: [String], timeZone: String?) throws -> Schedule {
        guard !entries.isEmpty else {
            throw BoardError.invalidSchedule(text: "[]", reason: "the list of schedules is empty")
        }
        var parsed: [Schedule] = []
        for (index, entry) in entries.enumerated() {
            let schedule: Schedule
            do {
                schedule = try parse(entry, timeZone: timeZone)
            } catch let BoardError.invalidSchedule(text, reason) {
                throw BoardError.invalidSchedule(text: text, reason: "entry \(index + 1) of \(entries.count): \(reason)")
            }
            if case .interval = schedule {
                throw BoardError.invalidSchedule(
                    text: entry,
                    reason: "entry \(index + 1) of \(entries.count) is an interval; several schedules are cron expressions or calendar events, and an interval is a schedule of its own")
            }
            parsed.append(schedule)
        }
        return parsed.count == 1 ? parsed[0] : .several(parsed)
    }

    /// A cron expression (five fields or `@…`) or else a calendar event.
    private static func parseEntry(_ trimmed: String, original text: String, timeZone: String?) throws -> Schedule {
        let fieldCount = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).count
        if trimmed.hasPrefix("@") || fieldCount == 5 {
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
        let event: CalendarEvent
        do {
            event = try CalendarEvent(trimmed)
        } catch let BoardError.invalidSchedule(_, reason) {
            // `0 */6 * *` is cron with a field missing, not a calendar event: say what cron needs.
            let cronCharacters = Set("0123456789*/,-")
            if fieldCount > 1, !trimmed.contains(".."), trimmed.allSatisfy({ cronCharacters.contains($0) || $0 == " " || $0 == "\t" }) {
                _ = try CronExpression(trimmed)
            }
            throw BoardError.invalidSchedule(
                text: text,
                reason: "not an interval such as 15m, 6h, 1d or 1w, a 5-field cron expression, nor a systemd calendar event such as 'Mon..Fri 02:30': \(reason)")
        }
        return .calendar(event, timeZone: try zone(named: timeZone, for: text))
    }

    /// `daily`, `weekly`, …: words a duration reader might otherwise try.
    private static func isCalendarWord(_ text: String) -> Bool {
        ["minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly",
         "semiannually", "semi-annually", "biannually", "bi-annually"].contains(text.lowercased())
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
