import ArgumentParser
import BoardClient
import BoardModel
import BoardServe
import Foundation
import Logging

/// `backupboard notify`: the notification channels.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Work with the notification channels of serve's config.",
        subcommands: [NotifyTestCommand.self])
}

/// `backupboard notify test CHANNEL`: one `test` notification through the real path, and what the receiver said.
struct NotifyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a test notification through one channel; exit 0 only when it was delivered.",
        discussion: """
            The test event goes through the outbox as every notification does (the channel's format, its \
            retries, its Retry-After). With --server, the running serve delivers it (an admin token is needed); \
            with --config and --db, this command delivers it itself, which needs the database's serve to be \
            stopped (one database has one serve). Waits up to 30 s, then prints the outcome and the first 200 \
            bytes of the receiver's answer.
            """)

    @Argument(help: ArgumentHelp("The channel's name: [notifications.channels.NAME] in the config.", valueName: "channel"))
    var channel: String

    @Option(name: .long, help: ArgumentHelp("serve's TOML config file, which defines the channel.", valueName: "file"))
    var config: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var server: ServerOptions

    func validate() throws {
        if server.server != nil && (database.path != nil || config != nil) {
            throw ValidationError("Give --server (serve delivers the test) or --config with --db (this command does), not both.")
        }
        if server.server == nil && config == nil {
            throw ValidationError("notify test needs --config FILE, where the channel is defined, or --server URL of a running serve.")
        }
    }

    func run() async throws {
        let outcome: NotificationTest.Outcome
        do {
            if let url = server.url {
                let document = try await BoardAPIClient(server: url, token: try server.token()).testNotification(channel: channel)
                outcome = document.delivered
                    ? .delivered(DeliveryReceipt(status: document.status ?? 0, answer: Array((document.answer ?? "").utf8)))
                    : .failed(document.error ?? "not delivered")
            } else {
                outcome = try await runLocally()
            }
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
        switch outcome {
        case .delivered(let receipt):
            let answer = receipt.answer.trimmingCharacters(in: .whitespacesAndNewlines)
            print("delivered to \(channel) (\(receipt.status))" + (answer.isEmpty ? "" : ": \(answer)"))
        case .failed(let error):
            print("not delivered to \(channel): \(error)")
            throw ExitCode.failure
        }
    }

    private func runLocally() async throws -> NotificationTest.Outcome {
        let path = DataPaths.expandingTilde(config ?? "")
        var configuration = try ServeConfiguration.load(file: path)
        if let db = database.path {
            configuration.databasePath = DataPaths.expandingTilde(db)
        }
        let settings = configuration.notifications
        guard let target = settings.channels[channel] else {
            let names = settings.channels.keys.sorted()
            throw BoardError.invalidValue(
                "\(path) has no channel '\(channel)'" + (names.isEmpty ? " (it defines none)" : " (channels: \(names.joined(separator: ", ")))"))
        }
        let store = try await StoreOpening.open(
            configuration.databasePath ?? database.resolvedPath, .serving, passwordFile: configuration.databasePasswordFile)
        let logger = Logger(label: "backupboard.notify", factory: { label in StreamLogHandler.standardError(label: label) })
        return try await NotificationTest(store: store, channel: target, settings: settings, logger: logger).run()
    }
}
