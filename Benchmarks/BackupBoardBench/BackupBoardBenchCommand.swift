import ArgumentParser

/// `backupboard-bench`: what is measured or exercised outside the shipping binary (Benchmarks/README.md).
@main
struct BackupBoardBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backupboard-bench",
        abstract: "Benchmarks and test drivers for BackupBoard's board, notifications and terminal.",
        subcommands: [BoardBenchCommand.self, NotifyBenchCommand.self, MetricsBenchCommand.self, ScreenTestCommand.self]
    )
}
