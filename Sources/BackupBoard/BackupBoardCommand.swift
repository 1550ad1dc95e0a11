import ArgumentParser
import BoardModel
import Foundation

/// The `backupboard` command: the root lists the faces of the one binary.
@main
struct BackupBoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backupboard",
        abstract: "Know whether your backups actually work.",
        discussion: """
            Backup scripts send HTTP heartbeats; BackupBoard stores them in SQLite, judges every job against \
            its schedule and history, and shows the fleet at a glance.
            """,
        version: BoardVersion.current,
        subcommands: [
            BoardCommand.self, StatusCommand.self, ReportCommand.self, AlertsCommand.self, AckCommand.self, MuteCommand.self,
            UnmuteCommand.self, JobsCommand.self, ServeCommand.self, PingCommand.self, RunCommand.self, SpoolCommand.self,
            DemoCommand.self, PruneCommand.self, NotifyCommand.self, DbCommand.self,
        ],
        defaultSubcommand: BoardCommand.self
    )

    /// Runs the command the arguments name. Every error a user sees starts `backupboard: `, whoever found it:
    /// ArgumentParser's usage errors (its own `Error: `) and a store error a command lets through alike.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            guard code != .success, !message.isEmpty else { exit(withError: error) }
            let prefix = "Error: "
            CommandOutput.standardError(message.hasPrefix(prefix) ? "backupboard: " + message.dropFirst(prefix.count) : message)
            Foundation.exit(code.rawValue)
        }
    }
}
