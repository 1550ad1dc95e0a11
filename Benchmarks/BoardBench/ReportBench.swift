import BenchFleet
import BoardModel
import Foundation
import BoardSQLite

// board-bench --report: `backupboard report` over a large fleet with months of runs. The database is built
// once through the store's batch insert and kept in --dir (reused when it is already there), then the
// compliance report is read from a read-only store, as the command does, over three periods: the peak
// memory should not grow with the number of runs read.

/// Builds (or reuses) `jobs` jobs × `days` days × `runsPerDay` runs and times `complianceReport(over:)`.
func runReportBenchmark(jobs jobCount: Int, days: Int, runsPerDay: Int, loads: Int, root: String) async throws {
    let path = root + "/report-\(jobCount)x\(days)d.sqlite"
    let spacing = 86_400 / Double(runsPerDay)
    let end = base.addingTimeInterval(Double(days) * 86_400)
    print("(e) report over \(jobCount) jobs × \(days) days × \(runsPerDay) runs a day (file database, WAL)")
    if FileManager.default.fileExists(atPath: path) {
        print("    reusing \(path)")
    } else {
        let store = try BoardStore(path: path)
        // Jobs every `spacing`, RPO one and a half periods; every 7th job's latest run fails, so it ends the
        // period in breach.
        var ids: [Int64] = []
        for index in 0..<jobCount {
            var job = BenchmarkFleet.job(index, createdAt: base)
            job.schedule = .interval(spacing)
            job.rpo = spacing * 1.5
            ids.append(try await store.insert(job))
        }
        let buildTime = try await seconds {
            try await BenchmarkFleet.insertRuns(
                days * runsPerDay, forJobs: ids, firstStart: base, spacing: spacing, length: 1_800, failEvery: 7, into: store)
        }
        _ = try await store.checkpoint()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(String(
            format: "    built in %.1f s: %d runs (%d heartbeats), file %.2f GB", buildTime, jobCount * days * runsPerDay,
            jobCount * days * runsPerDay * 2, Double(size) / 1e9))
    }
    let reader = try BoardStore(path: path, readOnly: true)
    print("    period | runs read | median s | min s | max s | RSS before | peak (VmHWM)")
    for period in [days / 9, days / 3, days].filter({ $0 > 0 }) {
        let interval = DateInterval(start: end.addingTimeInterval(-Double(period) * 86_400), end: end)
        let baseline = procStatus("VmRSS")
        resetPeakMemory()
        var times: [Double] = []
        var report: ComplianceReport?
        for _ in 0..<loads {
            times.append(try await seconds { report = try await reader.complianceReport(over: interval) })
        }
        let peak = procStatus("VmHWM")
        times.sort()
        print(String(
            format: "    %5dd | %9d | %8.2f | %5.2f | %5.2f | %-10@ | %@", period, report?.runs ?? 0, times[times.count / 2],
            times.first!, times.last!, mib(baseline), mib(peak)))
        if period == days, let report {
            print(String(
                format: "    (%d jobs breached their RPO, %.1f%% of runs good)", report.jobsBreachingRPO,
                (report.successRate ?? 0) * 100))
        }
    }
}
