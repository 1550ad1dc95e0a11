import Foundation

/// How a job's schedule is kept in `jobs.schedule_kind`, `schedule_interval`, `schedule_cron` and
/// `schedule_time_zone`, the same in every store.
package struct StoredSchedule: Equatable {
    /// `interval`, `cron`, `calendar` (a systemd calendar event) or `several` (a JSON list of cron and
    /// calendar texts in `source`).
    package var kind: String
    package var interval: Double?
    package var source: String?
    package var zone: String?

    package init(kind: String, interval: Double?, source: String?, zone: String?) {
        self.kind = kind
        self.interval = interval
        self.source = source
        self.zone = zone
    }

    package init(_ schedule: Schedule) {
        switch schedule {
        case .interval(let seconds):
            self.init(kind: "interval", interval: seconds, source: nil, zone: nil)
        case .cron(let expression, let timeZone):
            self.init(kind: "cron", interval: nil, source: expression.source, zone: timeZone.identifier)
        case .calendar(let event, let timeZone):
            self.init(kind: "calendar", interval: nil, source: event.source, zone: timeZone.identifier)
        case .several(let entries):
            // Each entry's text says whether it is cron or calendar, as in the jobs file; the zone is the job's.
            self.init(
                kind: "several", interval: nil, source: JSONText.encode(schedule.entryTexts),
                zone: entries.first?.jobZone?.identifier)
        }
    }

    /// The schedule of job `slug`; `timeZone` and `list` look up (and may cache) zones and JSON lists.
    /// Throws `BoardError.database` at `path` naming the job when the row cannot be read.
    package func schedule(
        slug: String, path: String, timeZone: (String) -> TimeZone?, list: (String) -> [String]
    ) throws -> Schedule {
        guard kind == "cron" || kind == "calendar" || kind == "several" else { return .interval(interval ?? 0) }
        let zoneName = zone ?? "UTC"
        guard let zone = timeZone(zoneName) else {
            throw BoardError.database(path: path, reason: "job '\(slug)' has an unknown time zone '\(zoneName)'")
        }
        do {
            switch kind {
            case "cron": return .cron(try CronExpression(source ?? ""), timeZone: zone)
            case "calendar": return .calendar(try CalendarEvent(source ?? ""), timeZone: zone)
            default: return try Schedule.parse(entries: list(source ?? ""), timeZone: zoneName)
            }
        } catch {
            throw BoardError.database(path: path, reason: "job '\(slug)' has a schedule that cannot be read: \(error)")
        }
    }
}
