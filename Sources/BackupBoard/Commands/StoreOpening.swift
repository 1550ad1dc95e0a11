import BoardModel
import BoardPostgres
import BoardSQLite
import Foundation
import Logging

/// How a command means to use its database.
enum StoreAccess {
    /// Reads only; the database must exist.
    case readOnly
    /// Reads and writes a database that must already exist: commands that change one job never create an
    /// empty database by accident.
    case existing
    /// Reads and writes, creating the database (and its folder) when there is none: `serve`, `jobs add`,
    /// `jobs apply`, `demo`. On PostgreSQL: applying the migrations.
    case creating
    /// As `creating`, for `serve`: one SQLite database has one `serve`, so a second is refused, naming the
    /// first; a PostgreSQL database is shared by as many as run (docs/postgresql.md).
    case serving
}

/// The one place that turns `--db` into a store (docs/architecture.md §2): a path is a SQLite file, a
/// `postgres://` URL a PostgreSQL database (docs/postgresql.md). Every command and `serve` open theirs here
/// and keep only the roles they use.
enum StoreOpening {
    /// Opens the store at `database`. `passwordFile` is the serve config's `db_password_file`; `logger`
    /// receives the PostgreSQL client's own log (warnings and worse when not given).
    static func open(
        _ database: String, _ access: StoreAccess, passwordFile: String? = nil, logger: Logger? = nil
    ) async throws -> any BoardDatabase {
        if PostgresLocation.isURL(database) {
            let location = try PostgresLocation(database)
            let password = try location.password(environment: ProcessInfo.processInfo.environment, passwordFile: passwordFile)
            let mode: PostgresStore.Access = switch access {
            case .readOnly: .readOnly
            case .existing: .existing
            case .creating, .serving: .migrating
            }
            return try await PostgresStore.open(location, password: password, access: mode, logger: logger ?? quietLogger)
        }
        switch access {
        case .readOnly:
            return try BoardStore(path: database, readOnly: true)
        case .existing:
            guard FileManager.default.fileExists(atPath: database) else {
                throw BoardError.database(path: database, reason: BoardStore.missingDatabaseReason)
            }
            return try BoardStore(path: database)
        case .creating:
            return try BoardStore(path: database)
        case .serving:
            return try BoardStore(servingAt: database)
        }
    }

    /// Whether `database` names a store that exists already: a SQLite file there, or any PostgreSQL URL
    /// (whose server says more when it is opened).
    static func exists(_ database: String) -> Bool {
        PostgresLocation.isURL(database) || FileManager.default.fileExists(atPath: database)
    }

    /// `database` as messages show it: a URL never with a password.
    static func shown(_ database: String) -> String {
        guard PostgresLocation.isURL(database) else { return database }
        return (try? PostgresLocation(database).description) ?? "the PostgreSQL database"
    }

    private static let quietLogger: Logger = {
        var logger = Logger(label: "backupboard.postgres")
        logger.logLevel = .warning
        return logger
    }()
}

extension StoreOpening {
    /// Whether an error from `open` may go away by itself (a read-only mount, a full disk, a database server
    /// not reachable yet): `serve` waits for those instead of exiting.
    static func mayHeal(_ error: any Error) -> Bool {
        BoardStore.mayHeal(error) || PostgresStore.mayHeal(error)
    }
}

extension DatabaseOptions {
    /// The store at `--db` (or the default path).
    func open(_ access: StoreAccess) async throws -> any BoardDatabase {
        try await StoreOpening.open(resolvedPath, access)
    }
}
