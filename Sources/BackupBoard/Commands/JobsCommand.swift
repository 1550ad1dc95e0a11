import ArgumentParser

/// `backupboard jobs …`: the jobs the board watches.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, add, apply (from a TOML file), remove, pause and resume jobs.",
        subcommands: [List.self, Add.self, Apply.self, Remove.self, Pause.self, Resume.self, URL.self],
        defaultSubcommand: List.self
    )
}
