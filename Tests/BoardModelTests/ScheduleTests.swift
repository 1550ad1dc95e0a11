import Foundation
import Testing
@testable import BoardModel

@Suite struct ScheduleParseTests {
    @Test(arguments: [
        ("15m", 900.0, "every 15m"),
        ("6h", 21_600.0, "every 6h"),
        ("1d", 86_400.0, "every 1d"),
        ("1w", 604_800.0, "every 1w"),
        ("1h30m", 5_400.0, "every 1h30m"),
        (" 90s ", 90.0, "every 1m30s"),
    ])
    func intervals(text: String, seconds: Double, description: String) throws {
        let schedule = try Schedule.parse(text, timeZone: nil)
        #expect(schedule == .interval(seconds))
        #expect(schedule.description == description)
    }

    @Test func cronWithAZone() throws {
        let schedule = try Schedule.parse("30 2 * * *", timeZone: "Europe/Berlin")
        #expect(schedule == .cron(try CronExpression("30 2 * * *"), timeZone: TimeZone(identifier: "Europe/Berlin")!))
        #expect(schedule.description == "cron 30 2 * * * Europe/Berlin")
    }

    @Test func cronZoneDefaultsToUTC() throws {
        for zone in [nil, "", "  "] as [String?] {
            let schedule = try Schedule.parse("@daily", timeZone: zone)
            #expect(schedule.description == "cron @daily UTC")
            guard case .cron(_, let timeZone) = schedule else {
                Issue.record("expected cron, got \(schedule)")
                continue
            }
            #expect(timeZone.secondsFromGMT(for: instant("2026-07-01T00:00:00Z")) == 0)
        }
    }

    @Test func explicitUTCIsShownAsUTC() throws {
        #expect(try Schedule.parse("0 3 * * *", timeZone: "UTC").description == "cron 0 3 * * * UTC")
        #expect(try Schedule.parse("0 3 * * *", timeZone: "Asia/Kolkata").description == "cron 0 3 * * * Asia/Kolkata")
    }

    @Test func fiveFieldDurationIsStillAnInterval() throws {
        #expect(try Schedule.parse("1 d 2 h 3m", timeZone: nil) == .interval(93_780))
    }

    @Test func intervalIgnoresTheZone() throws {
        #expect(try Schedule.parse("6h", timeZone: "Europe/Berlin") == .interval(21_600))
    }

    @Test(arguments: [
        ("0s", nil as String?, "the interval must be longer than zero"),
        ("0", nil, "the interval must be longer than zero"),
        ("-5m", nil, "the interval must be longer than zero"),
        ("soon", nil, "not an interval such as 15m, 6h, 1d or 1w, a 5-field cron expression, nor a systemd calendar event such as 'Mon..Fri 02:30': 'soon' is not a weekday, date, time or known time zone; a time zone is an IANA name such as Europe/Berlin or UTC"),
        ("", nil, "the schedule is empty; write an interval such as 6h, a cron expression such as '30 2 * * *' or a calendar event such as 'Mon..Fri 02:30'"),
        ("61 * * * *", nil, "minute field '61' is out of range 0–59"),
        ("0 0 * *", nil, "expected 5 fields (minute hour day-of-month month day-of-week) but found 4"),
        ("@sometimes", nil, "unknown macro '@sometimes'; use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually"),
        ("30 2 * * *", "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'; use an IANA name such as Europe/Berlin or UTC"),
    ])
    func errors(text: String, timeZone: String?, reason: String) {
        #expect(throws: BoardError.invalidSchedule(text: text, reason: reason)) {
            try Schedule.parse(text, timeZone: timeZone)
        }
    }
}

@Suite struct ScheduleDueTimeTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    @Test func intervalDueTimes() {
        let schedule = Schedule.interval(21_600)
        let start = instant("2026-03-28T22:15:00Z")
        #expect(schedule.nextDue(after: start) == instant("2026-03-29T04:15:00Z"))
        #expect(schedule.period(near: start) == 21_600)
        #expect(iso(schedule.fireTimes(after: start, count: 3)) == [
            "2026-03-29T04:15:00Z", "2026-03-29T10:15:00Z", "2026-03-29T16:15:00Z",
        ])
        #expect(schedule.fireTimes(after: start, count: 0).isEmpty)
    }

    @Test func cronDueTimesAcrossSpringForward() throws {
        let schedule = Schedule.cron(try CronExpression("30 2 * * *"), timeZone: berlin)
        // 02:30 does not exist on 29 March 2026 in Berlin: due at 03:00 CEST = 01:00 UTC.
        #expect(schedule.nextDue(after: instant("2026-03-28T12:00:00Z")) == instant("2026-03-29T01:00:00Z"))
        #expect(iso(schedule.fireTimes(after: instant("2026-03-28T12:00:00Z"), count: 2)) == [
            "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z",
        ])
        // 01:00 UTC to 00:30 UTC the next day: 23 h 30 min.
        #expect(schedule.period(near: instant("2026-03-28T12:00:00Z")) == 84_600)
        #expect(schedule.period(near: instant("2026-06-01T12:00:00Z")) == 86_400)
    }

    @Test func cronDueTimesAcrossFallBack() throws {
        let schedule = Schedule.cron(try CronExpression("30 2 * * *"), timeZone: berlin)
        // Due once on 25 October 2026, at the first 02:30 (CEST); then 02:30 CET: 25 hours later.
        #expect(iso(schedule.fireTimes(after: instant("2026-10-24T12:00:00Z"), count: 2)) == [
            "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z",
        ])
        #expect(schedule.period(near: instant("2026-10-24T12:00:00Z")) == 90_000)
    }

    @Test func cronThatNeverFires() throws {
        let schedule = Schedule.cron(try CronExpression("0 0 31 2 *"), timeZone: berlin)
        #expect(schedule.nextDue(after: instant("2026-01-01T00:00:00Z")) == .distantFuture)
        #expect(schedule.fireTimes(after: instant("2026-01-01T00:00:00Z"), count: 2).isEmpty)
        #expect(schedule.period(near: instant("2026-01-01T00:00:00Z")) == 86_400)
    }
}

@Suite struct CalendarScheduleParseTests {
    @Test func textIsAnIntervalCronOrACalendarEvent() throws {
        #expect(try Schedule.parse("6h", timeZone: "Europe/Berlin") == .interval(21_600))
        #expect(try Schedule.parse("30 2 * * *", timeZone: nil) == .cron(try CronExpression("30 2 * * *"), timeZone: TimeZone(identifier: "UTC")!))
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(try Schedule.parse("daily", timeZone: "Europe/Berlin") == .calendar(try CalendarEvent("daily"), timeZone: berlin))
        #expect(try Schedule.parse("02:30", timeZone: "Europe/Berlin") == .calendar(try CalendarEvent("02:30"), timeZone: berlin))
        let own = try Schedule.parse("Mon..Fri 02:30 America/New_York", timeZone: "Europe/Berlin")
        #expect(own.description == "calendar Mon..Fri 02:30 America/New_York")
        #expect(own.timeZone == TimeZone(identifier: "America/New_York"))
        #expect(try Schedule.parse("Sat *-*-1..7 04:00", timeZone: nil).description == "calendar Sat *-*-1..7 04:00 UTC")
    }

    @Test func severalEntriesAreCronOrCalendarNeverIntervals() throws {
        let several = try Schedule.parse(entries: ["Mon..Fri 02:30", "0 6 * * 6"], timeZone: "UTC")
        #expect(several.description == "calendar Mon..Fri 02:30 UTC; cron 0 6 * * 6 UTC")
        #expect(several.entryTexts == ["Mon..Fri 02:30", "0 6 * * 6"])
        #expect(try Schedule.parse(entries: ["daily"], timeZone: nil) == .calendar(try CalendarEvent("daily"), timeZone: TimeZone(identifier: "UTC")!))
        #expect(throws: BoardError.invalidSchedule(
            text: "1d",
            reason: "entry 2 of 2 is an interval; several schedules are cron expressions or calendar events, and an interval is a schedule of its own")) {
            try Schedule.parse(entries: ["daily", "1d"], timeZone: nil)
        }
        #expect(throws: BoardError.invalidSchedule(text: "[]", reason: "the list of schedules is empty")) {
            try Schedule.parse(entries: [], timeZone: nil)
        }
    }

}

@Suite struct NumericCronTests {
    /// Five numbers are cron, never a sum of seconds.
    @Test func fiveNumbersAreCron() throws {
        for text in ["0 0 1 1 0", "5 4 3 2 1", "0 12 * * 0"] {
            guard case .cron = try Schedule.parse(text, timeZone: nil) else {
                Issue.record("'\(text)' is not read as cron")
                continue
            }
        }
    }
}
