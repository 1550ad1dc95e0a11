import BoardModel
import Foundation

/// The synthetic fleet both benchmarks build (`board-bench` and `backupboard-bench board`): many
/// identical hourly jobs and start/completed heartbeat pairs, written through the store's batch insert.
public enum BenchmarkFleet {
    /// A completed heartbeat's body, as a script would send it.
    static let body = Array(#"{"status":"completed","duration":"1h30m","size":"45.2GB","files":120345}"#.utf8)

    /// Job number `index`: hourly, a min size, a priority and tags that vary with the index.
    public static func job(_ index: Int, createdAt: Date) -> Job {
        Job(
            slug: String(format: "job-%05d", index), pingKey: "bench-key-\(index)", schedule: .interval(3_600),
            priority: JobPriority.allCases[index % 4], minSize: 1_000_000, tags: ["bench", "group-\(index % 10)"],
            createdAt: createdAt)
    }

    /// Heartbeat number `index` of a job: even ones start a run, odd ones complete it (45.2 GB, 1h30m).
    public static func heartbeat(job: Int64, index: Int, at date: Date, deliveryID: String? = nil) -> Heartbeat {
        let started = index % 2 == 0
        let report = HeartbeatReport(
            status: started ? .started : .completed,
            duration: started ? nil : Measured(5_400, text: "1h30m"),
            size: started ? nil : Measured(45.2e9 + Double(index % 17) * 1e8, text: "45.2GB"),
            files: started ? nil : 120_345)
        return Heartbeat(
            jobID: job, receivedAt: date, report: report, deliveryID: deliveryID, body: started ? [] : body,
            contentType: "application/json", method: "POST", source: "10.0.0.7", userAgent: "curl/8.5.0")
    }

    /// Inserts `count` jobs created at `createdAt` and returns their ids.
    public static func insertJobs(_ count: Int, createdAt: Date, into store: any JobCatalog) async throws -> [Int64] {
        var ids: [Int64] = []
        for index in 0..<count { ids.append(try await store.insert(job(index, createdAt: createdAt))) }
        return ids
    }

    /// Writes `runs` runs per job: run `n` starts at `firstStart + n × spacing` and completes `length`
    /// later; when `failEvery` is set, the latest run of every `failEvery`-th job fails. Batches of 5,000.
    public static func insertRuns(
        _ runs: Int, forJobs ids: [Int64], firstStart: Date, spacing: TimeInterval = 3_600,
        length: TimeInterval = 600, failEvery: Int? = nil, into store: any IngestStore
    ) async throws {
        var pending: [Heartbeat] = []
        pending.reserveCapacity(5_000)
        for (number, id) in ids.enumerated() {
            for index in 0..<(runs * 2) {
                let date = firstStart.addingTimeInterval(Double(index / 2) * spacing + Double(index % 2) * length)
                var beat = heartbeat(job: id, index: index, at: date)
                if let failEvery, number % failEvery == 0, index == runs * 2 - 1 { beat.report.status = .failed }
                pending.append(beat)
            }
            if pending.count >= 5_000 {
                _ = try await store.insert(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { _ = try await store.insert(pending) }
    }
}
