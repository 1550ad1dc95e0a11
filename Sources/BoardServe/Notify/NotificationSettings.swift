import BoardModel
import Foundation
import TOMLKit

/// The `[notifications]` part of `serve`'s config: channels, routes, digest time, retries.
package struct NotificationSettings: Sendable, Equatable {
    package var channels: [String: NotificationChannel] = [:]
    var routes: [NotificationRoute] = []
    var digestMinute = 8 * 60
    var digestTimeZone = TimeZone(identifier: "UTC")!
    package var backoff = RetryBackoff.outbox
    /// Attempts before a notification is given up (fewer when the receiver refuses the request itself).
    package var maxAttempts = 12
    /// `/healthz` answers 503 when a notification has been pending longer than this.
    var stuckAfter: TimeInterval = 15 * 60

    /// Whether anything is to be sent at all.
    package var isEnabled: Bool { !channels.isEmpty && !routes.isEmpty }

    /// The evaluator's routing: the routes, with PagerDuty channels as closing channels.
    package var routing: NotificationRouting {
        NotificationRouting(
            routes: routes, closingChannels: Set(channels.values.filter(\.isClosing).map(\.name)),
            digestMinute: digestMinute, digestTimeZone: digestTimeZone)
    }
}

extension ConfigReader {
    static let notificationKeys = ["channels", "routes", "digest_at", "time_zone", "max_attempts", "retry_base", "retry_cap", "stuck_after"]
    static let routeKeys = ["name", "events", "min_severity", "tags", "priorities", "channels", "renotify"]

    /// Reads `[notifications]`, its `[notifications.channels.NAME]` tables and `[[notifications.routes]]`.
    mutating func readNotifications(_ value: any TOMLValueConvertible) -> NotificationSettings {
        var settings = NotificationSettings()
        guard let table = value.table else {
            report(["notifications"], "notifications must be a table: [notifications]")
            return settings
        }
        for key in table.keys {
            guard let inner = table[key] else { continue }
            let path = ["notifications", key]
            switch key {
            case "channels":
                guard let channels = inner.table else {
                    report(path, "notifications.channels must hold one table per channel: [notifications.channels.NAME]")
                    continue
                }
                for name in channels.keys {
                    if let channel = channels[name].flatMap({ readChannel(name, $0) }) { settings.channels[name] = channel }
                }
            case "routes":
                guard let routes = inner.array else {
                    report(path, "notifications.routes must be an array of tables: [[notifications.routes]]")
                    continue
                }
                for (index, route) in routes.enumerated() {
                    if let route = readRoute(index, route) { settings.routes.append(route) }
                }
            case "digest_at":
                let parts = (inner.string ?? "").split(separator: ":").compactMap { Int($0) }
                if parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) {
                    settings.digestMinute = parts[0] * 60 + parts[1]
                } else {
                    report(path, "notifications.digest_at must be a time of day such as \"08:00\"")
                }
            case "time_zone":
                if let zone = inner.string.flatMap(TimeZone.init(identifier:)) {
                    settings.digestTimeZone = zone
                } else {
                    report(path, "notifications.time_zone must be an IANA time zone such as \"Europe/Berlin\"")
                }
            case "max_attempts":
                if let count = inner.int, count >= 1 {
                    settings.maxAttempts = count
                } else {
                    report(path, "notifications.max_attempts must be a whole number of at least 1")
                }
            case "retry_base", "retry_cap", "stuck_after":
                guard let seconds = interval(inner) else {
                    report(path, "notifications.\(key) must be a duration such as \"15m\"")
                    continue
                }
                switch key {
                case "retry_base": settings.backoff.base = seconds
                case "retry_cap": settings.backoff.cap = seconds
                default: settings.stuckAfter = seconds
                }
            default:
                unknown(path, among: Self.notificationKeys)
            }
        }
        for (index, route) in settings.routes.enumerated() {
            for channel in route.channels where settings.channels[channel] == nil && !problems.contains(where: { $0.message.contains("channels.\(channel)") }) {
                report(["notifications", "routes"], "notifications.routes[\(index)] names channel '\(channel)', which no [notifications.channels.\(channel)] defines")
            }
        }
        return settings
    }

    /// Whether the table names the secret `key` in any of its three forms (a missing variable or file is
    /// reported by `secret` itself).
    static func names(_ table: TOMLTable, _ key: String) -> Bool {
        [key, "\(key)_env", "\(key)_file"].contains { table.contains(key: $0) }
    }

    /// `KEY` in the file, else the variable `KEY_env` names, else the contents of the file `KEY_file` names
    /// (trailing newline dropped): secrets stay out of the command line.
    mutating func secret(_ table: TOMLTable, _ key: String, path: [String]) -> String? {
        if let text = table[key]?.string, !text.isEmpty { return text }
        if let variable = table["\(key)_env"]?.string {
            guard let text = environment[variable], !text.isEmpty else {
                report(path + ["\(key)_env"], "\(path.joined(separator: ".")).\(key)_env: the environment variable \(variable) is not set")
                return nil
            }
            return text
        }
        if let file = table["\(key)_file"]?.string {
            guard let text = try? String(contentsOfFile: DataPaths.expandingTilde(file), encoding: .utf8) else {
                report(path + ["\(key)_file"], "\(path.joined(separator: ".")).\(key)_file: cannot read \(file)")
                return nil
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
    }

    private mutating func readRoute(_ index: Int, _ value: any TOMLValueConvertible) -> NotificationRoute? {
        let path = ["notifications", "routes"]
        let label = "notifications.routes[\(index)]"
        guard let table = value.table else {
            report(path, "\(label) must be a table")
            return nil
        }
        for key in table.keys where !Self.routeKeys.contains(key) {
            report(path, "\(label): unknown key '\(key)' (known here: \(Self.routeKeys.joined(separator: ", ")))")
        }
        var route = NotificationRoute(name: table["name"]?.string ?? "route \(index + 1)", channels: [])
        if let events = table["events"].map({ strings($0, path) }) {
            for event in events where !NotificationEventName.all.contains(event) {
                report(path, "\(label): unknown event '\(event)' (known: \(NotificationEventName.all.joined(separator: ", ")))")
            }
            route.events = Set(events)
        }
        if let text = table["min_severity"]?.string {
            guard let severity = AlertSeverity(rawValue: text) else {
                report(path, "\(label).min_severity must be info, warning, critical or emergency")
                return nil
            }
            route.minSeverity = severity
        }
        route.tags = Set(table["tags"].map { strings($0, path) } ?? [])
        for text in table["priorities"].map({ strings($0, path) }) ?? [] {
            guard let priority = JobPriority(rawValue: text) else {
                report(path, "\(label).priorities: '\(text)' is not critical, high, medium or low")
                return nil
            }
            route.priorities.insert(priority)
        }
        route.channels = table["channels"].map { strings($0, path) } ?? []
        if route.channels.isEmpty {
            report(path, "\(label) needs channels = [\"NAME\", …]")
        }
        if let renotify = table["renotify"] {
            guard let seconds = interval(renotify), seconds >= 60 else {
                report(path, "\(label).renotify must be a duration of at least a minute, such as \"1h\"")
                return nil
            }
            route.renotifyInterval = seconds
        }
        return route
    }
}
