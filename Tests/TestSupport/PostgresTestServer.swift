import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server the tests run against (docs/postgresql.md): `BACKUPBOARD_TEST_POSTGRES_URL` when
/// set (what `.ci/run` exports), else a private cluster this test process starts once, from Debian's
/// PostgreSQL 15 through `scripts/postgres-test-cluster.sh`, and stops when it exits. Each test gets a
/// database of its own. Never a skip: without PostgreSQL the tests fail with a sentence naming the package.
public enum PostgresTestServer {
    /// The variable naming a running server's database, `postgres://postgres@127.0.0.1:55432/backupboard_test`.
    public static let variable = "BACKUPBOARD_TEST_POSTGRES_URL"

    /// Why no server is there: the sentence a failing test shows.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    private static let server = Mutex<Result<String, Unavailable>?>(nil)
    private static let counter = Atomic<Int>(0)

    /// The URL of the server's own test database (started on first use).
    public static func url() throws -> String {
        try server.withLock { state in
            if let state { return state }
            let result = start()
            state = result
            return result
        }.get()
    }

    /// A new, empty database on the server, for one test: its URL.
    public static func freshDatabase(prefix: String = "bb") throws -> String {
        let base = try url()
        let name = "\(prefix)_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)_\(UInt32.random(in: 0...UInt32.max))"
        try psql(base, "CREATE DATABASE \(name)")
        guard let slash = base.lastIndex(of: "/") else { return base }
        return base[..<slash] + "/" + name
    }

    /// Runs `sql` through `psql` on the database at `url`; answers what it printed (unaligned, tuples only).
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let (status, output) = run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        guard status == 0 else {
            throw Unavailable(description: "psql failed on \(sql): \(output)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A cluster of its own for one test, started with `options` of `scripts/postgres-test-cluster.sh`
    /// (`--tls`, `--fsync-off`): a server set up unlike the shared one. Stop it with `stop()`.
    public struct PrivateCluster: Sendable {
        /// The URL of its `backupboard_test` database.
        public let url: String
        /// Its folder; with `--tls`, the CA that signed its certificate is `folder/ca.crt`.
        public let folder: String

        public init(_ options: [String]) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-pg-\(UUID().uuidString)").path
            var (status, output) = (Int32(0), "")
            // Below the kernel's ephemeral range (32768–60999), so no client connection holds it; another port if a
            // server of another test does.
            for attempt in 1...5 {
                let port = 22_000 + Int.random(in: 0..<8_000)
                (status, output) = PostgresTestServer.run(
                    ["bash", repositoryRoot() + "/scripts/postgres-test-cluster.sh", "start", folder, String(port)] + options)
                guard status != 0, output.contains("Address already in use"), attempt < 5 else { break }
            }
            guard status == 0, let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix("postgres://") else {
                throw Unavailable(description: "A private PostgreSQL cluster (\(options.joined(separator: " "))) did not start: \(output)")
            }
            self.url = url
        }

        public func stop() {
            _ = PostgresTestServer.run(["bash", repositoryRoot() + "/scripts/postgres-test-cluster.sh", "stop", folder])
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// The folder of the private cluster, stopped at exit.
    nonisolated(unsafe) private static var clusterFolder: String?

    private static func start() -> Result<String, Unavailable> {
        if let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty { return .success(url) }
        let script = repositoryRoot() + "/scripts/postgres-test-cluster.sh"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-pg-\(getpid())").path
        let port = 56_000 + Int(getpid() % 4_000)
        let (status, output) = run(["bash", script, "start", folder, String(port)])
        guard status == 0, let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix("postgres://") else {
            return .failure(Unavailable(description:
                "The PostgreSQL tests need a PostgreSQL 15 server: install Debian's package with "
                    + "'sudo apt-get install -y postgresql' (or set \(variable) to a test database's URL, as "
                    + "scripts/postgres-test-cluster.sh start DIR prints). Starting a private cluster failed: \(output)"))
        }
        clusterFolder = folder
        atexit {
            guard let folder = PostgresTestServer.clusterFolder else { return }
            let script = PostgresTestServer.repositoryRoot() + "/scripts/postgres-test-cluster.sh"
            _ = PostgresTestServer.run(["bash", script, "stop", folder])
            try? FileManager.default.removeItem(atPath: folder)
        }
        return .success(url)
    }

    public static func repositoryRoot() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Runs `arguments` (found on PATH); answers the exit status and what it printed. Spawned and waited for
    /// with posix_spawn and waitpid: the output goes through a file, not a pipe, since the PostgreSQL server
    /// that `start` leaves running would hold a pipe open for ever.
    public static func run(_ arguments: [String]) -> (Int32, String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-pg-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { return (-1, "\(arguments[0]) could not be started: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : -1, text)
    }
}
