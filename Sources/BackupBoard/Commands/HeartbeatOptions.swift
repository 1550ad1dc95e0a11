import ArgumentParser
import BoardModel
import Foundation
import BoardClient

/// `--server`, `--timeout`, `--retries`, `--spool`: how `ping` and `run` reach the server.
struct HeartbeatOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The BackupBoard server, for a KEY.", valueName: "url"))
    var server = PingURL.defaultServer

    @Option(help: ArgumentHelp("How long one attempt may take.", valueName: "duration"))
    var timeout = "10s"

    @Option(help: "Attempts after the first, on network errors and 5xx answers (waiting up to 1s, 2s, 4s… 30s, at least half of it, chosen at random).")
    var retries = 3

    @OptionGroup var spoolFolder: SpoolFolderOptions

    func validate() throws {
        guard let seconds = HumanUnits.duration(timeout), seconds > 0 else {
            throw ValidationError("--timeout '\(timeout)' is not a duration (try 10s, 1m)")
        }
        guard (0...20).contains(retries) else { throw ValidationError("--retries takes 0 to 20, not \(retries)") }
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--server '\(server)' is not an http:// or https:// URL")
        }
    }

    /// The ping URL for `target`: a full http(s) URL as given, else a key on `--server`.
    func url(for target: String) throws -> String {
        if target.hasPrefix("http://") || target.hasPrefix("https://") {
            guard URL(string: target)?.host != nil else { throw ValidationError("'\(target)' is not a URL") }
            return target
        }
        if let problem = PingKey.problem(with: target) { throw ValidationError("'\(target)': \(problem)") }
        return PingURL.url(server: server, key: target)
    }

    /// A client with these options, warning on standard error.
    var client: HeartbeatClient {
        let policy = HeartbeatSender.Policy(timeout: HumanUnits.duration(timeout) ?? 10, retries: retries)
        return HeartbeatClient(
            sender: HeartbeatSender(policy: policy),
            spool: spoolFolder.folder,
            warn: { CommandOutput.warning($0) }
        )
    }
}

extension HeartbeatClient.Result {
    /// Tells the user how a heartbeat fared, on standard error; answers false for a mistake the user
    /// must fix (a wrong key or URL), true otherwise.
    func report(what: String = "heartbeat") -> Bool {
        switch self {
        case .delivered:
            return true
        case .unknownKey:
            CommandOutput.standardError("backupboard: unknown ping key: check the URL (the server answered 404)")
            return false
        case .refused(let status):
            CommandOutput.standardError("backupboard: the server refused the \(what) (\(HeartbeatClient.statusText(status))); it was not kept")
            return false
        case .spooled(let path, let reason):
            CommandOutput.warning("server unreachable; \(what) spooled to \(path) (\(reason)); the next ping or run delivers it")
            return true
        case .lost(let reason):
            CommandOutput.standardError("backupboard: \(what) lost: \(reason)")
            return false
        }
    }
}
