import BoardModel
import Foundation

/// Settings of `backupboard serve`: from the config file, then the command line, then the environment
/// (tokens only). Tokens are never read from the command line, which `ps` shows (docs/architecture.md §9).
package struct ServeConfiguration: Sendable, Equatable {
    package var listen = ListenAddress.default
    /// This instance's name among those sharing a database: in the leases, `/metrics` and the board's header
    /// (docs/high-availability.md); nil: `instanceName`'s default.
    package var instance: String?
    /// Database path or `postgres://` URL; nil means `--db` or the default of `DatabaseOptions`.
    package var databasePath: String?
    /// A file whose first line is the PostgreSQL password, when neither `PGPASSWORD` nor a password file has it.
    package var databasePasswordFile: String?
    /// Proxies whose `X-Forwarded-For` is believed.
    package var trustedProxies: [AddressRange] = []
    /// How often the evaluator ticks; `/healthz` calls it stale after three intervals.
    package var evaluatorInterval: TimeInterval = BoardSnapshot.defaultEvaluatorInterval
    /// Timeouts and the connection cap (`[http]`).
    package var connectionLimits = ConnectionLimits()
    /// Tokens allowed to write through the JSON API.
    var adminTokens: [String] = []
    /// Tokens allowed to read the JSON API.
    var readOnlyTokens: [String] = []
    /// Server-wide ping keys (`[ping_keys.NAME]`): any job by slug, `/ping/KEY/SLUG`.
    var pingKeys: [ServerPingKey] = []
    /// The jobs a ping by slug with `?create=1` creates (`[auto_create]`); nil refuses `create=1`.
    var autoCreate: JobTemplate?

    /// The defaults: loopback, the default database, no tokens, no notifications.
    package init() {}
    /// Channels and routes of notifications (none: nothing is sent).
    package var notifications = NotificationSettings()

    /// `instance`, else this machine's host name and the port it listens on (its process id with port 0).
    package var instanceName: String {
        if let instance { return instance }
        let host = ProcessInfo.processInfo.hostName
        return listen.port == 0 ? "\(host) pid \(ProcessInfo.processInfo.processIdentifier)" : "\(host):\(listen.port)"
    }

    /// The environment variable holding an admin token.
    package static let tokenVariable = "BACKUPBOARD_TOKEN"

    /// Adds the `BACKUPBOARD_TOKEN` admin token when set.
    package mutating func applyEnvironment(_ environment: [String: String]) {
        if let token = environment[Self.tokenVariable]?.trimmingCharacters(in: .whitespaces), !token.isEmpty,
           !adminTokens.contains(token) {
            adminTokens.append(token)
        }
    }
}

extension ServeConfiguration: CustomStringConvertible {
    /// Tokens are counted, never printed.
    package var description: String {
        "instance \(instanceName), listen \(listen), db \(databasePath ?? "(default)"), evaluator every \(HumanUnits.shortDuration(evaluatorInterval)), "
            + "\(trustedProxies.count) trusted proxies, \(adminTokens.count) admin and \(readOnlyTokens.count) read-only tokens, "
            + "\(pingKeys.count) server ping keys\(pingKeys.isEmpty ? "" : " (\(pingKeys.map(\.name).joined(separator: ", ")))"), "
            + "auto_create \(autoCreate == nil ? "off" : "on"), "
            + "\(notifications.channels.count) notification channels and \(notifications.routes.count) routes"
    }
}
