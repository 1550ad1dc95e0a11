import BoardModel
import BoardSQLite
import Foundation

/// How a command means to use its database.
enum StoreAccess {
    /// Reads only; the database must exist.
    case readOnly
    /// Reads and writes a database that must already exist: commands that change one job never create an
    /// empty database by accident.
    case existing
    /// Reads and writes, creating the database (and its folder) when there is none: `serve`, `jobs add`,
    /// `jobs apply`, `demo`.
    case creating
    /// As `creating`, for `serve`: one database has one `serve`, so a second is refused, naming the first.
    case serving
}

/// The one place that turns a database path into a store (docs/architecture.md §2): every command and
/// `serve` open theirs here and keep only the roles they use, so a second implementation plugs in here.
enum StoreOpening {
    static func open(_ path: String, _ access: StoreAccess) throws -> any BoardDatabase {
        switch access {
        case .readOnly:
            return try BoardStore(path: path, readOnly: true)
        case .existing:
            guard FileManager.default.fileExists(atPath: path) else {
                throw BoardError.database(path: path, reason: BoardStore.missingDatabaseReason)
            }
            return try BoardStore(path: path)
        case .creating:
            return try BoardStore(path: path)
        case .serving:
            return try BoardStore(servingAt: path)
        }
    }
}

extension StoreOpening {
    /// Whether an error from `open` may go away by itself (a read-only mount, a full disk): `serve` waits for
    /// those instead of exiting.
    static func mayHeal(_ error: any Error) -> Bool {
        BoardStore.mayHeal(error)
    }
}

extension DatabaseOptions {
    /// The store at `--db` (or the default path).
    func open(_ access: StoreAccess) throws -> any BoardDatabase {
        try StoreOpening.open(resolvedPath, access)
    }
}
