import Foundation

/// One routing rule of `serve`'s config: which events go to which channels.
///
/// Every field narrows: an event matches when its name is among `events` (nil: every alert kind, but none
/// of `acknowledged`, `resolved`, `succeeded`, `digest`, which must be named), its severity is at least
/// `minSeverity`, its job has one of `tags` and one of `priorities` (empty: any; an event without a job,
/// such as the fleet alert or the digest, matches only routes without tags or priorities).
public struct NotificationRoute: Sendable, Equatable {
    public var name: String
    public var events: Set<String>?
    public var minSeverity: AlertSeverity?
    public var tags: Set<String>
    public var priorities: Set<JobPriority>
    public var channels: [String]
    /// Send the alert again while it stays open and unacknowledged, this often; nil: once.
    public var renotifyInterval: TimeInterval?

    public init(
        name: String, events: Set<String>? = nil, minSeverity: AlertSeverity? = nil, tags: Set<String> = [],
        priorities: Set<JobPriority> = [], channels: [String], renotifyInterval: TimeInterval? = nil
    ) {
        self.name = name
        self.events = events
        self.minSeverity = minSeverity
        self.tags = tags
        self.priorities = priorities
        self.channels = channels
        self.renotifyInterval = renotifyInterval
    }

    /// Whether an event named `event`, this loud, about `job`, takes this route.
    public func matches(event: String, severity: AlertSeverity, job: Job?) -> Bool {
        if let events {
            guard events.contains(event) else { return false }
        } else {
            guard AlertKind(rawValue: event) != nil else { return false }
        }
        if let minSeverity, severity < minSeverity { return false }
        if !tags.isEmpty {
            guard let job, job.tags.contains(where: tags.contains) else { return false }
        }
        if !priorities.isEmpty {
            guard let job, priorities.contains(job.priority) else { return false }
        }
        return true
    }
}

/// All of `serve`'s routing: the routes, which channels must hear how their incidents end, and when the daily
/// digest goes out.
public struct NotificationRouting: Sendable, Equatable {
    public var routes: [NotificationRoute]
    /// Channels that get the acknowledge and resolve of every alert they were told about, whether or not a
    /// route names those events: PagerDuty, whose incident would otherwise stay open.
    public var closingChannels: Set<String>
    /// Minutes after midnight, in `digestTimeZone`, at which the daily digest is due.
    public var digestMinute: Int
    public var digestTimeZone: TimeZone

    public init(
        routes: [NotificationRoute] = [], closingChannels: Set<String> = [], digestMinute: Int = 8 * 60,
        digestTimeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) {
        self.routes = routes
        self.closingChannels = closingChannels
        self.digestMinute = digestMinute
        self.digestTimeZone = digestTimeZone
    }

    /// The channels an event goes to, each once, in the order the routes name them.
    public func channels(event: String, severity: AlertSeverity, job: Job?) -> [String] {
        var result: [String] = []
        for route in routes where route.matches(event: event, severity: severity, job: job) {
            for channel in route.channels where !result.contains(channel) {
                result.append(channel)
            }
        }
        return result
    }

    /// The shortest re-notify interval of the routes that send this alert event to `channel`.
    public func renotifyInterval(channel: String, event: String, severity: AlertSeverity, job: Job?) -> TimeInterval? {
        routes.filter { $0.channels.contains(channel) && $0.matches(event: event, severity: severity, job: job) }
            .compactMap(\.renotifyInterval).min()
    }

    /// Whether any route names `event` (the opt-in events cost a query only when someone wants them).
    public func wants(_ event: String) -> Bool {
        routes.contains { $0.events?.contains(event) == true }
    }

    /// Whether the digest of the day `now` falls on is due: its time of day has come.
    public func digestDay(at now: Date) -> String? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = digestTimeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: now)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
              let minute = parts.minute, hour * 60 + minute >= digestMinute
        else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
