import BoardModel
import Foundation
internal import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite store: the one type in the package that touches the database (docs/architecture.md §6).
///
/// A file store is a GRDB `DatabasePool` in WAL mode with `busy_timeout` 5 s and `synchronous=FULL`
/// (applied on the writer after GRDB's WAL setup, and read back); an in-memory store, for tests, is a
/// `DatabaseQueue`. Every write is one short IMMEDIATE transaction that also bumps the data version.
///
/// Dates are stored as REAL seconds since 1970 (UTC) everywhere: cheap to compare and index, exact to
/// the microsecond, and readable with `datetime(x, 'unixepoch')`. Errors come out as
/// `BoardError.database(path:reason:)` with the cause in a few words ("database is locked").
public final class BoardStore: Sendable {
    /// The database file, or `:memory:`.
    public let path: String
    /// Opened with `readOnly: true`: every write fails with "the database is open read-only".
    public let isReadOnly: Bool
    let writer: any DatabaseWriter
    /// Held by the store `serve` opens: no second `serve` on the same file.
    private let serveLock: ServeLock?
    /// The file opened for writing, by device and inode; nil in memory and read-only.
    private let openedFile: FileIdentity?

    /// Opens (creating the folders and the file if needed) and migrates the database at `path`.
    public convenience init(path: String) throws {
        try self.init(path: path, readOnly: false)
    }

    /// Opens the database at `path`. Read-only never creates anything: a missing file is an error
    /// ("no database here yet (add jobs with `backupboard jobs add` or `backupboard jobs apply FILE`, or start `backupboard serve`; `backupboard demo` writes a separate demo database)"), as is a database that
    /// was never migrated or was written by a newer version.
    public init(path: String, readOnly: Bool) throws {
        self.path = path
        self.isReadOnly = readOnly
        self.serveLock = nil
        do {
            if readOnly {
                self.writer = try Self.openReadOnly(path: path)
            } else {
                self.writer = try Self.openForWriting(path: path)
            }
        } catch {
            throw Self.boardError(error, path: path)
        }
        self.openedFile = readOnly ? nil : FileIdentity(path: path)
    }

    /// Opens the database at `path` for `serve`: as `init(path:)`, after taking the lock beside it that keeps
    /// a second `serve` off the same file (`ServeLock`).
    public init(servingAt path: String) throws {
        self.path = path
        self.isReadOnly = false
        do {
            self.writer = try Self.openForWriting(path: path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
            // Damaged where opening reads (the schema, the migrations): the same refusal as the check's.
            throw Self.failsIntegrityCheck(["database disk image is malformed"], path: path)
        } catch {
            throw Self.boardError(error, path: path)
        }
        self.openedFile = FileIdentity(path: path)
        self.serveLock = try ServeLock(beside: path)
        try checkIntegrity()
    }

    /// `PRAGMA quick_check` at `serve`'s start: a damaged file is refused with what SQLite found and how to
    /// save what it holds, rather than answered into (and damaged further) for days.
    private func checkIntegrity() throws {
        let findings: [String]
        do {
            findings = try writer.read { try String.fetchAll($0, sql: "PRAGMA quick_check(3)") }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
            // So damaged that the check itself cannot read it.
            throw Self.failsIntegrityCheck(["database disk image is malformed"], path: path)
        } catch {
            throw Self.boardError(error, path: path)
        }
        guard findings != ["ok"] else { return }
        throw Self.failsIntegrityCheck(findings, path: path)
    }

    private static func failsIntegrityCheck(_ findings: [String], path: String) -> BoardError {
        BoardError.database(
            path: path,
            reason: "it fails SQLite's integrity check (\(findings.joined(separator: "; "))); serve will not write into it. "
                + "Save what it holds with `sqlite3 \(path) .recover | sqlite3 recovered.sqlite` and start serve on the copy")
    }

    private init(path: String, writer: any DatabaseWriter) {
        self.path = path
        self.isReadOnly = false
        self.writer = writer
        self.serveLock = nil
        self.openedFile = nil
    }

    /// Why a database that must exist cannot be used when there is no file: what to do instead.
    public static let missingDatabaseReason =
        "no database here yet (add jobs with `backupboard jobs add` or `backupboard jobs apply FILE`, or start `backupboard serve`; `backupboard demo` writes a separate demo database)"

    /// A fresh, migrated database in memory (tests, benchmarks).
    public static func inMemory() throws -> BoardStore {
        do {
            let queue = try DatabaseQueue(configuration: configuration(readOnly: false))
            try Schema.migrator.migrate(queue)
            return BoardStore(path: ":memory:", writer: queue)
        } catch {
            throw boardError(error, path: ":memory:")
        }
    }

    // MARK: - Opening

    private static func configuration(readOnly: Bool) -> Configuration {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(5)
        config.foreignKeysEnabled = true
        config.label = "BoardStore"
        return config
    }

    private static func openForWriting(path: String) throws -> DatabasePool {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        try refuseFolder(path)
        if !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw BoardError.database(path: path, reason: "cannot create the folder \(folder): \(fileProblem(error))")
            }
        }
        let pool = try DatabasePool(path: path, configuration: configuration(readOnly: false))
        // GRDB sets synchronous=NORMAL on the writer when it enables WAL; one fsync per commit needs FULL,
        // so it is re-applied here and read back (docs/architecture.md §6, §11).
        let synchronous = try pool.writeWithoutTransaction { db -> Int in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
        guard synchronous == 2 else {
            throw BoardError.database(path: path, reason: "SQLite refused synchronous=FULL (got \(synchronous))")
        }
        if try pool.read({ try Schema.migrator.hasBeenSuperseded($0) }) {
            throw BoardError.database(path: path, reason: "it was written by a newer version of backupboard")
        }
        try pool.read { try refuseForeign($0, path: path) }
        try Schema.migrator.migrate(pool)
        return pool
    }

    /// The same sentence for a folder given as the database, whichever command is given it.
    private static func refuseFolder(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw BoardError.database(path: path, reason: "this is a folder, not a database file")
        }
    }

    /// A SQLite file of another program's (tables of its own, none of backupboard's migrations) is refused
    /// before anything is written into it, by every command alike.
    private static func refuseForeign(_ db: Database, path: String) throws {
        guard try Schema.migrator.appliedIdentifiers(db).isEmpty else { return }
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name LIMIT 4")
        guard !tables.isEmpty else { return }
        throw BoardError.database(
            path: path,
            reason: "it is a SQLite database of another program (tables \(tables.joined(separator: ", "))), not backupboard's; give another path")
    }

    private static func openReadOnly(path: String) throws -> DatabasePool {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BoardError.database(
                path: path, reason: Self.missingDatabaseReason)
        }
        try refuseFolder(path)
        let pool = try DatabasePool(path: path, configuration: configuration(readOnly: true))
        try pool.read { db in
            if try Schema.migrator.hasBeenSuperseded(db) {
                throw BoardError.database(path: path, reason: "it was written by a newer version of backupboard")
            }
            try refuseForeign(db, path: path)
            if try !Schema.migrator.hasCompletedMigrations(db) {
                let older = try !Schema.migrator.appliedIdentifiers(db).isEmpty
                throw BoardError.database(
                    path: path,
                    reason: older
                        ? "it was written by an older version of backupboard and needs an upgrade "
                            + "(run `backupboard serve` once, or any command that writes to it)"
                        : "the database is not set up yet (run `backupboard serve` once)")
            }
        }
        return pool
    }

    // MARK: - Settings read back (tests and `doctor`-style checks)

    /// `PRAGMA journal_mode` of the writer connection (`wal` for a file store).
    public func journalMode() async throws -> String {
        try await guarded { try await writer.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" } }
    }

    /// `PRAGMA synchronous` of the writer connection: 2 is FULL.
    public func synchronousLevel() async throws -> Int {
        try await guarded { try await writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 } }
    }

    /// `PRAGMA busy_timeout` of the writer connection, in milliseconds.
    public func busyTimeout() async throws -> Int {
        try await guarded { try await writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA busy_timeout") ?? -1 } }
    }

    // MARK: - Reading and writing

    /// `body` in one IMMEDIATE transaction that also bumps the data version when `versioned`.
    private static func versionedTransaction<T>(
        _ db: Database, versioned: Bool = true, _ body: (Database) throws -> T
    ) throws -> T {
        var result: T?
        try db.inTransaction(.immediate) {
            result = try body(db)
            if versioned { try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'data_version'") }
            return .commit
        }
        return result!
    }

    /// Runs a read in one consistent snapshot, mapping errors to `BoardError`. The caller suspends rather
    /// than blocks: GRDB runs `body` on its own queue, off Swift's cooperative pool.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await guarded { try await writer.read(body) }
    }

    /// Runs a write in one IMMEDIATE transaction that also bumps the data version (unless `versioned` is
    /// false: a write that changes nothing a reader shows); the caller suspends while it waits (perhaps out
    /// SQLite's busy timeout).
    /// Before it commits, the write checks that the file at `path` is still the one open: a write to a file
    /// deleted or replaced under the store would be answered as stored and then be lost.
    func write<T: Sendable>(versioned: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await guarded {
            try await writer.writeWithoutTransaction { db in
                try Self.versionedTransaction(db, versioned: versioned) { db in
                    let result = try body(db)
                    if let problem = self.fileProblem() { throw BoardError.database(path: self.path, reason: problem) }
                    return result
                }
            }
        }
    }

    /// Why the file at `path` is no longer the one this store writes: deleted, moved or replaced; nil when
    /// it is (or when the store has no file of its own to watch).
    func fileProblem() -> String? {
        guard let openedFile else { return nil }
        guard let current = FileIdentity(path: path) else {
            return "the database file \(path) was deleted or moved while serve had it open; put it back or restart serve"
        }
        guard current == openedFile else {
            return "the database file \(path) was replaced by another while serve had it open; restart serve to use the new one"
        }
        return nil
    }

    public func storageProblem() async -> String? {
        fileProblem()
    }

    /// Maps every error to `BoardError` with this store's path.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.boardError(error, path: path)
        }
    }

    static func boardError(_ error: any Error, path: String) -> BoardError {
        if let error = error as? BoardError { return error }
        if let error = error as? DatabaseError { return sqliteError(error, path: path) }
        if error is RecentRunsCodec.DamagedData {
            return .database(path: path, reason: "a job's state row is damaged")
        }
        return .database(path: path, reason: fileProblem(error))
    }

    /// Whether `error`, met while opening a store, may go away without anyone changing the file's contents:
    /// a read-only mount or file, missing permissions, a full disk, a lock held by another process. `serve`
    /// waits and tries again for those, and gives up at once on the rest (a folder, another program's file,
    /// a damaged one, a second `serve`).
    public static func mayHeal(_ error: any Error) -> Bool {
        if let error = error as? BoardError, case .busy = error { return true }
        guard let error = error as? BoardError, case .database(_, let reason) = error else { return false }
        let healing = ["the database is open read-only", "permission denied", "disk is full", "database is locked",
                       "unable to open the database file", "read-only file system"]
        let text = reason.lowercased()
        return healing.contains { text.contains($0) }
    }

    /// A SQLite error: `busy` when SQLite stayed busy past its timeout (trying again may succeed).
    static func sqliteError(_ error: DatabaseError, path: String) -> BoardError {
        let busy = error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        return busy ? .busy(path: path, reason: reason(for: error)) : .database(path: path, reason: reason(for: error))
    }

    /// One short cause for a SQLite error, in the words a user searches for.
    static func reason(for error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_NOTADB: return "file is not a database"
        case .SQLITE_CORRUPT: return "database disk image is malformed"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "database is locked (another process kept it busy for more than 5 s)"
        case .SQLITE_PERM, .SQLITE_AUTH: return "permission denied"
        case .SQLITE_READONLY:
            return error.extendedResultCode == .SQLITE_READONLY ? "the database is open read-only" : "permission denied (read-only file or folder)"
        case .SQLITE_CANTOPEN:
            return errno == EACCES ? "permission denied" : "unable to open the database file"
        case .SQLITE_FULL: return "disk is full"
        case .SQLITE_IOERR: return "disk I/O error"
        default:
            return error.message ?? "SQLite error \(error.resultCode.rawValue)"
        }
    }

    /// One short cause for a file-system error.
    static func fileProblem(_ error: any Error) -> String {
        let nsError = error as NSError
        let underlying = (nsError.userInfo[NSUnderlyingErrorKey] as? NSError) ?? nsError
        if underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            switch code {
            case .EACCES, .EPERM: return "permission denied"
            case .ENOTDIR: return "a part of the path is a file, not a folder"
            case .EROFS: return "read-only file system"
            case .ENOSPC: return "disk is full"
            default: return String(cString: strerror(code.rawValue))
            }
        }
        switch nsError.code {
        case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: return "permission denied"
        case CocoaError.fileWriteVolumeReadOnly.rawValue: return "read-only file system"
        case CocoaError.fileWriteOutOfSpace.rawValue: return "disk is full"
        default: return nsError.localizedDescription
        }
    }

    // MARK: - Data version and meta

    /// A counter bumped by every write through any store on this file, in the same transaction.
    ///
    /// A row in `meta` rather than `PRAGMA data_version`: the pragma only counts commits by *other*
    /// connections and is per connection, so in a pool each reader would answer differently; the row is
    /// durable, monotonic and the same for every process, so readers can ask "what changed since V".
    public func dataVersion() async throws -> Int64 {
        try await read { try Self.dataVersion($0) }
    }

    static func dataVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'data_version'") ?? 0
    }

    /// When the evaluator of `serve` last ran.
    public func evaluatorLastTick() async throws -> Date? {
        try await read { db in try Self.evaluatorTick(db) }
    }

    public func versionAndLastTick() async throws -> (dataVersion: Int64, evaluatorLastTick: Date?) {
        try await read { db in (try Self.dataVersion(db), try Self.evaluatorTick(db)) }
    }

    /// Records the evaluator's tick.
    public func setEvaluatorLastTick(_ date: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES ('evaluator_last_tick', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [date.timeIntervalSince1970])
        }
    }

    static func evaluatorTick(_ db: Database) throws -> Date? {
        try Double.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'evaluator_last_tick'").map(Date.init(timeIntervalSince1970:))
    }
}

extension BoardStore: IngestStore, JobDirectory, EvaluationStore, OutboxStore, BoardReading, JobHistory, HealthReading,
    BoardActions, JobCatalog, UpkeepStore {}
