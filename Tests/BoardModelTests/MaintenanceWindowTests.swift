import Foundation
import Testing
@testable import BoardModel

private func at(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text)!
}

private func job(_ slug: String, tags: [String] = []) -> Job {
    Job(slug: slug, pingKey: "key-\(slug)", schedule: .interval(3600), tags: tags, createdAt: at("2025-01-01T00:00:00Z"))
}

private let berlin = TimeZone(identifier: "Europe/Berlin")!
private let utc = TimeZone(identifier: "UTC")!

@Suite struct MaintenanceWindowTests {
    /// Sundays 01:00–03:00 Europe/Berlin, for db-prod.
    let sundayNight = MaintenanceWindow(
        name: "sunday-patching", days: [.sunday], startMinute: 60, endMinute: 180, timeZone: berlin, jobs: ["db-prod"])

    @Test func coversInsideTheWindow() {
        // 2025-06-01 is a Sunday; Berlin is UTC+2 in summer.
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-05-31T23:00:00Z")))
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-05-31T23:30:00Z")))
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-06-01T00:59:59Z")))
    }

    @Test func doesNotCoverOutsideTheWindow() {
        #expect(!sundayNight.covers(job("db-prod"), at: at("2025-05-31T22:59:59Z")), "00:59 local")
        #expect(!sundayNight.covers(job("db-prod"), at: at("2025-06-01T01:00:00Z")), "03:00 local: the end is not inside")
        #expect(!sundayNight.covers(job("db-prod"), at: at("2025-06-01T23:30:00Z")), "Monday 01:30 local")
        #expect(!sundayNight.covers(job("other"), at: at("2025-05-31T23:30:00Z")), "another job")
    }

    @Test func crossesMidnightFromTheDayItOpens() {
        let saturdayLate = MaintenanceWindow(
            name: "late", days: [.saturday], startMinute: 23 * 60, endMinute: 2 * 60, timeZone: utc, jobs: ["*"])
        #expect(saturdayLate.covers(job("a"), at: at("2025-05-31T23:30:00Z")), "Saturday 23:30")
        #expect(saturdayLate.covers(job("a"), at: at("2025-06-01T01:30:00Z")), "Sunday 01:30 belongs to Saturday's window")
        #expect(!saturdayLate.covers(job("a"), at: at("2025-06-01T02:00:00Z")), "Sunday 02:00 is the end")
        #expect(!saturdayLate.covers(job("a"), at: at("2025-06-01T23:30:00Z")), "Sunday 23:30: no window opens on Sunday")
        #expect(!saturdayLate.covers(job("a"), at: at("2025-05-31T01:30:00Z")), "Saturday 01:30 would be Friday's window")
    }

    @Test func springForwardNightIsOneRealHour() {
        // 2025-03-30, Sunday: at 01:00 UTC Berlin jumps from 02:00 CET to 03:00 CEST.
        #expect(!sundayNight.covers(job("db-prod"), at: at("2025-03-29T23:59:00Z")), "00:59 CET")
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-03-30T00:00:00Z")), "01:00 CET")
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-03-30T00:59:00Z")), "01:59 CET")
        #expect(!sundayNight.covers(job("db-prod"), at: at("2025-03-30T01:00:00Z")), "03:00 CEST")
    }

    @Test func fallBackNightIsThreeRealHours() {
        // 2025-10-26, Sunday: at 01:00 UTC Berlin goes back from 03:00 CEST to 02:00 CET.
        #expect(!sundayNight.covers(job("db-prod"), at: at("2025-10-25T22:59:00Z")), "00:59 CEST")
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-10-25T23:00:00Z")), "01:00 CEST")
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-10-26T00:30:00Z")), "02:30 CEST")
        #expect(sundayNight.covers(job("db-prod"), at: at("2025-10-26T01:30:00Z")), "02:30 CET, the repeated hour")
        #expect(!sundayNight.covers(job("db-prod"), at: at("2025-10-26T02:00:00Z")), "03:00 CET")
    }

    @Test func coversByTagOrEveryJob() {
        let byTag = MaintenanceWindow(
            name: "files", days: Set(Weekday.allCases), startMinute: 0, endMinute: 1440, timeZone: utc, tags: ["files"])
        let noon = at("2025-06-04T12:00:00Z")
        #expect(byTag.covers(job("fs-daily", tags: ["prod", "files"]), at: noon))
        #expect(!byTag.covers(job("db-prod", tags: ["prod", "db"]), at: noon))
        let everyJob = MaintenanceWindow(name: "all", days: [.wednesday], startMinute: 0, endMinute: 1440, timeZone: utc, jobs: ["*"])
        #expect(everyJob.covers(job("anything"), at: noon))
        #expect(!everyJob.covers(job("anything"), at: at("2025-06-05T12:00:00Z")), "Thursday")
    }

    @Test func weekdayNames() {
        #expect(Weekday(name: "sun") == .sunday)
        #expect(Weekday(name: "Saturday") == .saturday)
        #expect(Weekday(name: "TUE") == .tuesday)
        #expect(Weekday(name: "tues") == nil)
        #expect(Weekday.sunday.previous == .saturday)
        #expect(Weekday.monday.previous == .sunday)
    }
}
