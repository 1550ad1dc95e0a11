import ArgumentParser
import BoardModel
import BoardPostgres
import BoardSQLite
import Foundation

/// `backupboard db …`: moving an installation between stores (docs/postgresql.md).
struct DbCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Move an installation between stores.",
        subcommands: [Copy.self]
    )

    /// `backupboard db copy --from board.sqlite --to postgres://…`.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a SQLite database into a PostgreSQL one: jobs with their ping keys, history, alerts, mutes, the outbox, maintenance windows.",
            discussion: "In one transaction: all or nothing. A target that already holds data is refused unless --force, which replaces it. Stop serve on the source first."
        )

        @Option(help: ArgumentHelp("The SQLite database to copy.", valueName: "path"))
        var from: String

        @Option(help: ArgumentHelp("The PostgreSQL database: postgres://USER@HOST:PORT/DB (the password from PGPASSWORD or ~/.pgpass).", valueName: "url"))
        var to: String

        @Flag(help: "Replace what the target holds.")
        var force = false

        func validate() throws {
            guard PostgresLocation.isURL(to) else {
                throw ValidationError("--to must be a postgres:// URL (copying into a SQLite file is not supported)")
            }
            guard !PostgresLocation.isURL(from) else {
                throw ValidationError("--from must be a SQLite database file")
            }
        }

        func run() async throws {
            let source = try BoardStore(path: DataPaths.expandingTilde(from), readOnly: true)
            guard let target = try await StoreOpening.open(to, .creating) as? PostgresStore else {
                throw ValidationError("--to must be a postgres:// URL")
            }
            let report = try await target.copy(from: source, replacing: force)
            print("Copied \(DataPaths.expandingTilde(from)) to \(target.location): \(report).")
        }
    }
}
