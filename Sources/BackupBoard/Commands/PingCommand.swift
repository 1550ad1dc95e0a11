import ArgumentParser
import BoardModel
import Foundation
import BoardClient

/// `backupboard ping KEY`: one heartbeat, retried, spooled when the server cannot be reached.
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Send one heartbeat to the server.",
        discussion: """
            POSTs a JSON body to SERVER/heartbeat/KEY (or to the URL given) with a fresh Heartbeat-Id, so \
            retries are stored once. Network errors and 5xx answers are retried; a heartbeat still not \
            delivered is kept in the spool and sent, with its original time, by the next ping or run, \
            before that one's own heartbeat. Spooled heartbeats older than 7 days are dropped.

            Exit status: 0 when delivered, and when spooled (a backup script must not fail because \
            monitoring is down; a warning says where it went); 2 when the server does not know the key \
            (404) or refuses the heartbeat (another 4xx); 1 when it could be neither delivered nor spooled.
            """
    )

    @Argument(help: ArgumentHelp("The job's ping key, or its full ping URL.", valueName: "key-or-url"))
    var target: String

    @Option(help: "started, progress, preparing, verifying, completed, failed, verified, verification_failed, log, test (default: none; the server reads that as a success ping).")
    var status: String?

    @Option(help: ArgumentHelp("How long the backup took: 90s, 1h30m, 01:02:03.", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("How big the backup is: 1.2GB, 512MiB, bytes.", valueName: "size"))
    var size: String?

    @Option(help: ArgumentHelp("A message, such as the error.", valueName: "text"))
    var message: String?

    @Option(name: .customLong("run-id"), help: ArgumentHelp("Pairs this heartbeat with the others of one run.", valueName: "id"))
    var runID: String?

    @Option(help: ArgumentHelp("The backup's exit code; non-zero is a failure.", valueName: "n"))
    var exitCode: Int?

    @Option(name: .customLong("field"), help: ArgumentHelp("An extra field (repeatable).", valueName: "name=value"))
    var fields: [String] = []

    @OptionGroup var options: HeartbeatOptions

    func validate() throws {
        if let status, HeartbeatParser.status(forWord: status) == nil {
            throw ValidationError("--status '\(status)' is not a heartbeat status (try started, completed, failed)")
        }
        if let duration, HumanUnits.duration(duration) == nil {
            throw ValidationError("--duration '\(duration)' is not a duration (try 90s, 1h30m)")
        }
        if let size, HumanUnits.size(size) == nil {
            throw ValidationError("--size '\(size)' is not a size (try 1.2GB, 512MiB)")
        }
        for field in fields where !field.contains("=") || field.hasPrefix("=") {
            throw ValidationError("--field '\(field)' is not name=value")
        }
        _ = try options.url(for: target)
    }

    /// The body's fields: options first, then `--field`s, which may not override them.
    var bodyFields: [String: HeartbeatValue] {
        var body: [String: HeartbeatValue] = [:]
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            body[String(parts[0])] = .text(String(parts[1]))
        }
        if let status, let parsed = HeartbeatParser.status(forWord: status) { body["status"] = .text(parsed.rawValue) }
        if let duration, let seconds = HumanUnits.duration(duration) { body["duration"] = HeartbeatValue.seconds(seconds) }
        if let size, let bytes = HumanUnits.size(size) { body["size"] = .integer(bytes) }
        if let message { body["message"] = .text(message) }
        if let runID { body["rid"] = .text(runID) }
        if let exitCode { body["exit_code"] = .integer(Int64(exitCode)) }
        return body
    }

    func run() async throws {
        let delivery = HeartbeatDelivery(url: try options.url(for: target), fields: bodyFields)
        let result = await options.client.deliver(delivery)
        switch result {
        case .delivered, .spooled:
            _ = result.report()
        case .unknownKey, .refused:
            _ = result.report()
            throw ExitCode(2)
        case .lost:
            _ = result.report()
            throw ExitCode.failure
        }
    }
}
