@testable import BoardSQLite
import BoardModel
import Foundation
import TestSupport

/// The real `backupboard serve` as a child process on a SQLite file in a fresh folder, one job per key, and a
/// store on the same file for the test to read what it stored. A process of its own: the full suite keeps the
/// test process's threads busy for seconds, and a server inside it answered the seed's Python client (which
/// gives up after 10 s) too late.
final class ServedBoard: ServerOnFile, Sendable {
    let folder: URL
    let store: BoardStore
    let port: Int
    private let serve: ServeProcess

    /// Starts `serve` on a free loopback port (another on a clash with a server of a test running beside it), with
    /// `config` as its config file when given.
    static func start(keys: [String: String], config: String? = nil) async throws -> ServedBoard {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-served-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("board.sqlite").path
        let store = try BoardStore(path: database)
        for (slug, key) in keys.sorted(by: { $0.key < $1.key }) {
            _ = try await store.insert(Job(slug: slug, pingKey: key, schedule: .interval(86_400), createdAt: Date().addingTimeInterval(-600)))
        }
        var options = ["--db", database]
        if let config {
            let path = folder.appendingPathComponent("serve.toml").path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            options = ["--config", path] + options
        }
        var attempt = 0
        while true {
            attempt += 1
            let port = try await StubHeartbeatServer.closedPort()
            let serve = try ServeProcess(
                arguments: options + ["--listen", "127.0.0.1:\(port)"], port: port,
                log: folder.appendingPathComponent("serve-\(attempt).log"))
            do {
                try await serve.waitUntilListening()
                return ServedBoard(folder: folder, store: store, port: port, serve: serve)
            } catch where attempt < 3 {
                serve.crash()
            }
        }
    }

    private init(folder: URL, store: BoardStore, port: Int, serve: ServeProcess) {
        self.folder = folder
        self.store = store
        self.port = port
        self.serve = serve
    }

    var databasePath: String { folder.appendingPathComponent("board.sqlite").path }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Ends `serve` (what it acknowledged is committed) and removes the folder.
    func stop() {
        serve.crash()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A server under test and the SQLite store it writes, for reading what it stored.
protocol ServerOnFile {
    var store: BoardStore { get }
}

extension ServerOnFile {
    /// The job's state judged now from what the database holds.
    func state(of slug: String) async throws -> JobState? {
        let now = Date()
        let board = try await store.loadBoard(at: now)
        return FleetReport(jobs: board.jobsWithActivity, mutes: [], at: now).jobs.first { $0.job.slug == slug }?.status.state
    }

    /// The job's heartbeats, newest first.
    func heartbeats(of slug: String) async throws -> [Heartbeat] {
        guard let id = try await store.job(slug: slug)?.id else { return [] }
        return try await store.heartbeats(ofJob: id, limit: 10_000)
    }
}
