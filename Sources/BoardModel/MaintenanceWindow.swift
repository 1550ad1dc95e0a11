import Foundation

/// A recurring stretch of wall-clock time, on given weekdays in a time zone, during which some jobs are
/// expected to be disturbed (patching, storage maintenance), as declared in the jobs file's `[[maintenance]]`.
///
/// The window is read on the wall clock of its zone, so it follows daylight saving time: on the night
/// the clocks go forward a 01:00–03:00 window lasts one real hour, on the night they go back three.
public struct MaintenanceWindow: Sendable, Equatable {
    /// Name shown in the board and the alert log.
    public var name: String
    /// Weekdays on which the window opens. A window that crosses midnight belongs to the day it opens on.
    public var days: Set<Weekday>
    /// Minutes after local midnight at which the window opens (0...1439).
    public var startMinute: Int
    /// Minutes after local midnight at which it closes (0...1440); at or before `startMinute` means the
    /// next day.
    public var endMinute: Int
    /// The zone whose wall clock the times are read on.
    public var timeZone: TimeZone
    /// Slugs of the jobs it covers; `"*"` covers every job.
    public var jobs: [String]
    /// Jobs carrying any of these tags are covered too.
    public var tags: [String]

    /// Creates a window; `jobs: ["*"]` covers every job.
    public init(
        name: String, days: Set<Weekday>, startMinute: Int, endMinute: Int, timeZone: TimeZone,
        jobs: [String] = [], tags: [String] = []
    ) {
        self.name = name
        self.days = days
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.timeZone = timeZone
        self.jobs = jobs
        self.tags = tags
    }

    /// Whether the window concerns `job` at all: by slug, by `"*"`, or by a shared tag.
    public func applies(to job: Job) -> Bool {
        jobs.contains("*") || jobs.contains(job.slug) || job.tags.contains(where: tags.contains)
    }

    /// Whether `job` is inside this window at `date`.
    public func covers(_ job: Job, at date: Date) -> Bool {
        guard applies(to: job) else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Comparing wall-clock components, never adding fixed offsets, is what makes DST nights right:
        // a skipped hour has no instants, a repeated one matches twice.
        let local = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekdayNumber = local.weekday, let day = Weekday(rawValue: weekdayNumber),
              let hour = local.hour, let minute = local.minute
        else { return false }
        let now = hour * 60 + minute
        if startMinute < endMinute {
            return days.contains(day) && now >= startMinute && now < endMinute
        }
        return (days.contains(day) && now >= startMinute) || (days.contains(day.previous) && now < endMinute)
    }
}

/// A day of the week, numbered as `Calendar` numbers them (Sunday = 1).
public enum Weekday: Int, Sendable, CaseIterable, Comparable {
    case sunday = 1, monday, tuesday, wednesday, thursday, friday, saturday

    /// The day before.
    public var previous: Weekday {
        Weekday(rawValue: rawValue == 1 ? 7 : rawValue - 1)!
    }

    /// Three-letter lowercase name, as the jobs file writes it (`sun`).
    public var shortName: String { String(fullName.prefix(3)) }

    /// Full lowercase name (`sunday`).
    public var fullName: String { String(describing: self) }

    /// The day named `text`: `sun`, `Sunday`, `SUN` (case-insensitive, three letters or in full).
    public init?(name text: String) {
        let lowered = text.lowercased()
        guard let day = Weekday.allCases.first(where: { $0.shortName == lowered || $0.fullName == lowered })
        else { return nil }
        self = day
    }

    /// Sunday first, as `Calendar` counts.
    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }
}
