import ArgumentParser
import BoardModel

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
            DemoCommand.self, PruneCommand.self,
        ],
        defaultSubcommand: BoardCommand.self
    )
}
