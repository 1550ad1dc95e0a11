import Foundation

/// A systemd calendar event (`OnCalendar=` in a timer unit), read as systemd.time(7) describes it.
///
/// The form is `[WEEKDAYS] [[YEAR-]MONTH-DAY] [HOUR:MINUTE[:SECOND]] [TIME ZONE]`, each part optional:
/// - weekdays: `Mon`, `Monday`, lists `Mon,Wed`, ranges `Mon..Fri` (or `Mon-Fri`), any case;
/// - every number: `*`, a value, lists `1,15`, ranges `1..7`, repetitions `0/15`, `*/2`, `1..20/5`;
/// - `~` in place of the last `-` counts days from the month's end: `*-02~03` is the third last day of February,
///   `*-*~07/1` the last seven days;
/// - an omitted date is every day, an omitted time midnight, omitted seconds `:00`; a two-digit year is 19xx
///   for 70–99 and 20xx otherwise;
/// - a time zone as the last word (`Europe/Berlin`, `UTC`); without one, the zone the caller gives;
/// - the words `minutely`, `hourly`, `daily`, `weekly` (Monday), `monthly`, `yearly` / `annually`, `quarterly`
///   and `semiannually` / `biannually`.
///
/// Elapses follow systemd's semantics, which differ from cron's at daylight saving changes
/// (`docs/architecture.md §3`): see ``nextElapse(after:in:)``.
public struct CalendarEvent: Sendable, Equatable, CustomStringConvertible {
    /// The text it was parsed from, without surrounding whitespace.
    public let source: String
    /// The time zone named inside the expression, if any; it wins over the job's.
    public let timeZone: TimeZone?

    /// Bit `n` for weekday `n`, Sunday 0; all seven when the expression names none.
    let weekdays: UInt8
    let years: CalendarComponent
    let months: CalendarComponent
    /// Days of the month, counted from the start, or from the end when `fromMonthEnd`.
    let days: CalendarComponent
    let fromMonthEnd: Bool
    let hours: CalendarComponent
    let minutes: CalendarComponent
    let seconds: CalendarComponent

    /// The last year searched: systemd stops there too.
    static let lastYear = 2199

    /// Parses `text`; throws ``BoardError/invalidSchedule(text:reason:)`` naming the part that is wrong.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        func fail(_ reason: String) -> BoardError { BoardError.invalidSchedule(text: text, reason: reason) }
        var words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { throw fail("the calendar event is empty") }

        var zone: TimeZone?
        if words.count > 1 || Self.shorthands[words[0].lowercased()] == nil, let last = words.last,
           last.first?.isLetter == true, Self.shorthands[last.lowercased()] == nil, (try? Self.parseWeekdays(last)) == nil {
            guard let named = Self.zone(named: last) else {
                throw fail("'\(last)' is not a weekday, date, time or known time zone; a time zone is an IANA name such as Europe/Berlin or UTC")
            }
            zone = named
            words.removeLast()
        }
        guard !words.isEmpty else { throw fail("the calendar event has a time zone but no time") }

        var weekdays: UInt8 = 0b111_1111
        var years = CalendarComponent.any, months = CalendarComponent.any, days = CalendarComponent.any
        var fromMonthEnd = false
        var hours = CalendarComponent.value(0), minutes = CalendarComponent.value(0), seconds = CalendarComponent.value(0)

        do {
            if words.count == 1, let shorthand = Self.shorthands[words[0].lowercased()] {
                (weekdays, months, days, hours, minutes) = shorthand
                if words[0].lowercased() == "minutely" { hours = .any; minutes = .any }
                if words[0].lowercased() == "hourly" { hours = .any }
            } else {
                var rest = words[...]
                if let first = rest.first, first.first?.isLetter == true {
                    weekdays = try Self.parseWeekdays(first)
                    rest = rest.dropFirst()
                }
                if let first = rest.first, first.contains("-") || first.contains("~"), !first.contains(":") {
                    (years, months, days, fromMonthEnd) = try Self.parseDate(first)
                    rest = rest.dropFirst()
                }
                if let first = rest.first, first.contains(":") {
                    (hours, minutes, seconds) = try Self.parseTime(first)
                    rest = rest.dropFirst()
                }
                if let extra = rest.first {
                    throw CalendarComponent.Problem(reason: "'\(extra)' is not a weekday, date (YEAR-MONTH-DAY), time (HH:MM[:SS]) or time zone in that place; the order is weekdays, date, time, zone")
                }
            }
        } catch let problem as CalendarComponent.Problem {
            throw fail(problem.reason)
        }

        source = trimmed
        timeZone = zone
        (self.weekdays, self.years, self.months, self.days, self.fromMonthEnd) = (weekdays, years, months, days, fromMonthEnd)
        (self.hours, self.minutes, self.seconds) = (hours, minutes, seconds)

        // A date that never exists (`*-02-30`, `Mon 2026-03-03`) is a mistake the user wants to hear about now.
        if Self.restrictsDays(self), nextDay(atOrAfter: WallTime.dayNumber(year: 1970, month: 1, day: 1)) == nil {
            throw fail("no day matches: the date and weekdays never meet")
        }
    }

    /// The source text.
    public var description: String { source }

    /// The first elapse strictly after `date`: the expression's own zone, else `zone`; nil when it never elapses
    /// again before 2200.
    ///
    /// Daylight saving time, as systemd does it (which is not cron's rule):
    /// - A wall time that does not exist (a spring-forward gap, such as 02:30 on 2026-03-29 in Europe/Berlin) is
    ///   skipped: no elapse that day for it.
    /// - A wall time that occurs twice (fall back) elapses once, at its first occurrence; but when `date` is
    ///   itself in the second pass of that hour, the wall times still ahead in it elapse in the second pass.
    public func nextElapse(after date: Date, in zone: TimeZone) -> Date? {
        let zone = timeZone ?? zone
        let instant = date.timeIntervalSince1970
        guard instant.isFinite, abs(instant) < 1e12 else { return nil }
        let base = Int(instant.rounded(.down))
        let local = base + zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(base)))
        var dayNumber = local.floorDivided(by: 86_400)
        var fromSecond = local - dayNumber * 86_400 + 1
        while true {
            guard let day = nextDay(atOrAfter: dayNumber) else { return nil }
            if day != dayNumber { fromSecond = 0 }
            dayNumber = day
            let date = WallTime.civilDate(dayNumber: day)
            let lastOfMonth = date.day == WallTime.daysIn(month: date.month, year: date.year)
            var second = fromSecond
            var resume = 86_400
            search: while true {
                switch step(atOrAfter: second, lastDayOfMonth: lastOfMonth) {
                case .match(let wall):
                    for candidate in zone.instants(ofLocalSecond: dayNumber * 86_400 + wall) where candidate > base {
                        return Date(timeIntervalSince1970: TimeInterval(candidate))
                    }
                    second = wall + 1
                case .resume(let offset):
                    resume = offset
                    break search
                }
            }
            dayNumber += resume.floorDivided(by: 86_400)
            fromSecond = resume.floorModulo(86_400)
        }
    }

    /// The next `count` elapses after `date` (fewer if it stops elapsing).
    public func elapses(after date: Date, count: Int, in zone: TimeZone) -> [Date] {
        var times: [Date] = []
        var last = date
        while times.count < count, let next = nextElapse(after: last, in: zone) {
            times.append(next)
            last = next
        }
        return times
    }

    // MARK: - Matching

    /// The first day number (days since 1970-01-01) at or after `start` whose date matches, before 2200.
    private func nextDay(atOrAfter start: Int) -> Int? {
        var (year, month, day) = WallTime.civilDate(dayNumber: start)
        while year <= Self.lastYear {
            guard let nextYear = years.first(atOrAfter: year, upTo: Self.lastYear) else { return nil }
            if nextYear != year { (year, month, day) = (nextYear, 1, 1) }
            guard let nextMonth = months.first(atOrAfter: month, upTo: 12) else {
                (year, month, day) = (year + 1, 1, 1)
                continue
            }
            if nextMonth != month { (month, day) = (nextMonth, 1) }
            let length = WallTime.daysIn(month: month, year: year)
            let monthDays = fromMonthEnd ? days.countedFromStart(monthLength: length) : days
            var found: Int?
            var probe = day
            while probe <= length {
                guard let date = monthDays.first(atOrAfter: probe, upTo: length) else { break }
                let weekday = WallTime.weekday(year: year, month: month, day: date)
                if weekdays & (1 << UInt8(weekday)) != 0 { found = date; break }
                probe = date + 1
            }
            if let found { return WallTime.dayNumber(year: year, month: month, day: found) }
            // systemd's carry (see `step`): days repeating past December's end go on into January.
            if month == 12, !fromMonthEnd, let k = days.overflow(atOrAfter: probe, limit: length) {
                let carried = WallTime.civilDate(dayNumber: WallTime.dayNumber(year: year, month: 12, day: 1) + k - 1)
                (year, month, day) = carried
                continue
            }
            (month, day) = (month + 1, 1)
            if month > 12 { (year, month) = (year + 1, 1) }
        }
        return nil
    }

    /// What the search of one day finds from `second` on: a matching second of the day, or where to go on,
    /// counted in seconds from the day's start (86 400 and more: a later day).
    private enum Step {
        case match(Int)
        case resume(Int)
    }

    /// The first matching second of a day at or after `second` (0…86 399), or where the search goes on.
    ///
    /// systemd 252 has a quirk kept here, since timers elapse by it: when a repetition without an end (`0/45`)
    /// runs past its field's last value while the field above is at its own last value (minute 59 for
    /// seconds, hour 23 for minutes, the month's last day for hours), the excess is carried instead of starting
    /// again at zero: `*:0/45` after 23:45 next elapses at 00:45, not 00:00.
    private func step(atOrAfter second: Int, lastDayOfMonth: Bool) -> Step {
        var (hour, minute, sec) = (second / 3_600, (second / 60) % 60, second % 60)
        while hour < 24 {
            guard let h = hours.first(atOrAfter: hour, upTo: 23) else {
                if lastDayOfMonth, let k = hours.overflow(atOrAfter: hour, limit: 23) { return .resume(k * 3_600) }
                return .resume(86_400)
            }
            if h != hour { (hour, minute, sec) = (h, 0, 0) }
            guard let m = minutes.first(atOrAfter: minute, upTo: 59) else {
                if hour == 23, let k = minutes.overflow(atOrAfter: minute, limit: 59) { return .resume(23 * 3_600 + k * 60) }
                (hour, minute, sec) = (hour + 1, 0, 0)
                continue
            }
            if m != minute { (minute, sec) = (m, 0) }
            guard let s = seconds.first(atOrAfter: sec, upTo: 59) else {
                if minute == 59, let k = seconds.overflow(atOrAfter: sec, limit: 59) {
                    let carried = hour * 3_600 + 59 * 60 + k
                    if carried >= 86_400 { return .resume(carried) }
                    (hour, minute, sec) = (carried / 3_600, (carried / 60) % 60, carried % 60)
                    continue
                }
                (minute, sec) = (minute + 1, 0)
                if minute > 59 { (hour, minute) = (hour + 1, 0) }
                continue
            }
            return .match(hour * 3_600 + minute * 60 + s)
        }
        return .resume(86_400)
    }

    /// Whether the date part may never match (so the constructor checks that some day does).
    private static func restrictsDays(_ event: CalendarEvent) -> Bool {
        event.weekdays != 0b111_1111 || event.days != .any || event.months != .any || event.years != .any
    }

    // MARK: - Parsing

    private typealias Shorthand = (UInt8, CalendarComponent, CalendarComponent, CalendarComponent, CalendarComponent)

    /// The words systemd accepts for a whole expression: weekdays, months, days, hours, minutes.
    private static let shorthands: [String: Shorthand] = {
        let all: UInt8 = 0b111_1111
        let daily: Shorthand = (all, .any, .any, .value(0), .value(0))
        let yearly: Shorthand = (all, .value(1), .value(1), .value(0), .value(0))
        let semiannually: Shorthand = (all, CalendarComponent(items: [.init(start: 1, stop: 1), .init(start: 7, stop: 7)]), .value(1), .value(0), .value(0))
        return [
            "minutely": daily,
            "hourly": daily,
            "daily": daily,
            "weekly": (0b000_0010, .any, .any, .value(0), .value(0)),
            "monthly": (all, .any, .value(1), .value(0), .value(0)),
            "yearly": yearly,
            "annually": yearly,
            "quarterly": (all, CalendarComponent(items: [1, 4, 7, 10].map { .init(start: $0, stop: $0) }), .value(1), .value(0), .value(0)),
            "semiannually": semiannually,
            "semi-annually": semiannually,
            "biannually": semiannually,
            "bi-annually": semiannually,
        ]
    }()

    private static let weekdayNames: [(short: String, long: String)] = [
        ("sun", "sunday"), ("mon", "monday"), ("tue", "tuesday"), ("wed", "wednesday"),
        ("thu", "thursday"), ("fri", "friday"), ("sat", "saturday"),
    ]

    /// 0 for Sunday … 6 for Saturday.
    private static func weekday(named text: some StringProtocol) -> Int? {
        let name = text.lowercased()
        return weekdayNames.firstIndex { $0.short == name || $0.long == name }
    }

    /// Monday-first order, as systemd ranges run: `Sun..Mon` is backwards.
    private static func mondayFirst(_ weekday: Int) -> Int { (weekday + 6) % 7 }

    private static func parseWeekdays(_ text: String) throws -> UInt8 {
        var bits: UInt8 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds: [Substring]
            if item.contains("..") {
                bounds = item.components(separatedBy: "..").map { Substring($0) }
            } else {
                bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            }
            guard (1...2).contains(bounds.count) else {
                throw CalendarComponent.Problem(reason: "weekdays '\(item)' is not a weekday or a range such as Mon..Fri")
            }
            let numbers = try bounds.map { name in
                guard let day = weekday(named: name) else {
                    throw CalendarComponent.Problem(reason: "weekday '\(name)' is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun")
                }
                return mondayFirst(day)
            }
            let (low, high) = (numbers[0], numbers[numbers.count - 1])
            guard low <= high else {
                throw CalendarComponent.Problem(reason: "weekday range '\(item)' runs backwards; weeks start on Monday, so write Mon..Fri or a list such as Fri,Sat,Sun,Mon")
            }
            for day in low...high { bits |= 1 << UInt8((day + 1) % 7) }
        }
        return bits
    }

    private static func parseDate(_ text: String) throws -> (CalendarComponent, CalendarComponent, CalendarComponent, Bool) {
        // The day is after the last `-`, or after a `~` that counts from the month's end.
        let fromEnd = text.contains("~")
        var parts: [Substring]
        if fromEnd {
            let halves = text.split(separator: "~", omittingEmptySubsequences: false)
            guard halves.count == 2 else {
                throw CalendarComponent.Problem(reason: "date '\(text)' has more than one '~'")
            }
            parts = halves[0].split(separator: "-", omittingEmptySubsequences: false) + [halves[1]]
        } else {
            parts = text.split(separator: "-", omittingEmptySubsequences: false)
        }
        guard parts.count == 2 || parts.count == 3 else {
            throw CalendarComponent.Problem(reason: "date '\(text)' is not YEAR-MONTH-DAY or MONTH-DAY")
        }
        var years = CalendarComponent.any
        if parts.count == 3 {
            years = try CalendarComponent(parsing: parts[0], name: "year", bounds: 1970...lastYear, anyStart: 1970)
            years = years.mappingTwoDigitYears()
            parts.removeFirst()
        }
        let months = try CalendarComponent(parsing: parts[0], name: "month", bounds: 1...12, anyStart: 1)
        let days = try CalendarComponent(parsing: parts[1], name: fromEnd ? "day from the month's end" : "day", bounds: 1...31, anyStart: 1)
        return (years, months, days, fromEnd)
    }

    private static func parseTime(_ text: String) throws -> (CalendarComponent, CalendarComponent, CalendarComponent) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else {
            throw CalendarComponent.Problem(reason: "time '\(text)' is not HOUR:MINUTE or HOUR:MINUTE:SECOND")
        }
        if parts.count == 3, parts[2].contains(".") {
            throw CalendarComponent.Problem(reason: "seconds '\(parts[2])' have a fraction; BackupBoard schedules to the whole second")
        }
        return (
            try CalendarComponent(parsing: parts[0], name: "hour", bounds: 0...23, anyStart: 0),
            try CalendarComponent(parsing: parts[1], name: "minute", bounds: 0...59, anyStart: 0),
            parts.count == 3 ? try CalendarComponent(parsing: parts[2], name: "second", bounds: 0...59, anyStart: 0) : .value(0)
        )
    }

    /// An IANA zone name, or UTC / GMT.
    private static func zone(named name: String) -> TimeZone? {
        if name.uppercased() == "UTC" || name.uppercased() == "GMT" { return TimeZone(identifier: "UTC") }
        guard name.contains("/") || name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "+" || $0 == "-" }) else { return nil }
        return TimeZone(identifier: name)
    }
}

/// The values one calendar event component allows: a list of values, ranges and repetitions.
struct CalendarComponent: Sendable, Equatable {
    /// `start`, `start + repeat`, … up to `stop` (nil: no end); `repeat` 0 means `start...stop` all.
    struct Item: Sendable, Equatable {
        var start: Int
        var stop: Int?
        var step: Int = 0
    }

    /// Empty means any value.
    var items: [Item]

    static let any = CalendarComponent(items: [])
    static func value(_ value: Int) -> CalendarComponent { CalendarComponent(items: [Item(start: value, stop: value)]) }

    /// Why a part could not be parsed, in words for the user.
    struct Problem: Error {
        let reason: String
    }

    init(items: [Item]) {
        self.items = items
    }

    /// Parses `*`, `N`, `N..M`, `N/R`, `*/R`, `N..M/R` and comma lists of them.
    init(parsing text: Substring, name: String, bounds: ClosedRange<Int>, anyStart: Int) throws {
        if text == "*" {
            self = .any
            return
        }
        var items: [Item] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !entry.isEmpty else { throw Problem(reason: "\(name) '\(text)' has an empty list item") }
            let pieces = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw Problem(reason: "\(name) '\(entry)' has more than one '/'") }
            var step = 0
            if pieces.count == 2 {
                guard let value = Self.number(pieces[1]), value >= 1 else {
                    throw Problem(reason: "\(name) repetition '/\(pieces[1])' is not a whole number of at least 1")
                }
                step = value
            }
            let span = pieces[0]
            var item: Item
            if span == "*" {
                guard step > 0 else { throw Problem(reason: "\(name) '\(entry)' mixes '*' into a list") }
                item = Item(start: anyStart, stop: nil, step: step)
            } else if let range = span.range(of: "..") {
                let low = try Self.value(span[..<range.lowerBound], name: name, bounds: bounds)
                let high = try Self.value(span[range.upperBound...], name: name, bounds: bounds)
                guard low <= high else { throw Problem(reason: "\(name) range '\(span)' runs backwards (\(low) is after \(high))") }
                item = Item(start: low, stop: high, step: step)
            } else {
                let value = try Self.value(span, name: name, bounds: bounds)
                item = Item(start: value, stop: step > 0 ? nil : value, step: step)
            }
            items.append(item)
        }
        self.items = items
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    private static func value(_ text: Substring, name: String, bounds: ClosedRange<Int>) throws -> Int {
        guard let value = number(text) else {
            throw Problem(reason: "\(name) '\(text)' is not a number")
        }
        // Two-digit years are widened after parsing; let them through here.
        if name == "year", text.count == 2 { return value }
        guard bounds.contains(value) else {
            throw Problem(reason: "\(name) '\(text)' is out of range \(bounds.lowerBound)–\(bounds.upperBound)")
        }
        return value
    }

    /// Years 0–69 as 2000–2069 and 70–99 as 1970–1999, as systemd reads two-digit years.
    func mappingTwoDigitYears() -> CalendarComponent {
        func widen(_ year: Int) -> Int { year >= 100 ? year : (year < 70 ? year + 2000 : year + 1900) }
        return CalendarComponent(items: items.map { Item(start: widen($0.start), stop: $0.stop.map(widen), step: $0.step) })
    }

    /// Days counted from a month's end (`~3` is the third last) as days counted from its start.
    ///
    /// `~A..B/R` runs from the B-th last day up, every R days, to the A-th last; `~A/R` from the A-th last day
    /// up to the month's end. That is how systemd reads them: `*-*~05/2` in January is the 27th, 29th and 31st.
    func countedFromStart(monthLength length: Int) -> CalendarComponent {
        guard !items.isEmpty else { return self }
        return CalendarComponent(items: items.map { item in
            if let stop = item.stop {
                return Item(start: length - stop + 1, stop: length - item.start + 1, step: item.step)
            }
            return Item(start: length - item.start + 1, stop: nil, step: item.step)
        })
    }

    /// The value an endless repetition (`N/R`, `*/R`) reaches past `limit` from `value` on, when no value up
    /// to `limit` is allowed at or after `value`: the smallest such, as systemd computes it before normalizing.
    func overflow(atOrAfter value: Int, limit: Int) -> Int? {
        guard first(atOrAfter: value, upTo: limit) == nil else { return nil }
        var best: Int?
        for item in items where item.stop == nil && item.step > 0 && item.start < value {
            let k = item.start + (value - item.start + item.step - 1) / item.step * item.step
            if best.map({ k < $0 }) ?? true { best = k }
        }
        return best.flatMap { $0 > limit ? $0 : nil }
    }

    /// The smallest allowed value at or after `value`, up to `limit`.
    func first(atOrAfter value: Int, upTo limit: Int) -> Int? {
        guard value <= limit else { return nil }
        guard !items.isEmpty else { return value }
        var best: Int?
        for item in items {
            let stop = min(item.stop ?? limit, limit)
            var candidate = max(value, item.start)
            if item.step > 0, candidate > item.start {
                let offset = candidate - item.start
                candidate = item.start + (offset + item.step - 1) / item.step * item.step
            }
            if candidate <= stop, best.map({ candidate < $0 }) ?? true { best = candidate }
        }
        return best
    }
}

extension TimeZone {
    /// The instants whose wall-clock time in this zone is `local` (seconds since 1970 read as if UTC), earliest
    /// first: none in a spring-forward gap, two in a fall-back overlap.
    func instants(ofLocalSecond local: Int) -> [Int] {
        func offset(at second: Int) -> Int {
            secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
        }
        // UTC offsets lie within -12 h…+14 h, so every instant with this wall time lies in this window, and the
        // offsets at its ends are those on both sides of any transition near it.
        let earlier = offset(at: local - 15 * 3_600)
        let later = offset(at: local + 13 * 3_600)
        if earlier == later, offset(at: local - earlier) == earlier { return [local - earlier] }
        var found: [Int] = []
        for candidate in Set([earlier, later]).sorted(by: >) where offset(at: local - candidate) == candidate {
            found.append(local - candidate)
        }
        return found
    }
}
