import Foundation

/// A five-field cron expression (minute hour day-of-month month day-of-week), Vixie-cron semantics.
///
/// Accepted syntax, field by field: `*`, numbers, lists `1,15`, ranges `1-5`, steps `*/15`, `10-50/10`
/// and `5/15` (from 5 to the field's end), month names `JAN`–`DEC` and weekday names `SUN`–`SAT` in any case,
/// and both `0` and `7` for Sunday. The macros `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`,
/// `@yearly` and `@annually` stand for their usual five fields.
///
/// Days follow Vixie cron: when both day-of-month and day-of-week are restricted (neither starts with `*`),
/// a day matches when either matches; otherwise both must.
///
/// Fire times are wall-clock times in a time zone; see ``nextFire(after:in:)`` for daylight saving time.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The text it was parsed from, without surrounding whitespace.
    public let source: String

    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    /// Sunday is 0; a `7` in the text is stored as 0.
    let daysOfWeek: CronField
    /// False when the day-of-month field starts with `*`.
    let dayOfMonthRestricted: Bool
    /// False when the day-of-week field starts with `*`.
    let dayOfWeekRestricted: Bool

    /// How many calendar years ahead a search looks before deciding that an expression never fires.
    ///
    /// Eight years always reach the next 29 February, even across a skipped century leap year (2096 → 2104).
    public static let searchYears = 8

    /// Parses `text`; throws ``BoardError/invalidSchedule(text:reason:)`` naming the field and the value at fault.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let fail = { (reason: String) in BoardError.invalidSchedule(text: text, reason: reason) }
        guard !trimmed.isEmpty else { throw fail("the cron expression is empty") }

        var body = trimmed
        if trimmed.hasPrefix("@") {
            let name = trimmed.lowercased()
            if name == "@reboot" {
                throw fail("@reboot runs once at boot, not on a schedule; use an interval such as 1d instead")
            }
            guard let expansion = Self.macros[name] else {
                throw fail("unknown macro '\(trimmed)'; use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually")
            }
            body = expansion
        }

        let fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw fail("expected 5 fields (minute hour day-of-month month day-of-week) but found \(fields.count)")
        }
        func field(_ index: Int, as kind: CronField.Kind) throws -> CronField {
            do {
                return try CronField(parsing: fields[index], as: kind)
            } catch let problem as CronField.Problem {
                throw fail(problem.reason)
            }
        }
        minutes = try field(0, as: .minute)
        hours = try field(1, as: .hour)
        daysOfMonth = try field(2, as: .dayOfMonth)
        months = try field(3, as: .month)
        daysOfWeek = try field(4, as: .dayOfWeek)
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
        source = trimmed
    }

    /// The source text.
    public var description: String { source }

    /// The first fire time strictly after `date`, read as wall-clock time in `zone`; nil if it never fires
    /// within ``searchYears`` years.
    ///
    /// Daylight saving time:
    /// - A wall time that does not exist (it falls in a spring-forward gap, such as 02:30 on the last Sunday
    ///   of March in Europe/Berlin) fires once, at the first instant after the gap: the transition instant
    ///   itself (03:00 CEST = 01:00 UTC in that example). Several missing wall times collapse into that one
    ///   fire, and a wall time right after the gap that matches too (03:00) is the same instant, so it fires once.
    /// - A wall time that occurs twice (a fall-back overlap, such as 02:30 on the last Sunday of October in
    ///   Europe/Berlin) fires once, at its first occurrence (02:30 CEST = 00:30 UTC). This holds for every
    ///   expression: an hourly job does not fire again during the repeated hour.
    public func nextFire(after date: Date, in zone: TimeZone) -> Date? {
        let instant = date.timeIntervalSince1970
        guard instant.isFinite, abs(instant) < 1e15 else { return nil }
        let localSecond = Int(instant.rounded(.down)) + zone.secondsFromGMT(for: date)
        // Every wall minute up to and including the current one is not after `date`.
        var from = WallTime(minuteOfEpoch: localSecond.floorDivided(by: 60) + 1)
        let lastYear = from.year + Self.searchYears
        while let wall = nextMatch(atOrAfter: from, throughYear: lastYear) {
            let fire = zone.firstInstant(of: wall)
            // Only a wall time inside a fall-back overlap can map to an instant before `date`, when `date`
            // lies in the second pass of the repeated hour; those were fired on the first pass.
            if fire > date { return fire }
            from = wall.nextMinute
        }
        return nil
    }

    /// The next `count` fire times after `date`, read in `zone`; fewer if the expression stops firing.
    public func fireTimes(after date: Date, count: Int, in zone: TimeZone) -> [Date] {
        var times: [Date] = []
        times.reserveCapacity(max(0, min(count, 1_000)))
        var last = date
        while times.count < count, let next = nextFire(after: last, in: zone) {
            times.append(next)
            last = next
        }
        return times
    }

    /// Whether the expression fires on the day `year`-`month`-`day`.
    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let weekday = WallTime.weekday(year: year, month: month, day: day)
        let byDayOfMonth = daysOfMonth.contains(day)
        let byDayOfWeek = daysOfWeek.contains(weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return byDayOfMonth || byDayOfWeek }
        return byDayOfMonth && byDayOfWeek
    }

    /// The first wall time at or after `start` that the fields match, or nil past the end of `lastYear`.
    ///
    /// Skips whole months, days and hours that cannot match, so a search over years costs at most one
    /// step per day of the matching months.
    func nextMatch(atOrAfter start: WallTime, throughYear lastYear: Int) -> WallTime? {
        var (year, month, day, hour, minute) = (start.year, start.month, start.day, start.hour, start.minute)
        while year <= lastYear {
            guard let nextMonth = months.first(atOrAfter: month) else {
                (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0)
                continue
            }
            if nextMonth != month { (month, day, hour, minute) = (nextMonth, 1, 0, 0) }

            guard day <= WallTime.daysIn(month: month, year: year) else {
                (month, day, hour, minute) = (month + 1, 1, 0, 0)
                if month > 12 { (year, month) = (year + 1, 1) }
                continue
            }
            guard matchesDay(year: year, month: month, day: day) else {
                (day, hour, minute) = (day + 1, 0, 0)
                continue
            }

            guard let nextHour = hours.first(atOrAfter: hour) else {
                (day, hour, minute) = (day + 1, 0, 0)
                continue
            }
            if nextHour != hour { (hour, minute) = (nextHour, 0) }

            guard let nextMinute = minutes.first(atOrAfter: minute) else {
                (hour, minute) = (hour + 1, 0)
                if hour > 23 { (day, hour) = (day + 1, 0) }
                continue
            }
            return WallTime(year: year, month: month, day: day, hour: hour, minute: nextMinute)
        }
        return nil
    }

    private static let macros: [String: String] = [
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
    ]
}

// MARK: - Fields

/// The values one cron field allows, as a bitset: bit `n` set means value `n` matches.
struct CronField: Sendable, Equatable {
    var bits: UInt64

    /// Which of the five fields, with its range and names.
    enum Kind {
        case minute, hour, dayOfMonth, month, dayOfWeek

        var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// The values the text may name; day-of-week allows 7 as a second Sunday.
        var bounds: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// Three-letter names and their numbers.
        var names: [String: Int] {
            switch self {
            case .month:
                ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                 "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
            case .dayOfWeek:
                ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
            default:
                [:]
            }
        }

        /// What the field accepts, for messages about values it does not.
        var expected: String {
            switch self {
            case .month: "a number 1–12 or a month name JAN–DEC"
            case .dayOfWeek: "a number 0–7 or a weekday name SUN–SAT"
            default: "a number"
            }
        }
    }

    /// Why a field could not be parsed, in words for the user.
    struct Problem: Error {
        let reason: String
    }

    /// Parses one field's text: a comma-separated list of `*`, `N`, `N-M`, each with an optional `/STEP`.
    init(parsing text: String, as kind: Kind) throws {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw Problem(reason: "\(kind.name) field '\(text)' has an empty list item")
            }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw Problem(reason: "\(kind.name) field '\(item)' has more than one step")
            }
            let span = parts[0]
            var step = 1
            if parts.count == 2 {
                guard let value = Int(parts[1]) else {
                    throw Problem(reason: "\(kind.name) field step '\(parts[1])' is not a number")
                }
                guard value >= 1 else {
                    throw Problem(reason: "\(kind.name) field step '\(parts[1])' must be at least 1")
                }
                step = value
            }

            let low: Int
            let high: Int
            if span == "*" {
                (low, high) = (kind.bounds.lowerBound, kind == .dayOfWeek ? 6 : kind.bounds.upperBound)
            } else if let dash = span.firstIndex(of: "-") {
                low = try Self.value(span[..<dash], kind: kind)
                high = try Self.value(span[span.index(after: dash)...], kind: kind)
                guard low <= high else {
                    throw Problem(reason: "\(kind.name) field range '\(span)' runs backwards (\(low) is after \(high))")
                }
            } else {
                low = try Self.value(span, kind: kind)
                // `5/15` means from 5 to the end of the field, as in Vixie cron.
                high = parts.count == 2 ? (kind == .dayOfWeek ? 6 : kind.bounds.upperBound) : low
            }
            for value in stride(from: low, through: high, by: step) {
                bits |= 1 << UInt64(value)
            }
        }
        if kind == .dayOfWeek, bits & (1 << 7) != 0 {
            bits = (bits & ~(1 << 7)) | 1 // 7 is Sunday, like 0
        }
        self.bits = bits
    }

    /// One number or name within a field, checked against the field's range.
    private static func value(_ text: Substring, kind: Kind) throws -> Int {
        guard !text.isEmpty else {
            throw Problem(reason: "\(kind.name) field has a range with a missing end; expected \(kind.expected)")
        }
        let number: Int
        if text.allSatisfy({ $0.isASCII && $0.isNumber }), let parsed = Int(text) {
            number = parsed
        } else if let named = kind.names[text.lowercased()] {
            return named
        } else {
            throw Problem(reason: "\(kind.name) field '\(text)' is not \(kind.expected)")
        }
        let bounds = kind.bounds
        guard bounds.contains(number) else {
            throw Problem(reason: "\(kind.name) field '\(text)' is out of range \(bounds.lowerBound)–\(bounds.upperBound)")
        }
        return number
    }

    /// Whether `value` matches.
    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest matching value at or after `value`, if any.
    func first(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let remaining = value <= 0 ? bits : bits & ~((1 << UInt64(value)) - 1)
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }
}

// MARK: - Wall-clock time

/// A wall-clock minute (a civil date and time with no zone), as a cron expression sees time.
struct WallTime: Sendable, Equatable, Comparable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    /// The wall time `minuteOfEpoch` minutes after 1970-01-01 00:00.
    init(minuteOfEpoch: Int) {
        let dayNumber = minuteOfEpoch.floorDivided(by: 1_440)
        let minuteOfDay = minuteOfEpoch - dayNumber * 1_440
        (year, month, day) = Self.civilDate(dayNumber: dayNumber)
        (hour, minute) = (minuteOfDay / 60, minuteOfDay % 60)
    }

    /// Minutes since 1970-01-01 00:00, counting every wall minute once.
    var minuteOfEpoch: Int {
        (Self.dayNumber(year: year, month: month, day: day) * 24 + hour) * 60 + minute
    }

    /// The wall time read as if the zone were UTC, in seconds since 1970.
    var secondOfEpoch: Int { minuteOfEpoch * 60 }

    /// The following wall minute.
    var nextMinute: WallTime { WallTime(minuteOfEpoch: minuteOfEpoch + 1) }

    static func < (lhs: WallTime, rhs: WallTime) -> Bool {
        lhs.minuteOfEpoch < rhs.minuteOfEpoch
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the proleptic Gregorian date.
    ///
    /// Counts in 400-year cycles of years that start on 1 March, so the leap day is the last day of its year.
    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let marchYear = month <= 2 ? year - 1 : year
        let cycle = marchYear.floorDivided(by: 400)
        let yearOfCycle = marchYear - cycle * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfCycle = yearOfCycle * 365 + yearOfCycle / 4 - yearOfCycle / 100 + dayOfYear
        return cycle * 146_097 + dayOfCycle - 719_468
    }

    /// The proleptic Gregorian date `dayNumber` days after 1970-01-01; the inverse of ``dayNumber(year:month:day:)``.
    static func civilDate(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = dayNumber + 719_468
        let cycle = shifted.floorDivided(by: 146_097)
        let dayOfCycle = shifted - cycle * 146_097
        let yearOfCycle = (dayOfCycle - dayOfCycle / 1_460 + dayOfCycle / 36_524 - dayOfCycle / 146_096) / 365
        let dayOfYear = dayOfCycle - (365 * yearOfCycle + yearOfCycle / 4 - yearOfCycle / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// 0 for Sunday through 6 for Saturday.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        // 1970-01-01 was a Thursday.
        (dayNumber(year: year, month: month, day: day) + 4).floorModulo(7)
    }
}

extension TimeZone {
    /// The first instant whose wall-clock time in this zone is `wall`, or, when `wall` falls in a gap
    /// (spring forward), the first instant after the gap.
    func firstInstant(of wall: WallTime) -> Date {
        let local = wall.secondOfEpoch
        func offset(at second: Int) -> Int {
            secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
        }
        // UTC offsets lie within -12 h…+14 h, so the instant lies in this window; the offsets at its ends are
        // the ones before and after any transition near `wall`.
        let earlier = offset(at: local - 15 * 3_600)
        let later = offset(at: local + 13 * 3_600)
        if earlier == later {
            return Date(timeIntervalSince1970: TimeInterval(local - earlier))
        }
        // The larger offset gives the earlier instant: the first occurrence of a repeated wall time.
        for candidate in [max(earlier, later), min(earlier, later)] where offset(at: local - candidate) == candidate {
            return Date(timeIntervalSince1970: TimeInterval(local - candidate))
        }
        // A gap: find the transition, the first instant whose wall time is past `wall`.
        var before = local - max(earlier, later) // wall time here is before `wall`
        var after = local - min(earlier, later) // wall time here is after `wall`
        while after - before > 1 {
            let middle = before + (after - before) / 2
            if middle + offset(at: middle) > local { after = middle } else { before = middle }
        }
        return Date(timeIntervalSince1970: TimeInterval(after))
    }
}

extension Int {
    /// Division rounding toward negative infinity.
    func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// The remainder with the divisor's sign.
    func floorModulo(_ divisor: Int) -> Int {
        self - floorDivided(by: divisor) * divisor
    }
}
