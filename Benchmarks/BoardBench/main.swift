import BenchFleet
import BoardModel
import Foundation
import BoardLive
import BoardPostgres
import BoardSQLite

// board-bench: ingest rate through BoardStore.insert, and loadBoard time and memory over a large fleet.
// Usage: swift run -c release board-bench [--jobs 1000,10000] [--heartbeats-per-job 1000] [--dir PATH]
//        [--batches 100,1000] [--ingest 20000] [--loads 7]
//        swift run -c release board-bench --tick [--jobs 10000] [--runs-per-job 30] [--loads 7] [--postgres URL]
//        (only the evaluator tick: serve's FleetEvaluator, which loads and judges what changed, then records;
//        with --postgres, on that empty PostgreSQL database instead of a SQLite file)
//        swift run -c release board-bench --report [--jobs 10000] [--days 90] [--runs-per-day 4] [--loads 3] [--dir PATH]
//        (only the compliance report; see ReportBench.swift)

struct Options {
    var jobCounts = [1_000, 10_000]
    var heartbeatsPerJob = 1_000
    var directory: String?
    var batchSizes = [100, 1_000]
    var ingestCount = 20_000
    var loads = 7
    var tick = false
    var runsPerJob = 30
    var report = false
    var days = 90
    var runsPerDay = 4
    var postgres: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("missing value after \(arguments[index - 1])") }
            return arguments[index]
        }
        func numbers(_ text: String) -> [Int] {
            let list = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !list.isEmpty, list.allSatisfy({ $0 > 0 }) else { fail("expected positive numbers, got '\(text)'") }
            return list
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--jobs": options.jobCounts = numbers(value())
            case "--heartbeats-per-job": options.heartbeatsPerJob = numbers(value())[0]
            case "--dir": options.directory = value()
            case "--batches": options.batchSizes = numbers(value())
            case "--ingest": options.ingestCount = numbers(value())[0]
            case "--loads": options.loads = numbers(value())[0]
            case "--tick": options.tick = true
            case "--runs-per-job": options.runsPerJob = numbers(value())[0]
            case "--report": options.report = true
            case "--days": options.days = numbers(value())[0]
            case "--runs-per-day": options.runsPerDay = numbers(value())[0]
            case "--postgres": options.postgres = value()
            case "--help", "-h":
                print("usage: board-bench [--jobs 1000,10000] [--heartbeats-per-job 1000] [--dir PATH] [--batches 100,1000] [--ingest 20000] [--loads 7]")
                exit(0)
            case let other: fail("unknown option \(other)")
            }
            index += 1
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("board-bench: \(message)\n".utf8))
    exit(2)
}

/// A field of /proc/self/status, in kB.
func procStatus(_ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
    }
    return -1
}

/// Resets VmHWM to the current RSS, so the next peak is the load's own.
func resetPeakMemory() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func mib(_ kilobytes: Int) -> String { String(format: "%.1f MiB", Double(kilobytes) / 1024) }

let base = Date(timeIntervalSince1970: 1_700_000_000)

await PolicyBench.runIfRequested(Array(CommandLine.arguments.dropFirst()))
let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let root = options.directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("board-bench-\(getpid())").path
do {
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
} catch {
    fail("cannot create \(root): \(error)")
}
func freshPath(_ name: String) -> String {
    let path = root + "/" + name + ".sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return path
}

print("board-bench  (database folder: \(root))")
print("")

if options.report {
    do { try await runReportBenchmark(jobs: options.jobCounts.last ?? 10_000, days: options.days, runsPerDay: options.runsPerDay, loads: options.loads, root: root) } catch { fail("\(error)") }
    exit(0)
}

if options.tick {
    do {
        let jobCount = options.jobCounts.last ?? 10_000
        let store: any BoardDatabase
        if let url = options.postgres {
            print("(d) evaluator tick over \(jobCount) jobs with \(options.runsPerJob) runs each (PostgreSQL)")
            store = try await PostgresStore.open(
                PostgresLocation(url), password: ProcessInfo.processInfo.environment["PGPASSWORD"], access: .migrating)
        } else {
            print("(d) evaluator tick over \(jobCount) jobs with \(options.runsPerJob) runs each (file database, WAL)")
            store = try BoardStore(path: freshPath("tick-\(jobCount)"))
        }
        let ids = try await BenchmarkFleet.insertJobs(jobCount, createdAt: base, into: store)
        // One run an hour per job (the jobs are hourly); every 7th job's latest run failed.
        let buildTime = try await seconds {
            try await BenchmarkFleet.insertRuns(options.runsPerJob, forJobs: ids, firstStart: base, failEvery: 7, into: store)
        }
        _ = try await store.checkpoint()
        print(String(format: "    fleet built in %.1f s", buildTime))
        let lastStart = base.addingTimeInterval(Double(options.runsPerJob - 1) * 3_600)
        var now = lastStart.addingTimeInterval(1_800)
        // `serve`'s tick: it remembers the board and the judged fleet between ticks.
        let evaluator = FleetEvaluator(store: store)
        var first: TickReport?
        let firstTime = try await seconds { first = try await evaluator.tick(at: now) }
        print(String(
            format: "    first tick: %.1f ms (%d transitions, %d alerts opened)", firstTime * 1000,
            first?.transitions.count ?? 0, first?.opened.count ?? 0))
        var times: [Double] = []
        for _ in 0..<options.loads {
            now = now.addingTimeInterval(10)
            times.append(try await seconds { _ = try await evaluator.tick(at: now) })
        }
        times.sort()
        print(String(
            format: "    steady ticks (10 s apart, nothing changes): median %.1f ms, min %.1f ms, max %.1f ms over %d",
            times[times.count / 2] * 1000, times.first! * 1000, times.last! * 1000, times.count))
        // Two hours later every job is overdue: one transition and one delayed alert each. (A day-long
        // interval keeps the two-hour jump from counting as an outage of the monitor.)
        let daily = FleetEvaluator(store: store, interval: 86_400)
        _ = try await daily.tick(at: now)
        now = now.addingTimeInterval(2 * 3_600)
        var busy: TickReport?
        let busyTime = try await seconds { busy = try await daily.tick(at: now) }
        print(String(
            format: "    tick where every job turns overdue: %.1f ms (%d transitions, %d alerts opened)", busyTime * 1000,
            busy?.transitions.count ?? 0, busy?.opened.count ?? 0))
    } catch {
        fail("\(error)")
    }
    exit(0)
}

do {
    // (a) Ingest: heartbeats/s through insert, file database, WAL, synchronous=FULL, one commit per batch.
    print("(a) ingest through BoardStore.insert — WAL, synchronous=FULL, 100 jobs, \(options.ingestCount) heartbeats")
    print("    batch size | heartbeats/s | commits/s | ms per commit")
    for batchSize in options.batchSizes {
        let store = try BoardStore(path: freshPath("ingest-\(batchSize)"))
        let jobs = try await BenchmarkFleet.insertJobs(100, createdAt: base, into: store)
        var pending: [Heartbeat] = []
        var commits = 0
        let elapsed = try await seconds {
            for index in 0..<options.ingestCount {
                let job = jobs[index % jobs.count]
                let round = index / jobs.count
                pending.append(BenchmarkFleet.heartbeat(
                    job: job, index: round, at: base.addingTimeInterval(Double(index)), deliveryID: "d-\(index)"))
                if pending.count == batchSize {
                    _ = try await store.insert(pending)
                    pending.removeAll(keepingCapacity: true)
                    commits += 1
                }
            }
            if !pending.isEmpty {
                _ = try await store.insert(pending)
                commits += 1
            }
        }
        print(String(
            format: "    %10d | %12.0f | %9.0f | %8.2f", batchSize, Double(options.ingestCount) / elapsed,
            Double(commits) / elapsed, elapsed * 1000 / Double(commits)))
    }
    print("")

    // (b)+(c) loadBoard over a fleet with history.
    print("(b) loadBoard with \(options.heartbeatsPerJob) heartbeats per job (start + completed pairs), median of \(options.loads)")
    var rows: [String] = []
    for jobCount in options.jobCounts {
        let path = freshPath("fleet-\(jobCount)")
        let store = try BoardStore(path: path)
        var ids: [Int64] = []
        let jobsTime = try await seconds { ids = try await BenchmarkFleet.insertJobs(jobCount, createdAt: base, into: store) }
        let total = jobCount * (options.heartbeatsPerJob / 2 * 2)
        // Job after job, so each batch touches few jobs; within a job, one run every 6 hours.
        let buildTime = try await seconds {
            try await BenchmarkFleet.insertRuns(
                options.heartbeatsPerJob / 2, forJobs: ids, firstStart: base, spacing: 21_600, length: 5_400, into: store)
        }
        _ = try await store.checkpoint()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(String(
            format: "    %d jobs: created in %.1f s; %d heartbeats stored in %.1f s (%.0f/s); file %.2f GB",
            jobCount, jobsTime, total, buildTime, Double(total) / buildTime, Double(size) / 1e9))

        // A new store on the file, as the board opens it.
        let reader = try BoardStore(path: path, readOnly: true)
        _ = try await reader.loadBoard(at: base)
        let baseline = procStatus("VmRSS")
        resetPeakMemory()
        var times: [Double] = []
        var runs = 0
        for _ in 0..<options.loads {
            var snapshot: BoardSnapshot?
            times.append(try await seconds { snapshot = try await reader.loadBoard(at: base) })
            runs = snapshot?.entries.reduce(0) { $0 + $1.activity.recentRuns.count } ?? 0
        }
        let peak = procStatus("VmHWM")
        var versionTime = 0.0
        versionTime = try await seconds { for _ in 0..<1_000 { _ = try await reader.dataVersion() } } / 1_000
        times.sort()
        rows.append(String(
            format: "    %7d | %10.1f | %8.1f | %8.1f | %9d | %-12@ | %-12@ | %8.3f",
            jobCount, times[times.count / 2] * 1000, times.first! * 1000, times.last! * 1000, runs,
            mib(baseline), mib(peak), versionTime * 1000))
    }
    print("")
    print("       jobs | median ms |   min ms |   max ms | runs read | RSS before   | peak (VmHWM) | dataVersion ms")
    for row in rows { print(row) }
} catch {
    fail("\(error)")
}
