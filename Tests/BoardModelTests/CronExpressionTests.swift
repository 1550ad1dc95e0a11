import Foundation
import Testing
@testable import BoardModel

private func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else { preconditionFailure("unknown zone \(identifier)") }
    return zone
}

/// The bitset holding exactly `values`.
private func bits(_ values: Int...) -> UInt64 {
    values.reduce(0) { $0 | 1 << UInt64($1) }
}

private func bits(_ values: some Sequence<Int>) -> UInt64 {
    values.reduce(0) { $0 | 1 << UInt64($1) }
}

@Suite struct CronParsingTests {
    @Test func listsRangesAndStepsBecomeBitsets() throws {
        let cron = try CronExpression("1,15 1-5 */10 2-11/3 1-5")
        #expect(cron.minutes.bits == bits(1, 15))
        #expect(cron.hours.bits == bits(1, 2, 3, 4, 5))
        #expect(cron.daysOfMonth.bits == bits(1, 11, 21, 31))
        #expect(cron.months.bits == bits(2, 5, 8, 11))
        #expect(cron.daysOfWeek.bits == bits(1, 2, 3, 4, 5))
        #expect(cron.dayOfMonthRestricted == false) // `*/10` starts with `*`
        #expect(cron.dayOfWeekRestricted == true)
    }

    @Test func stepsOverStarRangeAndSingleStart() throws {
        #expect(try CronExpression("*/15 * * * *").minutes.bits == bits(0, 15, 30, 45))
        #expect(try CronExpression("10-50/10 * * * *").minutes.bits == bits(10, 20, 30, 40, 50))
        #expect(try CronExpression("5/20 * * * *").minutes.bits == bits(5, 25, 45))
        #expect(try CronExpression("0 */7 * * *").hours.bits == bits(0, 7, 14, 21))
        #expect(try CronExpression("* * * * *").minutes.bits == bits(0...59))
        #expect(try CronExpression("* * * * *").daysOfWeek.bits == bits(0...6))
    }

    @Test func monthAndWeekdayNamesInAnyCase() throws {
        let cron = try CronExpression("0 12 * jan,Feb,MAR,dec mon-FRI")
        #expect(cron.months.bits == bits(1, 2, 3, 12))
        #expect(cron.daysOfWeek.bits == bits(1, 2, 3, 4, 5))
        #expect(try CronExpression("0 0 * JUN-AUG sat,SUN").months.bits == bits(6, 7, 8))
        #expect(try CronExpression("0 0 * JUN-AUG sat,SUN").daysOfWeek.bits == bits(0, 6))
        #expect(try CronExpression("0 0 * jan-dec/6 *").months.bits == bits(1, 7))
    }

    @Test func zeroAndSevenAreBothSunday() throws {
        #expect(try CronExpression("0 0 * * 7").daysOfWeek.bits == bits(0))
        #expect(try CronExpression("0 0 * * 0").daysOfWeek.bits == bits(0))
        #expect(try CronExpression("0 0 * * 5-7").daysOfWeek.bits == bits(0, 5, 6))
        #expect(try CronExpression("0 0 * * 0-7").daysOfWeek.bits == bits(0...6))
    }

    @Test(arguments: [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@WEEKLY", "0 0 * * 0"),
    ])
    func macrosExpandToTheirFields(macro: String, fields: String) throws {
        let expanded = try CronExpression(macro)
        let written = try CronExpression(fields)
        #expect(expanded.source == macro)
        #expect(expanded.minutes == written.minutes)
        #expect(expanded.hours == written.hours)
        #expect(expanded.daysOfMonth == written.daysOfMonth)
        #expect(expanded.months == written.months)
        #expect(expanded.daysOfWeek == written.daysOfWeek)
        #expect(expanded.dayOfMonthRestricted == written.dayOfMonthRestricted)
        #expect(expanded.dayOfWeekRestricted == written.dayOfWeekRestricted)
    }

    @Test func sourceIsKeptAndIsTheDescription() throws {
        let cron = try CronExpression("  30 2 * * *\n")
        #expect(cron.source == "30 2 * * *")
        #expect(cron.description == "30 2 * * *")
        #expect(try CronExpression("0\t3  *  * *").minutes.bits == bits(0))
    }

    @Test(arguments: [
        ("61 * * * *", "minute field '61' is out of range 0–59"),
        ("0 24 * * *", "hour field '24' is out of range 0–23"),
        ("0 0 0 * *", "day-of-month field '0' is out of range 1–31"),
        ("0 0 32 * *", "day-of-month field '32' is out of range 1–31"),
        ("0 0 1 13 *", "month field '13' is out of range 1–12"),
        ("0 0 * * 8", "day-of-week field '8' is out of range 0–7"),
        ("0 0 1-40 * *", "day-of-month field '40' is out of range 1–31"),
        ("x * * * *", "minute field 'x' is not a number"),
        ("+5 * * * *", "minute field '+5' is not a number"),
        ("0 0 L * *", "day-of-month field 'L' is not a number"),
        ("0 0 * FOO *", "month field 'FOO' is not a number 1–12 or a month name JAN–DEC"),
        ("0 0 * * FUNDAY", "day-of-week field 'FUNDAY' is not a number 0–7 or a weekday name SUN–SAT"),
        ("*/0 * * * *", "minute field step '0' must be at least 1"),
        ("*/x * * * *", "minute field step 'x' is not a number"),
        ("*/5/2 * * * *", "minute field '*/5/2' has more than one step"),
        ("0 5-1 * * *", "hour field range '5-1' runs backwards (5 is after 1)"),
        ("0 FRI-MON * * *", "hour field 'FRI' is not a number"),
        ("0 0 * * FRI-MON", "day-of-week field range 'FRI-MON' runs backwards (5 is after 1)"),
        ("1,,2 * * * *", "minute field '1,,2' has an empty list item"),
        ("5- * * * *", "minute field has a range with a missing end; expected a number"),
        ("0 0 * *", "expected 5 fields (minute hour day-of-month month day-of-week) but found 4"),
        ("0 0 3 * * *", "expected 5 fields (minute hour day-of-month month day-of-week) but found 6"),
        ("   ", "the cron expression is empty"),
        ("@reboot", "@reboot runs once at boot, not on a schedule; use an interval such as 1d instead"),
        ("@fortnightly", "unknown macro '@fortnightly'; use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually"),
    ])
    func errorsNameTheFieldAndTheValue(text: String, reason: String) {
        #expect(throws: BoardError.invalidSchedule(text: text, reason: reason)) {
            try CronExpression(text)
        }
    }

    @Test func errorMessageReadsAsASentence() {
        do {
            _ = try CronExpression("61 * * * *")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "Invalid schedule '61 * * * *': minute field '61' is out of range 0–59")
        }
    }
}

@Suite struct CronFireTimeTests {
    let utc = zone("UTC")
    let berlin = zone("Europe/Berlin")
    let newYork = zone("America/New_York")
    let kolkata = zone("Asia/Kolkata")

    @Test func fireTimeIsStrictlyAfterTheDate() throws {
        let cron = try CronExpression("30 2 * * *")
        // Exactly on a fire time: the next day's.
        #expect(cron.nextFire(after: instant("2026-01-01T02:30:00Z"), in: utc) == instant("2026-01-02T02:30:00Z"))
        // Half a second before: the same day's.
        let justBefore = instant("2026-01-01T02:30:00Z").addingTimeInterval(-0.5)
        #expect(cron.nextFire(after: justBefore, in: utc) == instant("2026-01-01T02:30:00Z"))
        // Inside the fire minute but after it: the next day's.
        let inside = instant("2026-01-01T02:30:00Z").addingTimeInterval(20)
        #expect(cron.nextFire(after: inside, in: utc) == instant("2026-01-02T02:30:00Z"))
    }

    // MARK: Daylight saving time, Europe/Berlin (2026: spring forward 29 March, fall back 25 October, both at 01:00 UTC)

    @Test func springForwardFiresOnceAtTheEndOfTheGap() throws {
        let cron = try CronExpression("30 2 * * *")
        // 02:30 CET, then 02:30 does not exist on 29 March: 03:00 CEST = 01:00 UTC, then 02:30 CEST.
        #expect(iso(cron.fireTimes(after: instant("2026-03-27T12:00:00Z"), count: 3, in: berlin)) == [
            "2026-03-28T01:30:00Z",
            "2026-03-29T01:00:00Z",
            "2026-03-30T00:30:00Z",
        ])
    }

    @Test func severalMissingWallTimesCollapseIntoOneFire() throws {
        // 02:00, 02:20 and 02:40 all fall in the gap: one fire at 03:00 CEST, then 02:00 CEST next day.
        let cron = try CronExpression("*/20 2 * * *")
        #expect(iso(cron.fireTimes(after: instant("2026-03-29T00:00:00Z"), count: 2, in: berlin)) == [
            "2026-03-29T01:00:00Z",
            "2026-03-30T00:00:00Z",
        ])
        // 02:00, 02:30 (missing) and 03:00 (the first valid wall time) are the same instant: it fires once.
        let overlapping = try CronExpression("0,30 2,3 29 3 *")
        #expect(iso(overlapping.fireTimes(after: instant("2026-03-29T00:00:00Z"), count: 3, in: berlin)) == [
            "2026-03-29T01:00:00Z", // 02:00, 02:30 and 03:00 CEST
            "2026-03-29T01:30:00Z", // 03:30 CEST
            "2027-03-29T00:00:00Z", // 02:00 CEST a year later
        ])
    }

    @Test func fallBackFiresOnceAtTheFirstOccurrence() throws {
        let cron = try CronExpression("30 2 * * *")
        // 02:30 CEST on 24 and 25 October (the first 02:30 of the repeated hour), then 02:30 CET.
        let times = cron.fireTimes(after: instant("2026-10-23T12:00:00Z"), count: 3, in: berlin)
        #expect(iso(times) == [
            "2026-10-24T00:30:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-26T01:30:00Z",
        ])
        // Once on the fall-back day: never at 02:30 CET = 01:30 UTC.
        let fallBackDay = times.filter { $0 >= instant("2026-10-24T22:00:00Z") && $0 < instant("2026-10-25T23:00:00Z") }
        #expect(iso(fallBackDay) == ["2026-10-25T00:30:00Z"])
        // From inside the repeated hour, first pass (02:45 CEST) or second pass (02:15 CET): the next day.
        #expect(cron.nextFire(after: instant("2026-10-25T00:45:00Z"), in: berlin) == instant("2026-10-26T01:30:00Z"))
        #expect(cron.nextFire(after: instant("2026-10-25T01:15:00Z"), in: berlin) == instant("2026-10-26T01:30:00Z"))
    }

    @Test func hourlyJobDoesNotRepeatTheRepeatedHour() throws {
        // 02:00 CEST, then 03:00 CET: the 02:00 CET of the second pass has fired already as a wall time.
        let cron = try CronExpression("@hourly")
        #expect(iso(cron.fireTimes(after: instant("2026-10-24T23:30:00Z"), count: 3, in: berlin)) == [
            "2026-10-25T00:00:00Z",
            "2026-10-25T02:00:00Z",
            "2026-10-25T03:00:00Z",
        ])
        // Every minute of the hour inside the gap maps to 03:00 CEST, once.
        let spring = cron.fireTimes(after: instant("2026-03-28T23:30:00Z"), count: 3, in: berlin)
        #expect(iso(spring) == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"])
    }

    // MARK: Other zones

    @Test func newYorkWeekdaysAcrossTheSpringChange() throws {
        let cron = try CronExpression("0 9 * * MON-FRI")
        // Thursday 10:00 EST → Friday 09:00 EST (14:00 UTC) → Monday 09:00 EDT (13:00 UTC), after the change on 8 March.
        #expect(iso(cron.fireTimes(after: instant("2026-03-05T15:00:00Z"), count: 2, in: newYork)) == [
            "2026-03-06T14:00:00Z",
            "2026-03-09T13:00:00Z",
        ])
    }

    @Test func newYorkGapAndOverlap() throws {
        // 02:30 does not exist on 8 March 2026: 03:00 EDT = 07:00 UTC.
        let gap = try CronExpression("30 2 * * *")
        #expect(gap.nextFire(after: instant("2026-03-07T12:00:00Z"), in: newYork) == instant("2026-03-08T07:00:00Z"))
        // 01:30 happens twice on 1 November 2026: the EDT one (05:30 UTC), then 01:30 EST the next day.
        let overlap = try CronExpression("30 1 * * *")
        #expect(iso(overlap.fireTimes(after: instant("2026-10-31T12:00:00Z"), count: 2, in: newYork)) == [
            "2026-11-01T05:30:00Z",
            "2026-11-02T06:30:00Z",
        ])
    }

    @Test func kolkataHalfHourOffset() throws {
        // India is UTC+05:30 all year.
        #expect(try CronExpression("0 9 * * *").nextFire(after: instant("2026-01-01T00:00:00Z"), in: kolkata)
            == instant("2026-01-01T03:30:00Z"))
        #expect(try CronExpression("30 23 * * *").nextFire(after: instant("2026-01-01T00:00:00Z"), in: kolkata)
            == instant("2026-01-01T18:00:00Z"))
        // 23:59 IST on 1 January → midnight IST on 2 January, which is 18:30 UTC on 1 January.
        #expect(try CronExpression("@daily").nextFire(after: instant("2026-01-01T18:29:00Z"), in: kolkata)
            == instant("2026-01-01T18:30:00Z"))
    }

    // MARK: Days

    @Test func thirtyFirstSkipsShortMonths() throws {
        let cron = try CronExpression("0 3 31 * *")
        #expect(iso(cron.fireTimes(after: instant("2026-01-31T03:00:00Z"), count: 4, in: utc)) == [
            "2026-03-31T03:00:00Z",
            "2026-05-31T03:00:00Z",
            "2026-07-31T03:00:00Z",
            "2026-08-31T03:00:00Z",
        ])
    }

    @Test func leapDayFindsTheNextLeapYear() throws {
        let cron = try CronExpression("0 0 29 2 *")
        #expect(cron.nextFire(after: instant("2026-01-01T00:00:00Z"), in: utc) == instant("2028-02-29T00:00:00Z"))
        // 2100 is not a leap year: eight years from 2096 to 2104.
        #expect(cron.nextFire(after: instant("2096-03-01T00:00:00Z"), in: utc) == instant("2104-02-29T00:00:00Z"))
    }

    @Test func expressionsThatNeverFireReturnNil() throws {
        for text in ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"] {
            let cron = try CronExpression(text)
            #expect(cron.nextFire(after: instant("2026-01-01T00:00:00Z"), in: berlin) == nil)
            #expect(cron.fireTimes(after: instant("2026-01-01T00:00:00Z"), count: 3, in: berlin).isEmpty)
        }
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // Every Friday, and every 13th whatever its weekday; Friday 13 February fires once.
        let cron = try CronExpression("0 0 13 * FRI")
        #expect(iso(cron.fireTimes(after: instant("2026-01-01T00:00:00Z"), count: 4, in: utc)) == [
            "2026-01-02T00:00:00Z", // Friday
            "2026-01-09T00:00:00Z", // Friday
            "2026-01-13T00:00:00Z", // Tuesday the 13th
            "2026-01-16T00:00:00Z", // Friday
        ])
        #expect(iso(cron.fireTimes(after: instant("2026-02-01T00:00:00Z"), count: 3, in: utc)) == [
            "2026-02-06T00:00:00Z",
            "2026-02-13T00:00:00Z",
            "2026-02-20T00:00:00Z",
        ])
    }

    @Test func dayOfMonthAndDayOfWeekWhenOneStartsWithStar() throws {
        // `*/10` starts with `*`: days 1, 11, 21, 31 that are also Mondays.
        let cron = try CronExpression("0 0 */10 * MON")
        #expect(iso(cron.fireTimes(after: instant("2026-01-01T00:00:00Z"), count: 3, in: utc)) == [
            "2026-05-11T00:00:00Z",
            "2026-06-01T00:00:00Z",
            "2026-08-31T00:00:00Z",
        ])
        // Only a weekday restricted: every Monday.
        let mondays = try CronExpression("0 0 * * 1")
        #expect(mondays.nextFire(after: instant("2026-01-01T00:00:00Z"), in: utc) == instant("2026-01-05T00:00:00Z"))
    }

    // MARK: Steps, ranges, names, macros

    @Test func stepsAndRanges() throws {
        // Hours 9, 13, 17; minutes 10 to 50.
        let cron = try CronExpression("10-50/10 9-17/4 * * *")
        #expect(iso(cron.fireTimes(after: instant("2026-01-01T00:00:00Z"), count: 7, in: utc)) == [
            "2026-01-01T09:10:00Z", "2026-01-01T09:20:00Z", "2026-01-01T09:30:00Z",
            "2026-01-01T09:40:00Z", "2026-01-01T09:50:00Z", "2026-01-01T13:10:00Z",
            "2026-01-01T13:20:00Z",
        ])
        let quarter = try CronExpression("*/15 * * * *")
        #expect(iso(quarter.fireTimes(after: instant("2026-01-01T23:37:30Z"), count: 2, in: utc)) == [
            "2026-01-01T23:45:00Z", "2026-01-02T00:00:00Z",
        ])
    }

    @Test func monthNamesSkipToTheNamedMonths() throws {
        let cron = try CronExpression("0 12 1 JAN,jul *")
        #expect(iso(cron.fireTimes(after: instant("2026-02-01T00:00:00Z"), count: 2, in: utc)) == [
            "2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z",
        ])
    }

    @Test func weeklyMonthlyYearlyMacros() throws {
        // 1 January 2026 is a Thursday; @weekly is Sunday midnight.
        #expect(iso(try CronExpression("@weekly").fireTimes(after: instant("2026-01-01T00:00:00Z"), count: 2, in: utc)) == [
            "2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z",
        ])
        #expect(try CronExpression("@weekly").nextFire(after: instant("2026-01-01T00:00:00Z"), in: berlin)
            == instant("2026-01-03T23:00:00Z"))
        #expect(try CronExpression("@monthly").nextFire(after: instant("2026-01-15T00:00:00Z"), in: utc)
            == instant("2026-02-01T00:00:00Z"))
        #expect(try CronExpression("@yearly").nextFire(after: instant("2026-06-01T00:00:00Z"), in: utc)
            == instant("2027-01-01T00:00:00Z"))
        #expect(try CronExpression("@hourly").nextFire(after: instant("2026-06-01T10:00:00Z"), in: kolkata)
            == instant("2026-06-01T10:30:00Z"))
    }

    @Test func fireTimesOfZeroOrNegativeCountIsEmpty() throws {
        let cron = try CronExpression("@daily")
        #expect(cron.fireTimes(after: instant("2026-01-01T00:00:00Z"), count: 0, in: utc).isEmpty)
        #expect(cron.fireTimes(after: instant("2026-01-01T00:00:00Z"), count: -1, in: utc).isEmpty)
    }

    @Test func nonFiniteDateHasNoFireTime() throws {
        let cron = try CronExpression("@daily")
        #expect(cron.nextFire(after: Date(timeIntervalSince1970: .infinity), in: utc) == nil)
    }
}

@Suite struct CronWallTimeTests {
    @Test func dayNumbersRoundTripAndAgreeWithKnownDates() {
        #expect(WallTime.dayNumber(year: 1970, month: 1, day: 1) == 0)
        #expect(WallTime.dayNumber(year: 2000, month: 3, day: 1) == 11_017)
        #expect(WallTime.dayNumber(year: 1969, month: 12, day: 31) == -1)
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let (year, month, dayOfMonth) = WallTime.civilDate(dayNumber: day)
            #expect(WallTime.dayNumber(year: year, month: month, day: dayOfMonth) == day)
        }
    }

    @Test func weekdaysOfKnownDates() {
        #expect(WallTime.weekday(year: 2026, month: 1, day: 1) == 4) // Thursday
        #expect(WallTime.weekday(year: 2026, month: 3, day: 29) == 0) // Sunday
        #expect(WallTime.weekday(year: 2104, month: 2, day: 29) == 5) // Friday
        #expect(WallTime.weekday(year: 1969, month: 12, day: 31) == 3) // Wednesday
    }
}

/// Compares `fireTimes` with a slow reference that walks every minute around real DST transitions.
@Suite struct CronReferenceTests {
    /// A wall-clock minute as Calendar reads it, with Calendar's weekday (1 = Sunday).
    struct Wall: Comparable {
        let year, month, day, hour, minute, weekday: Int
        var key: [Int] { [year, month, day, hour, minute] }
        static func < (lhs: Wall, rhs: Wall) -> Bool { lhs.key.lexicographicallyPrecedes(rhs.key) }
    }

    /// Wall minutes are counted in a calendar without offset changes.
    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Every wall minute in `(from, to]`, walking the calendar rather than the clock.
    static func wallMinutes(after from: Wall, through to: Wall) -> [Wall] {
        var result: [Wall] = []
        var components = DateComponents(year: from.year, month: from.month, day: from.day, hour: from.hour, minute: from.minute)
        var date = utcCalendar.date(from: components)!
        while true {
            date = date.addingTimeInterval(60)
            components = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
            let wall = Wall(year: components.year!, month: components.month!, day: components.day!,
                            hour: components.hour!, minute: components.minute!, weekday: components.weekday!)
            if wall > to { return result }
            result.append(wall)
        }
    }

    /// The reference rule: at each instant, fire if some matching wall minute is newly reached. Wall minutes
    /// skipped by a gap are reached at the first instant after it; a repeated wall minute is reached only once.
    static func referenceFires(of cron: CronExpression, from start: Date, minutes: Int, in zone: TimeZone) -> [Date] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func wall(_ date: Date) -> Wall {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
            return Wall(year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!, weekday: c.weekday!)
        }
        func matches(_ wall: Wall) -> Bool {
            let byDay = cron.daysOfMonth.contains(wall.day)
            let byWeekday = cron.daysOfWeek.contains(wall.weekday - 1)
            let dayMatches = cron.dayOfMonthRestricted && cron.dayOfWeekRestricted ? byDay || byWeekday : byDay && byWeekday
            return cron.minutes.contains(wall.minute) && cron.hours.contains(wall.hour)
                && cron.months.contains(wall.month) && dayMatches
        }
        var fires: [Date] = []
        var reached = wall(start)
        for step in 1...minutes {
            let date = start.addingTimeInterval(TimeInterval(step * 60))
            let now = wall(date)
            guard now > reached else { continue }
            if wallMinutes(after: reached, through: now).contains(where: matches) {
                fires.append(date)
            }
            reached = now
        }
        return fires
    }

    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"])
    func agreesWithTheMinuteByMinuteReference(zoneName: String) throws {
        let zone = TimeZone(identifier: zoneName)!
        let expressions = try [
            "30 2 * * *", "*/20 * * * *", "0,30 1-3 * * *", "15 2 * * SUN", "@hourly", "@daily", "45 23 * * *", "0 0 1,7 * 0",
        ].map(CronExpression.init)
        // Two days either side of each of the zone's next two offset changes (or of two fixed dates without any).
        var centres: [Date] = []
        var cursor = instant("2026-01-01T00:00:00Z")
        for _ in 0..<2 {
            if let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < instant("2027-01-01T00:00:00Z") {
                centres.append(next)
                cursor = next
            }
        }
        if centres.isEmpty { centres = [instant("2026-03-29T01:00:00Z"), instant("2026-10-25T01:00:00Z")] }
        for centre in centres {
            let start = centre.addingTimeInterval(-2 * 86_400)
            let minutes = 4 * 1_440
            let end = start.addingTimeInterval(TimeInterval(minutes * 60))
            for cron in expressions {
                let expected = Self.referenceFires(of: cron, from: start, minutes: minutes, in: zone)
                let actual = cron.fireTimes(after: start, count: expected.count + 1, in: zone).filter { $0 <= end }
                #expect(iso(actual) == iso(expected), "\(cron) in \(zoneName) around \(centre)")
            }
        }
    }
}
