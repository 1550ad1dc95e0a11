import ArgumentParser
import BoardLive
import BoardModel
import BoardServe
import BoardSQLite
import Foundation

/// `backupboard-bench metrics`: what a `/metrics` scrape costs over a database (the one `board --keep` leaves):
/// the judged fleet brought up to date, then each part of the page rendered, as `serve` does it. Figures are
/// reported, never asserted (Benchmarks/README.md, "metrics").
struct MetricsBenchCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Time the /metrics page's parts over a database (for Benchmarks/README.md).",
        shouldDisplay: false
    )

    @Option(help: ArgumentHelp("The database, such as the one `backupboard-bench board --keep PATH` leaves.", valueName: "path"))
    var db: String

    @Option(help: "Scrapes to time (the median is reported).")
    var scrapes = 20

    package func run() async throws {
        let store = try BoardStore(path: DataPaths.expandingTilde(db), readOnly: true)
        let fleet = LiveFleet(store: store, monotonic: true)
        _ = try await fleet.refresh(at: Date())
        let ingest = ServerMetrics().snapshot()
        var refresh: [Double] = [], jobs: [Double] = [], series: [Double] = [], outbox: [Double] = []
        var bytes = 0, count = 0
        for _ in 0..<scrapes {
            let now = Date()
            var judged: LiveFleet.Judged!
            refresh.append(try await BoardBenchCommand.measure { judged = try await fleet.refresh(at: now) }.wall)
            var page = ""
            jobs.append(try BoardBenchCommand.measure { page = MetricsPage.render(board: judged.board, report: judged.report, ingest: ingest) }.wall)
            series.append(try BoardBenchCommand.measure {
                page += MetricsPage.render(fleet: judged.board, report: judged.report, at: now, evaluatorInterval: 10)
            }.wall)
            outbox.append(try await BoardBenchCommand.measure { page += MetricsPage.render(outbox: try await store.outboxHealth(), at: now) }.wall)
            bytes = page.utf8.count
            count = judged.report.jobs.count
        }
        func median(_ values: [Double]) -> String { String(format: "%7.2f ms", values.sorted()[values.count / 2]) }
        print("backupboard-bench metrics: \(count) jobs, page \(bytes / 1_000) kB, median of \(scrapes) scrapes (wall)")
        print("fleet brought up to date     \(median(refresh))")
        print("per-job series and ingest    \(median(jobs))")
        print("alerts, tags, fleet level    \(median(series))")
        print("outbox                       \(median(outbox))")
        print("total                        \(median(zip(zip(refresh, jobs), zip(series, outbox)).map { $0.0 + $0.1 + $1.0 + $1.1 }))")
    }
}
