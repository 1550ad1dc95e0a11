import ArgumentParser
import BenchFleet
import BoardModel
import Foundation
import BoardSQLite
import BoardTerminal

/// `backupboard-bench board`: the board's own costs, in process, over a large fleet — a refresh after one
/// job changed, a frame with unchanged data, and start to first frame, through `BoardState` and
/// `BoardRenderer` as the terminal uses them. Figures are reported, never asserted (Benchmarks/README.md,
/// "board").
struct BoardBenchCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Time the board's refresh, frame and first frame over a generated fleet (for Benchmarks/README.md).",
        shouldDisplay: false
    )

    @Option(help: "Jobs in the generated fleet.")
    var jobs = 10_000

    @Option(help: "Runs per job (a start and a completion each, one run an hour).")
    var runs = 30

    @Option(help: "Frames with unchanged data to time (the median is reported).")
    var frames = 50

    @Option(help: "Refreshes after one job changed to time (the median is reported).")
    var refreshes = 15

    @Option(help: "Screen width of the rendered frames.")
    var width = 200

    @Option(help: "Screen height of the rendered frames.")
    var height = 50

    @Option(help: ArgumentHelp("Keep the generated database at this path (for scripts/bench-board.sh).", valueName: "path"))
    var keep: String?

    package func validate() throws {
        guard jobs > 0, runs > 0, frames > 0, refreshes > 0, width > 0, height > 0 else {
            throw ValidationError("every count and size must be positive")
        }
    }

    package func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("board-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = keep.map { DataPaths.expandingTilde($0) } ?? directory + "/board.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }

        // The fleet leads up to the real clock so `backupboard board` on a kept file sees the same board:
        // hourly jobs, the latest run started half an hour ago; every 7th job's latest run failed.
        let start = Date()
        let lastStart = start.addingTimeInterval(-1_800)
        let base = lastStart.addingTimeInterval(-Double(runs - 1) * 3_600)
        print("backupboard-bench board: \(jobs) jobs × \(runs) runs, frames \(width)×\(height), database \(path)")
        let writer = try BoardStore(path: path)
        var ids: [Int64] = []
        let buildTime = try await Self.wall {
            ids = try await BenchmarkFleet.insertJobs(jobs, createdAt: base, into: writer)
            try await BenchmarkFleet.insertRuns(runs, forJobs: ids, firstStart: base, failEvery: 7, into: writer)
            _ = try await writer.checkpoint()
        }
        print(String(format: "fleet built in %.1f s", buildTime))
        let glyphs = GlyphSet.utf8

        // (c) Start to first frame, as BoardLoop does it (without the terminal): open, load, model, render.
        var reader: BoardStore!
        var state: BoardState!
        let first = try await Self.measure {
            reader = try BoardStore(path: path, readOnly: true)
            let now = Date()
            let snapshot = try await reader.loadBoard(at: now)
            state = BoardState(snapshot: snapshot, now: now, loadedAt: now, width: width, height: height)
            var buffer = ScreenBuffer(width: width, height: height)
            BoardRenderer.render(state, into: &buffer, glyphs: glyphs)
        }

        // (b) A frame with unchanged data: the 1 s tick (judges again only jobs whose threshold passed) and a
        // full render.
        var clock = Date()
        var frameTimes: [Sample] = [], tickTimes: [Sample] = [], renderTimes: [Sample] = []
        for _ in 0..<frames {
            clock = clock.addingTimeInterval(1)
            let now = clock
            var buffer = ScreenBuffer(width: width, height: height)
            frameTimes.append(try Self.measure {
                state.tick(now)
                BoardRenderer.render(state, into: &buffer, glyphs: glyphs)
            })
            tickTimes.append(try Self.measure { state.tick(now) })
            var again = ScreenBuffer(width: width, height: height)
            renderTimes.append(try Self.measure { BoardRenderer.render(state, into: &again, glyphs: glyphs) })
        }

        // (a) A refresh after one job's data changed: one heartbeat written (not timed), then what the feed
        // and the loop do — read what changed since the last load and merge it, state.load (which judges the
        // changed job again), render — each part timed, the refresh being their sum. Nothing else holds the
        // board's state meanwhile, as in the loop: a copy held here would make state.load copy every report.
        var refreshTimes: [Sample] = [], loadBoardTimes: [Sample] = [], stateLoadTimes: [Sample] = []
        for round in 0..<refreshes {
            clock = clock.addingTimeInterval(1)
            let now = clock
            let job = ids[(round * 7_919) % ids.count]
            _ = try await writer.insert([BenchmarkFleet.heartbeat(job: job, index: round, at: Date())])
            let previous = state.snapshot
            var snapshot: BoardSnapshot!
            var buffer = ScreenBuffer(width: width, height: height)
            let read = try await Self.measure { snapshot = try await reader.loadBoard(at: now, updating: previous) }
            guard snapshot.dataVersion != previous.dataVersion else {
                throw ValidationError("the data version did not move after an insert")
            }
            let judge = try Self.measure { state.load(snapshot, at: now) }
            let draw = try Self.measure { BoardRenderer.render(state, into: &buffer, glyphs: glyphs) }
            refreshTimes.append(Sample(cpu: read.cpu + judge.cpu + draw.cpu, wall: read.wall + judge.wall + draw.wall))
            loadBoardTimes.append(read)
            stateLoadTimes.append(judge)
        }

        print("")
        print("figure                                         |  CPU ms | wall ms | target")
        print("-----------------------------------------------+---------+---------+---------")
        func row(_ name: String, _ samples: [Sample], target: String) {
            let (cpu, wall) = Self.median(samples)
            print(String(format: "%@ | %7.2f | %7.2f | %@", name.padding(toLength: 46, withPad: " ", startingAt: 0), cpu, wall, target))
        }
        row("(a) refresh after one job changed (median \(refreshes))", refreshTimes, target: "< 50 ms")
        row("      of which loadBoard(updating:)", loadBoardTimes, target: "")
        row("      of which state.load", stateLoadTimes, target: "")
        row("(b) frame, unchanged data (median \(frames))", frameTimes, target: "< 5 ms")
        row("      of which tick", tickTimes, target: "")
        row("      of which render \(width)×\(height)", renderTimes, target: "")
        row("(c) start to first frame (once)", [first], target: "< 200 ms")
        print(String(format: "peak RSS (VmHWM): %.1f MiB", Double(Self.peakKilobytes()) / 1024))
        if let keep { print("database kept at \(keep)") }
    }

    // MARK: Helpers

    /// CPU time of this process (every thread) and wall time, in milliseconds.
    struct Sample { var cpu: Double; var wall: Double }

    static func measure(_ body: () throws -> Void) throws -> Sample {
        let cpuStart = cpuNanoseconds(), wallStart = ContinuousClock.now
        try body()
        let cpu = Double(cpuNanoseconds() - cpuStart) / 1e6
        let elapsed = ContinuousClock.now - wallStart
        let wall = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        return Sample(cpu: cpu, wall: wall)
    }

    static func measure(_ body: () async throws -> Void) async throws -> Sample {
        let cpuStart = cpuNanoseconds(), wallStart = ContinuousClock.now
        try await body()
        let cpu = Double(cpuNanoseconds() - cpuStart) / 1e6
        let elapsed = ContinuousClock.now - wallStart
        let wall = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        return Sample(cpu: cpu, wall: wall)
    }

    static func wall(_ body: () async throws -> Void) async throws -> Double {
        try await measure(body).wall / 1e3
    }

    static func cpuNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    static func median(_ samples: [Sample]) -> (cpu: Double, wall: Double) {
        let cpu = samples.map(\.cpu).sorted(), wall = samples.map(\.wall).sorted()
        return (cpu[cpu.count / 2], wall[wall.count / 2])
    }

    static func peakKilobytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return -1
    }
}
