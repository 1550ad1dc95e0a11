import BenchFleet
import BoardModel
import Foundation
import BoardSQLite

/// `board-bench --policy [--jobs 10000] [--runs-per-job 30] [--loads 7]`: the standard alert policy alone
/// (`AlertPolicy.changes`, every rule of docs/architecture.md §5) over `BenchmarkFleet`, loaded once from a file
/// database. Every job gets an RPO and every odd job is an incremental whose full is the job before it, so the
/// RPO and chain rules have work too; every 7th job's latest run failed, which also opens a fleet alert.
enum PolicyBench {
    /// Runs the benchmark and exits when `arguments` ask for it; otherwise returns (after its usage line, for
    /// `--help`, so that board-bench's own follows).
    static func runIfRequested(_ arguments: [String]) async {
        if arguments.contains("--help") || arguments.contains("-h") {
            print("usage: board-bench --policy [--jobs 10000] [--runs-per-job 30] [--loads 7]")
        }
        guard arguments.contains("--policy") else { return }
        func number(after flag: String, default value: Int) -> Int {
            guard let index = arguments.firstIndex(of: flag) else { return value }
            guard index + 1 < arguments.count, let number = Int(arguments[index + 1]), number > 0 else {
                fail("expected a positive number after \(flag)")
            }
            return number
        }
        do {
            try await run(
                jobs: number(after: "--jobs", default: 10_000), runsPerJob: number(after: "--runs-per-job", default: 30),
                loads: number(after: "--loads", default: 7))
        } catch {
            fail("\(error)")
        }
        exit(0)
    }

    static func run(jobs jobCount: Int, runsPerJob: Int, loads: Int) async throws {
        print("(e) alert policy over \(jobCount) jobs with \(runsPerJob) runs each (AlertPolicy.standard.changes)")
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("policy-bench-\(getpid()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try BoardStore(path: path)
        let ids = try await BenchmarkFleet.insertJobs(jobCount, createdAt: start, into: store)
        try await BenchmarkFleet.insertRuns(runsPerJob, forJobs: ids, firstStart: start, failEvery: 7, into: store)
        let now = start.addingTimeInterval(Double(runsPerJob - 1) * 3_600 + 1_800)

        var snapshot = try await store.loadBoard(at: now)
        for index in snapshot.entries.indices {
            snapshot.entries[index].job.rpo = 2 * 3_600
            if index % 2 == 1 {
                snapshot.entries[index].job.kind = .incremental
                snapshot.entries[index].job.chainParent = snapshot.entries[index - 1].job.slug
            }
        }
        let fleet = FleetReport(snapshot, at: now)
        var activities: [Int64: JobActivity] = [:]
        for entry in snapshot.entries { activities[entry.activity.jobID] = entry.activity }
        let policy = AlertPolicy.standard

        // Wall time suffers from other processes on a shared machine; this thread's CPU time much less.
        func cpuSeconds() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        func report(_ label: String, wall: [Double], cpu: [Double], _ detail: String) {
            let wall = wall.sorted(), cpu = cpu.sorted()
            print(String(
                format: "    %@: wall median %.1f ms (min %.1f), CPU median %.1f ms (min %.1f) over %d%@", label,
                wall[wall.count / 2] * 1000, wall[0] * 1000, cpu[cpu.count / 2] * 1000, cpu[0] * 1000, wall.count, detail))
        }
        func measure(_ label: String, openAlerts: [Alert]) -> AlertChanges {
            var changes = AlertChanges()
            var wall: [Double] = [], cpu: [Double] = []
            for _ in 0..<loads {
                let cpuStart = cpuSeconds()
                wall.append(seconds {
                    changes = policy.changes(for: fleet, openAlerts: openAlerts, maintenanceWindows: [], activities: activities)
                })
                cpu.append(cpuSeconds() - cpuStart)
            }
            report(label, wall: wall, cpu: cpu, String(
                format: " (%d opened, %d updated, %d resolved)", changes.opened.count, changes.updated.count,
                changes.resolved.count))
            return changes
        }
        let first = measure("nothing open yet", openAlerts: [])
        let open = first.opened.enumerated().map { number, alert in
            var alert = alert
            alert.id = Int64(number + 1)
            return alert
        }
        _ = measure("steady (every alert already open)", openAlerts: open)

        print("    by rule, nothing open:")
        let input = AlertInput(now: now, jobs: fleet.jobs, activities: activities, openAlerts: [], maintenanceWindows: [])
        for rule in policy.rules {
            var found = 0
            var wall: [Double] = [], cpu: [Double] = []
            for _ in 0..<loads {
                let cpuStart = cpuSeconds()
                wall.append(seconds { found = rule.findings(in: input).count })
                cpu.append(cpuSeconds() - cpuStart)
            }
            report("  \(type(of: rule))", wall: wall, cpu: cpu, " (\(found) found)")
        }
    }
}
