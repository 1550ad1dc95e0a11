import ArgumentParser
import BoardModel
import BoardPostgres
import Foundation
import Synchronization
import BoardLive
import BoardTerminal

/// `backupboard demo`: a separate database with a realistic fleet and weeks of history.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write a demo database (about 25 jobs, 30+ days of history) and open the board on it, kept alive with simulated heartbeats.",
        discussion: "The demo never touches your real database: it writes demo.sqlite in the data folder unless --db says otherwise. It is written afresh each time. When standard output is not a terminal, it writes the database, prints its status and exits."
    )

    @Option(name: .customLong("db"), help: ArgumentHelp(
        "Where to write the demo database (default: $XDG_DATA_HOME/backupboard/demo.sqlite).", valueName: "path"))
    var path: String?

    @Option(help: "Seed for the generated history: the same seed and --now give the same database.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("The moment the history leads up to: ISO 8601 or Unix seconds (default: now).", valueName: "time"))
    var now: String?

    func validate() throws {
        if let now, Self.parseTime(now) == nil {
            throw ValidationError("--now '\(now)' is not a time: give ISO 8601 (2026-11-27T09:00:00Z) or Unix seconds")
        }
    }

    @OptionGroup var display: BoardDisplayOptions

    func run() async throws {
        let path = path.map { DataPaths.expandingTilde($0) } ?? DataPaths.dataDirectory() + "/demo.sqlite"
        let moment = now.flatMap(Self.parseTime) ?? Date()
        let fleet = DemoFleet.generate(seed: seed, now: moment)
        let written = try await DemoWriter.write(fleet, to: path)
        let interactive = isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1
        if interactive, now == nil {
            let store = try await StoreOpening.open(path, .existing)
            let life = DemoLife(seed: seed, store: store, jobs: try await store.jobs())
            try await BoardLaunch(source: LocalBoard(store: store), options: display, beforePoll: life.step).run()
            return
        }
        print("Wrote the demo database \(StoreOpening.shown(path)): \(fleet.jobs.count) jobs, \(written) heartbeats (seed \(seed)).")
        print()
        let snapshot = try await StoreOpening.open(path, .readOnly).loadBoard(at: moment)
        let report = FleetReport(snapshot, at: moment)
        print(StatusFormatter(report: report, glyphs: GlyphSet.current()).table())
        print()
        print("Try: backupboard status --db \(StoreOpening.shown(path)) --oneline")
    }

    /// ISO 8601 with or without fractional seconds, or Unix seconds.
    static func parseTime(_ text: String) -> Date? {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// The demo's simulated heartbeats, stored once per board poll through the same batch insert as real ones.
final class DemoLife: Sendable {
    private let store: any BoardDatabase
    private let simulator: Mutex<DemoSimulator>
    /// `serve`'s evaluator, ticking once a poll.
    private let evaluator: FleetEvaluator
    private let ids: [String: Int64]

    init(seed: UInt64, store: any BoardDatabase, jobs: [Job]) {
        self.store = store
        simulator = Mutex(DemoSimulator(seed: seed))
        evaluator = FleetEvaluator(store: store, interval: 1)
        ids = Dictionary(uniqueKeysWithValues: jobs.compactMap { job in job.id.map { (job.slug, $0) } })
    }

    /// Judges the fleet now, stores whatever the simulator says happens at this moment, and runs the
    /// evaluator as `serve` would, so the alert log fills and clears.
    @Sendable func step() async {
        let now = Date()
        _ = try? await evaluator.tick(at: now)
        guard let snapshot = try? await store.loadBoard(at: now) else { return }
        let events = simulator.withLock { $0.events(at: now, fleet: FleetReport(snapshot, at: now)) }
        let heartbeats = events.compactMap { event in
            ids[event.slug].map {
                Heartbeat(jobID: $0, receivedAt: event.at, report: event.report, body: Array(event.body.utf8),
                          contentType: "application/json", method: "POST", source: "127.0.0.1", userAgent: "backupboard-demo")
            }
        }
        if !heartbeats.isEmpty { _ = try? await store.insert(heartbeats) }
    }
}

/// Writes a generated fleet into a fresh database, through the same batch insert the server uses.
enum DemoWriter {
    /// Replaces whatever SQLite file is at `path`; a PostgreSQL database must hold no jobs yet (a shared
    /// database is never emptied for a demo). Returns how many heartbeats were stored.
    static func write(_ fleet: DemoFleet, to path: String) async throws -> Int {
        if !PostgresLocation.isURL(path) {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        let store = try await StoreOpening.open(path, .creating)
        if PostgresLocation.isURL(path), try await !store.jobs().isEmpty {
            throw BoardError.database(
                path: StoreOpening.shown(path),
                reason: "it already holds jobs; the demo writes only into an empty database (create one with createdb)")
        }
        var ids: [String: Int64] = [:]
        for job in fleet.jobs {
            ids[job.slug] = try await store.insert(job)
        }
        var stored = 0
        for start in stride(from: 0, to: fleet.events.count, by: 1_000) {
            let batch = fleet.events[start..<min(start + 1_000, fleet.events.count)].compactMap { event -> Heartbeat? in
                guard let jobID = ids[event.slug] else { return nil }
                return Heartbeat(
                    jobID: jobID, receivedAt: event.at, report: event.report, body: Array(event.body.utf8),
                    contentType: "application/json", method: "POST", source: "127.0.0.1", userAgent: "backupboard-demo"
                )
            }
            stored += try await store.insert(batch).filter { if case .stored = $0 { true } else { false } }.count
        }
        return stored
    }
}
