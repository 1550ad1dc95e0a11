import ArgumentParser
import BoardModel

/// `--db PATH|URL`, shared by every command that reads or writes the database: a SQLite file, or a
/// PostgreSQL database as `postgres://USER@HOST:PORT/DB` (docs/postgresql.md).
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The SQLite database file, or a PostgreSQL database as postgres://USER@HOST:PORT/DB[?sslmode=…].",
            discussion: "Default: $BACKUPBOARD_DB, else $XDG_DATA_HOME/backupboard/board.sqlite (XDG_DATA_HOME defaults to ~/.local/share). "
                + "The PostgreSQL password comes from PGPASSWORD or ~/.pgpass, never from the URL.",
            valueName: "path|url"
        )
    )
    var path: String?

    /// The path given, else the default of docs/architecture.md §1.
    var resolvedPath: String {
        path.map { DataPaths.expandingTilde($0) } ?? DataPaths.defaultDatabase()
    }
}
