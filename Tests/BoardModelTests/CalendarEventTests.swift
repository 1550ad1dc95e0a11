import Foundation
import Testing
@testable import BoardModel

private let utc = TimeZone(identifier: "UTC")!
private let berlin = TimeZone(identifier: "Europe/Berlin")!

/// The next `count` elapses of `text` after `base`, read in `zone` unless the text names one.
private func elapses(_ text: String, after base: String, count: Int = 3, in zone: TimeZone = utc) throws -> [String] {
    iso(try CalendarEvent(text).elapses(after: instant(base), count: count, in: zone))
}

/// Why `text` is not a calendar event.
private func reason(_ text: String) -> String {
    do {
        _ = try CalendarEvent(text)
        return "accepted"
    } catch let BoardError.invalidSchedule(_, reason) {
        return reason
    } catch {
        return "\(error)"
    }
}

@Suite struct CalendarEventParsingTests {
    @Test func theIssueExamples() throws {
        #expect(try elapses("Mon..Fri *-*-* 02:30:00", after: "2026-01-02T03:00:00Z") == [
            "2026-01-05T02:30:00Z", "2026-01-06T02:30:00Z", "2026-01-07T02:30:00Z",
        ])
        #expect(try elapses("daily", after: "2026-01-01T00:00:00Z", count: 2) == ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"])
        #expect(try elapses("weekly", after: "2026-01-01T00:00:00Z", count: 2) == ["2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"])
        #expect(try elapses("*-*-01 03:00", after: "2026-01-01T04:00:00Z", count: 2) == ["2026-02-01T03:00:00Z", "2026-03-01T03:00:00Z"])
        #expect(try elapses("Sat *-*-1..7 04:00", after: "2026-01-01T00:00:00Z", count: 2) == ["2026-01-03T04:00:00Z", "2026-02-07T04:00:00Z"])
    }

    @Test func listsRangesRepetitionsAndSeconds() throws {
        #expect(try elapses("Mon,Wed..Fri 02:30", after: "2026-01-01T00:00:00Z") == [
            "2026-01-01T02:30:00Z", "2026-01-02T02:30:00Z", "2026-01-05T02:30:00Z",
        ])
        #expect(try elapses("*-*-* 10/5:00", after: "2026-01-01T00:00:00Z", count: 4) == [
            "2026-01-01T10:00:00Z", "2026-01-01T15:00:00Z", "2026-01-01T20:00:00Z", "2026-01-02T10:00:00Z",
        ])
        #expect(try elapses("*-1..12/5-1", after: "2026-01-01T00:00:00Z") == [
            "2026-06-01T00:00:00Z", "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z",
        ])
        #expect(try elapses("*:*:0/15", after: "2026-01-01T00:00:00Z") == [
            "2026-01-01T00:00:15Z", "2026-01-01T00:00:30Z", "2026-01-01T00:00:45Z",
        ])
        #expect(try elapses("Sat,Sun", after: "2026-01-01T00:00:00Z", count: 2) == ["2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z"])
        #expect(try elapses("mon..fri", after: "2026-01-01T12:00:00Z", count: 2) == ["2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"])
        #expect(try elapses("2:3", after: "2026-01-01T00:00:00Z", count: 1) == ["2026-01-01T02:03:00Z"])
        #expect(try elapses("*-*-31", after: "2026-01-01T00:00:00Z") == [
            "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z",
        ])
        #expect(try elapses("quarterly", after: "2026-01-01T00:00:00Z", count: 2) == ["2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"])
        #expect(try elapses("26-03-01", after: "2026-01-01T00:00:00Z") == ["2026-03-01T00:00:00Z"])
    }

    @Test func lastDaysOfTheMonth() throws {
        #expect(try elapses("*-02~03", after: "2026-01-01T00:00:00Z", count: 2) == ["2026-02-26T00:00:00Z", "2027-02-26T00:00:00Z"])
        #expect(try elapses("Mon *-05~07/1", after: "2026-01-01T00:00:00Z", count: 2) == ["2026-05-25T00:00:00Z", "2027-05-31T00:00:00Z"])
        #expect(try elapses("*-*~1..3", after: "2026-01-01T00:00:00Z", count: 4) == [
            "2026-01-29T00:00:00Z", "2026-01-30T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-26T00:00:00Z",
        ])
        #expect(try elapses("*-*~05/2", after: "2026-01-01T00:00:00Z", count: 4) == [
            "2026-01-27T00:00:00Z", "2026-01-29T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-24T00:00:00Z",
        ])
    }

    @Test func aZoneInsideTheExpressionWinsOverTheJobs() throws {
        let event = try CalendarEvent("*-*-* 02:30 Europe/Berlin")
        #expect(event.timeZone == berlin)
        #expect(try elapses("*-*-* 02:30 Europe/Berlin", after: "2026-01-01T00:00:00Z", count: 1, in: utc) == ["2026-01-01T01:30:00Z"])
        #expect(try elapses("*-*-* 02:30", after: "2026-01-01T00:00:00Z", count: 1, in: berlin) == ["2026-01-01T01:30:00Z"])
        #expect(try elapses("Monday 2:30 UTC", after: "2026-01-01T00:00:00Z", count: 1, in: berlin) == ["2026-01-05T02:30:00Z"])
        #expect(try elapses("daily Europe/Berlin", after: "2026-01-01T00:00:00Z", count: 1) == ["2026-01-01T23:00:00Z"])
    }

    @Test func mistakesNameThePartThatIsWrong() {
        #expect(reason("") == "the calendar event is empty")
        #expect(reason("*-*-* 25:00") == "hour '25' is out of range 0–23")
        #expect(reason("Fri..Mon 10:00").hasPrefix("weekday range 'Fri..Mon' runs backwards"))
        #expect(reason("Mon..Fro 10:00") == "weekday 'Fro' is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun")
        #expect(reason("*-13-01") == "month '13' is out of range 1–12")
        #expect(reason("*-*-* 02:30 Mars/Olympus").hasPrefix("'Mars/Olympus' is not a weekday, date, time or known time zone"))
        #expect(reason("*-*-* 02:30:00.5") == "seconds '00.5' have a fraction; BackupBoard schedules to the whole second")
        #expect(reason("*-02-30") == "no day matches: the date and weekdays never meet")
        #expect(reason("*-*-* 1..3/0:00") == "hour repetition '/0' is not a whole number of at least 1")
        #expect(reason("02:30 *-*-*").hasPrefix("'*-*-*' is not a weekday, date (YEAR-MONTH-DAY), time (HH:MM[:SS]) or time zone in that place"))
    }
}

@Suite struct CalendarEventDaylightSavingTests {
    /// systemd skips a wall time that does not exist: no elapse on 2026-03-29 (cron would fire at 03:00 CEST).
    @Test func aMissingTimeHasNoElapse() throws {
        #expect(try elapses("*-*-* 02:30:00 Europe/Berlin", after: "2026-03-28T00:00:00Z") == [
            "2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z",
        ])
        let cron = try CronExpression("30 2 * * *").fireTimes(after: instant("2026-03-28T00:00:00Z"), count: 3, in: berlin)
        #expect(iso(cron) == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
    }

    @Test func theGapSkipsItsTimesButNotTheTimeAfterIt() throws {
        #expect(try elapses("*:0/20 Europe/Berlin", after: "2026-03-29T00:10:00Z", count: 4) == [
            "2026-03-29T00:20:00Z", "2026-03-29T00:40:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:20:00Z",
        ])
    }

    @Test func aRepeatedTimeElapsesOnceAtItsFirstOccurrence() throws {
        #expect(try elapses("*-*-* 02:30:00 Europe/Berlin", after: "2026-10-24T12:00:00Z", count: 2) == [
            "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z",
        ])
        #expect(try elapses("*:0/20 Europe/Berlin", after: "2026-10-25T00:10:00Z", count: 4) == [
            "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:20:00Z",
        ])
    }

    /// From inside the repeated hour's second pass, systemd elapses at the wall times still ahead in it.
    @Test func fromTheSecondPassTheRestOfTheHourElapses() throws {
        #expect(try elapses("*:0/20 Europe/Berlin", after: "2026-10-25T01:10:00Z", count: 3) == [
            "2026-10-25T01:20:00Z", "2026-10-25T01:40:00Z", "2026-10-25T02:00:00Z",
        ])
        #expect(try elapses("*-*-* 02:30:00 Europe/Berlin", after: "2026-10-25T01:10:00Z", count: 2) == [
            "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z",
        ])
    }
}
