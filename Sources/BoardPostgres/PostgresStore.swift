import BoardModel
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The PostgreSQL store: the shared store of several `serve` instances, with the guarantees of the SQLite
/// one (docs/postgresql.md). The only type that talks to PostgreSQL, through PostgresNIO's pooled client,
/// whose I/O runs on NIO's event loops: the store's calls suspend, never block a cooperative-pool thread.
///
/// Every write is one transaction that first bumps `meta.data_version` and holds that row's lock until it
/// commits: writers are serialised as SQLite's IMMEDIATE transactions are, and versions commit in order
/// (`PostgresSchema`). Every read of several statements is one REPEATABLE READ READ ONLY transaction: one
/// snapshot per answer. Each session runs with `synchronous_commit=on` (a startup parameter, read back in
/// every write); a server with `fsync=off` is refused. Errors come out as `BoardError.database` with the
/// URL (never a password) and PostgreSQL's own sentence.
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    /// Opened for reading only: the sessions are read-only, and every write fails.
    public let isReadOnly: Bool
    let client: PostgresClient
    /// Two connections of their own for the leases (`unversioned`): a lease must be renewed and taken even
    /// while every connection of `client` waits for the version lock (docs/high-availability.md).
    let leaseClient: PostgresClient
    /// This store's sessions' `application_name`, unique to it: its leases' holder, so the instance that takes
    /// an expired lease over can end the transactions the holder left open.
    public let sessionName = "backupboard \(UUID().uuidString.prefix(8).lowercased())"
    let logger: Logger
    private let runner: Task<Void, Never>
    private let leaseRunner: Task<Void, Never>
    /// One connection's settings, to ask the server why the pool has none (`connectionFailure`).
    private let probe: PostgresConnection.Configuration
    /// The last batch of heartbeats this store committed, to write the next one of the same jobs without reading
    /// them again (`IngestMemory`, PostgresStore+Ingest.swift).
    let ingestMemory = Mutex<IngestMemory?>(nil)
    /// Batches written from that memory, without reading their jobs.
    let batchesFromMemory = Atomic<Int>(0)
    /// The statements each connection of `client` and `leaseClient` has prepared.
    private let preparedStatements = PreparedStatements()

    /// How a command means to use the database.
    public enum Access: Sendable {
        /// Reads only; the schema must be there and current.
        case readOnly
        /// Reads and writes; the schema must already be there.
        case existing
        /// Reads and writes, applying the migrations first: `serve`, `jobs add`, `jobs apply`, `demo`.
        case migrating
    }

    /// Connects to `location` and checks (or, with `.migrating`, brings up to date) its schema.
    /// `password` is what `PostgresLocation.password(environment:passwordFile:)` found.
    public static func open(
        _ location: PostgresLocation, password: String?, access: Access, logger: Logger = Logger(label: "backupboard.postgres")
    ) async throws -> PostgresStore {
        let store = try PostgresStore(location: location, password: password, readOnly: access == .readOnly, logger: logger)
        do {
            try await store.checkServer()
            if access == .migrating {
                try await store.migrate()
            } else {
                try await store.checkSchema()
            }
            return store
        } catch {
            store.close()
            throw error
        }
    }

    private init(location: PostgresLocation, password: String?, readOnly: Bool, logger: Logger) throws {
        self.location = location
        self.isReadOnly = readOnly
        self.logger = logger
        let tls = Self.tlsConfiguration(location)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: password,
            database: location.database, tls: tls.map { .require($0) } ?? .disable)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 8
        // A transaction left idle (its process stopped or cut off mid-write) would hold the version lock, and
        // with it every instance's writes, until it is ended: the server ends it after `idleTransactionLimit`
        // (docs/high-availability.md). No transaction of ours waits between its statements.
        var parameters = [
            ("synchronous_commit", "on"), ("application_name", sessionName),
            ("idle_in_transaction_session_timeout", Self.idleTransactionLimit),
        ]
        if readOnly { parameters.append(("default_transaction_read_only", "on")) }
        configuration.options.additionalStartupParameters = parameters
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        var leaseConfiguration = configuration
        leaseConfiguration.options.maximumConnections = 2
        // A lease row held by a stopped process's transaction is not waited for: the attempt fails, and is made
        // again a second later (docs/high-availability.md).
        leaseConfiguration.options.additionalStartupParameters.append(("lock_timeout", "2s"))
        let leaseClient = PostgresClient(configuration: leaseConfiguration, backgroundLogger: logger)
        self.leaseClient = leaseClient
        self.runner = Task { await client.run() }
        self.leaseRunner = Task { await leaseClient.run() }
        var probe = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: password,
            database: location.database, tls: try tls.map { .require(try Self.context($0, location)) } ?? .disable)
        probe.options.connectTimeout = .seconds(3)
        self.probe = probe
    }

    /// TLS as `sslmode` asks (docs/postgresql.md): none, without checking the certificate, or checked against
    /// `sslrootcert` and the host name.
    private static func tlsConfiguration(_ location: PostgresLocation) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch location.tls {
        case .disable:
            return nil
        case .require:
            configuration.certificateVerification = .none
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            configuration.trustRoots = .file(location.rootCertificate ?? "")
        }
        return configuration
    }

    private static func context(_ tls: TLSConfiguration, _ location: PostgresLocation) throws -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: tls)
        } catch NIOSSLError.noSuchFilesystemObject {
            throw BoardError.database(
                path: location.description, reason: "sslrootcert=\(location.rootCertificate ?? "") is no file")
        } catch {
            throw BoardError.database(
                path: location.description, reason: "cannot use sslrootcert=\(location.rootCertificate ?? ""): \(error)")
        }
    }

    /// Why no connection came, when the server cannot be reached: the pool retries a failed connect quietly, so
    /// one connection is made by hand to hear the server's (or TLS's) own reason. Nil: the server answers.
    private func connectionFailure() async -> String? {
        do {
            let connection = try await PostgresConnection.connect(configuration: probe, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch let error as PSQLError {
            return Self.reason(for: error)
        } catch {
            return "cannot connect: \(error)"
        }
    }

    /// Stops the pool (a command that is done; tests).
    public func close() {
        runner.cancel()
        leaseRunner.cancel()
    }

    deinit {
        runner.cancel()
        leaseRunner.cancel()
    }

    /// Refuses a server that would lose commits on a crash, and checks the session setting.
    private func checkServer() async throws {
        let (fsync, synchronousCommit) = try await guarded {
            try await withSession { session in
                let row = try await session.row("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
                return (try row?[0] ?? "", try row?[1] ?? "") as (String, String)
            }
        }
        guard fsync == "on" else {
            throw BoardError.database(
                path: location.description,
                reason: "the server runs with fsync=\(fsync), so a crash can lose heartbeats already answered as stored; set fsync=on")
        }
        guard synchronousCommit == "on" else {
            throw BoardError.database(
                path: location.description, reason: "the server refused synchronous_commit=on (got \(synchronousCommit))")
        }
    }

    // MARK: - Schema

    /// Applies the missing migrations in one transaction under the migration lock: two instances starting
    /// together migrate once, the second finding the work done.
    private func migrate() async throws {
        try await guarded {
            try await withSession { [self] session in
                try await session.execute("BEGIN")
                do {
                    try await session.execute("SELECT pg_advisory_xact_lock(?)", [PostgresSchema.migrationLock])
                    try await session.execute(PostgresSchema.migrationsTable)
                    let applied = try await appliedMigrations(session)
                    try refuseNewer(applied)
                    for migration in PostgresSchema.migrations where !applied.contains(migration.identifier) {
                        try await session.script(migration.sql)
                        try await session.execute(
                            "INSERT INTO backupboard_migrations(identifier) VALUES (?)", [migration.identifier])
                        logger.notice("applied the PostgreSQL migration \(migration.identifier) to \(location)")
                    }
                    try await session.execute("COMMIT")
                } catch {
                    _ = try? await session.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// Refuses a database whose schema this binary does not know all of, or that was never set up.
    private func checkSchema() async throws {
        let applied = try await guarded {
            try await withSession { [self] session in
                let exists: Bool = try await session.value("SELECT to_regclass('backupboard_migrations') IS NOT NULL") ?? false
                return exists ? try await appliedMigrations(session) : []
            }
        }
        try refuseNewer(applied)
        if applied.isEmpty {
            throw BoardError.database(
                path: location.description,
                reason: "the database is not set up yet (start `backupboard serve --db \(location)` once, or add jobs with `backupboard jobs add`)")
        }
        let missing = PostgresSchema.migrations.map(\.identifier).filter { !applied.contains($0) }
        if !missing.isEmpty {
            throw BoardError.database(
                path: location.description,
                reason: "it was written by an older version of backupboard and needs an upgrade (run `backupboard serve` once)")
        }
    }

    private func appliedMigrations(_ session: SQLSession) async throws -> Set<String> {
        Set(try await session.rows("SELECT identifier FROM backupboard_migrations").map { try $0[0] as String })
    }

    private func refuseNewer(_ applied: Set<String>) throws {
        let known = Set(PostgresSchema.migrations.map(\.identifier))
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else {
            throw BoardError.database(
                path: location.description,
                reason: "its schema was migrated by a newer version of backupboard (migrations \(unknown.joined(separator: ", ")) "
                    + "are unknown to this one); run the newer backupboard")
        }
    }

    // MARK: - Reading and writing

    /// `body` in one REPEATABLE READ READ ONLY transaction: every statement sees the same snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLSession) async throws -> T) async throws -> T {
        try await guarded {
            try await withSession { session in
                try await session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                do {
                    let result = try await body(session)
                    try await session.execute("COMMIT")
                    return result
                } catch {
                    _ = try? await session.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// `body`'s statements on one connection of the leases' own, each its own transaction, outside the version
    /// lock: for what no reader follows by version (the leases, docs/high-availability.md).
    func unversioned<T: Sendable>(_ body: @escaping @Sendable (SQLSession) async throws -> T) async throws -> T {
        try await guarded { try await withSession(on: leaseClient, body) }
    }

    /// `body` in one write transaction that first takes the next data version (and with it the lock that
    /// serialises writers); answers once the commit is durable (`synchronous_commit=on`, read back here).
    /// A write that changes nothing a reader shows (`versioned` false: an evaluator tick that records
    /// nothing) leaves the version where it is and is passed the current one.
    func write<T: Sendable>(
        versioned: Bool = true, _ body: @escaping @Sendable (SQLSession, Int64) async throws -> T
    ) async throws -> T {
        try await write(versioned: versioned, reading: []) { session, version, _ in try await body(session, version) }
    }

    /// `write` whose body is also given the rows of `reads`, read under the version lock. The statement that
    /// takes the lock and the reads are queued with the BEGIN (`SQLSession.pipeline`): the server runs each read
    /// as soon as the lock is taken, in a snapshot taken after it, so what they read is current however long
    /// the lock was waited for, and a batch of ingest costs two waits of the caller's (the reads, then its
    /// writes with the COMMIT) whether or not another writer held the lock.
    /// With `committing`, the `COMMIT` is queued right after the reads (which are then the transaction's
    /// writes, whose answers `body` is given).
    func write<T: Sendable>(
        versioned: Bool = true, reading reads: [SQL], committing: Bool = false,
        _ body: @escaping @Sendable (SQLSession, Int64, [[SQLRow]]) async throws -> T
    ) async throws -> T {
        try await guarded {
            try await withSession { session in
                do {
                    var statements = [SQL("BEGIN"), Self.takeVersion(versioned: versioned)] + reads
                    if committing { statements.append(SQL("COMMIT")) }
                    var answers = try await session.pipeline(statements)
                    if committing {
                        session.markCommitted()
                        answers.removeLast()
                    }
                    guard let row = answers[1].first
                    else { throw BoardError.database(path: self.location.description, reason: "the meta table has no data_version row") }
                    let setting: String = try row[1]
                    guard setting == "on" else {
                        throw BoardError.database(
                            path: self.location.description, reason: "the session runs with synchronous_commit=\(setting), not on")
                    }
                    let result = try await body(session, try row[0], Array(answers.dropFirst(2)))
                    if !session.isCommitted { try await session.execute("COMMIT") }
                    return result
                } catch {
                    if !session.isCommitted { _ = try? await session.execute("ROLLBACK") }
                    throw error
                }
            }
        }
    }

    /// The statement that starts every write: the next data version taken, and with it the lock every writer of
    /// what readers follow takes (`versioned`; else the current version, without the lock), and the session's
    /// `synchronous_commit`, read back.
    static func takeVersion(versioned: Bool) -> SQL {
        SQL(versioned
            ? "UPDATE meta SET value = value + 1 WHERE key = 'data_version' RETURNING value::bigint, current_setting('synchronous_commit')"
            : "SELECT value::bigint, current_setting('synchronous_commit') FROM meta WHERE key = 'data_version'")
    }

    /// How long the server lets one of our transactions wait for its next statement before it ends it.
    static let idleTransactionLimit = "30s"

    /// How long a call waits for a connection before it asks whether the server answers, and fails if it does
    /// not: the pool itself would keep a caller waiting for a minute while the server is unreachable, and ingest
    /// must answer 503 long before (docs/postgresql.md).
    static let connectionWait: Duration = .seconds(5)

    /// How long a call waits for a connection in all while the server answers: the pool is still connecting (a
    /// loaded machine, many pools opening at once) or every connection is busy.
    static let busyWait: Duration = .seconds(30)

    /// `body` on a pooled connection, failing with "cannot connect" when none comes within `connectionWait` and
    /// the server does not answer, or with "no free connection" when none comes within `busyWait`.
    /// Once `body` runs it is not interrupted: a transaction ends by its own COMMIT or ROLLBACK. A connection that
    /// comes after the caller gave up runs nothing.
    private func withSession<T: Sendable>(
        on pool: PostgresClient? = nil, _ body: @escaping @Sendable (SQLSession) async throws -> T
    ) async throws -> T {
        let pool = pool ?? client
        let wait = ConnectionWait<T>()
        return try await withCheckedThrowingContinuation { continuation in
            wait.waiting(continuation)
            let timer = Task {
                guard (try? await Task.sleep(for: Self.connectionWait)) != nil else { return }
                if let reason = await self.connectionFailure() {
                    wait.abandon(BoardError.database(path: self.location.description, reason: reason))
                    return
                }
                guard (try? await Task.sleep(for: Self.busyWait - Self.connectionWait)) != nil else { return }
                wait.abandon(BoardError.database(
                    path: self.location.description,
                    reason: "no free connection within \(Self.busyWait.components.seconds) s: the server answers, "
                        + "but every connection of this process stayed busy"))
            }
            Task {
                do {
                    let result = try await pool.withConnection { connection in
                        guard wait.take() else { throw CancellationError() }
                        timer.cancel()
                        return try await body(SQLSession(
                            connection: connection, logger: self.logger, prepared: self.preparedStatements,
                            pool: ObjectIdentifier(pool)))
                    }
                    wait.finish(.success(result))
                } catch {
                    wait.finish(.failure(error))
                }
                timer.cancel()
            }
        }
    }

    /// Maps every error to `BoardError` with this store's URL, but a fenced write's `LeaseLost` and an ingest
    /// batch's `IngestMemory.Outdated`, which their callers act on.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let lost as LeaseLost {
            throw lost
        } catch let outdated as IngestMemory.Outdated {
            throw outdated
        } catch {
            throw Self.boardError(error, location: location)
        }
    }

    static func boardError(_ error: any Error, location: PostgresLocation) -> BoardError {
        if let error = error as? BoardError { return error }
        if error is RecentRunsCodec.DamagedData {
            return .database(path: location.description, reason: "a job's state row is damaged")
        }
        if let error = error as? PSQLError {
            // The server ended the connection under our transaction: idle past the limit, or ended by the
            // instance that took over this one's expired lease (docs/high-availability.md).
            let ended = ["25P03", "57P01"].contains(error.serverInfo?[.sqlState] ?? "")
            return ended
                ? .busy(path: location.description, reason: reason(for: error))
                : .database(path: location.description, reason: reason(for: error))
        }
        if let closed = error as? SQLSession.ConnectionClosed {
            return .busy(path: location.description, reason: closed.description)
        }
        return .database(path: location.description, reason: "\(error)")
    }

    /// PostgreSQL's sentence for a server error; the cause of a connection failure otherwise.
    static func reason(for error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            if error.serverInfo?[.sqlState] == "25006" { return "the database is open read-only" }
            return message + code
        }
        if let underlying = error.underlying {
            return "cannot connect: " + (tlsReason(underlying) ?? "\(underlying)")
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown: return "cannot connect: the connection failed"
        case .queryCancelled: return "the query was cancelled"
        default: return "PostgreSQL error \(error.code)"
        }
    }

    /// A TLS failure in words (`sslmode=verify-full`, docs/postgresql.md), nil for any other error.
    private static func tlsReason(_ error: any Error) -> String? {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's TLS certificate does not name the host of the URL"
        }
        guard let error = error as? NIOSSLError, case .handshakeFailed(let failure) = error else { return nil }
        if "\(failure)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's TLS certificate is not signed by the CA in sslrootcert"
        }
        return "the TLS handshake failed (\(failure))"
    }

    /// Whether an error may go away by itself: the server unreachable, starting up, or out of connections.
    /// `serve` waits for those instead of exiting.
    public static func mayHeal(_ error: any Error) -> Bool {
        if let error = error as? BoardError, case .busy = error { return true }
        guard let error = error as? BoardError, case .database(_, let reason) = error else { return false }
        return reason.hasPrefix("cannot connect") || reason.contains("SQLSTATE 57P03") || reason.contains("SQLSTATE 53300")
            || reason.contains("the database system is starting up")
    }
}

/// One call's wait for a connection: answered once, by the call's result or by its timer, whichever is first
/// while no connection was taken.
private final class ConnectionWait<T: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<T, any Error>?)
        case taken(CheckedContinuation<T, any Error>?)
        case done
    }

    private let state = Mutex(State.waiting(nil))

    func waiting(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0 = .waiting(continuation) }
    }

    /// Takes the connection for the call; false when the timer answered already.
    func take() -> Bool {
        state.withLock { state in
            guard case .waiting(let continuation) = state else { return false }
            state = .taken(continuation)
            return true
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            switch state {
            case .waiting(let continuation), .taken(let continuation):
                state = .done
                return continuation
            case .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }

    /// Answers `error` unless a connection was taken (then the call's own result answers).
    func abandon(_ error: any Error) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .done
            return continuation
        }
        continuation?.resume(throwing: error)
    }
}
