import ArgumentParser
import BoardModel

/// `--db PATH`, shared by every command that reads or writes the local database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The SQLite database.",
            discussion: "Default: $BACKUPBOARD_DB, else $XDG_DATA_HOME/backupboard/board.sqlite (XDG_DATA_HOME defaults to ~/.local/share).",
            valueName: "path"
        )
    )
    var path: String?

    /// The path given, else the default of docs/architecture.md §1.
    var resolvedPath: String {
        path.map { DataPaths.expandingTilde($0) } ?? DataPaths.defaultDatabase()
    }
}
