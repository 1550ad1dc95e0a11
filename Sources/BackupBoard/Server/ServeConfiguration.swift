import BoardModel
import Foundation

/// Settings of `backupboard serve`: from the config file, then the command line, then the environment
/// (tokens only). Tokens are never read from the command line, which `ps` shows (docs/architecture.md §9).
struct ServeConfiguration: Sendable, Equatable {
    var listen = ListenAddress.default
    /// Database path; nil means `--db` or the default of `DatabaseOptions`.
    var databasePath: String?
    /// Proxies whose `X-Forwarded-For` is believed.
    var trustedProxies: [AddressRange] = []
    /// How often the evaluator ticks; `/healthz` calls it stale after three intervals.
    var evaluatorInterval: TimeInterval = BoardSnapshot.defaultEvaluatorInterval
    /// Tokens allowed to write through the JSON API.
    var adminTokens: [String] = []
    /// Tokens allowed to read the JSON API.
    var readOnlyTokens: [String] = []
    /// Channels and routes of notifications (none: nothing is sent).
    var notifications = NotificationSettings()

    /// The environment variable holding an admin token.
    static let tokenVariable = "BACKUPBOARD_TOKEN"

    /// Adds the `BACKUPBOARD_TOKEN` admin token when set.
    mutating func applyEnvironment(_ environment: [String: String]) {
        if let token = environment[Self.tokenVariable]?.trimmingCharacters(in: .whitespaces), !token.isEmpty,
           !adminTokens.contains(token) {
            adminTokens.append(token)
        }
    }
}

extension ServeConfiguration: CustomStringConvertible {
    /// Tokens are counted, never printed.
    var description: String {
        "listen \(listen), db \(databasePath ?? "(default)"), evaluator every \(HumanUnits.shortDuration(evaluatorInterval)), "
            + "\(trustedProxies.count) trusted proxies, \(adminTokens.count) admin and \(readOnlyTokens.count) read-only tokens, "
            + "\(notifications.channels.count) notification channels and \(notifications.routes.count) routes"
    }
}
