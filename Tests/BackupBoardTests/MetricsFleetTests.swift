@testable import BoardServe
import BoardModel
import BoardSQLite
import Foundation
import Testing
import TestSupport

/// `/metrics`' fleet series, and the whole page through `promtool check metrics`.
@Suite struct MetricsFleetTests {
    @Test func openAlertsTagsAndTheFleetLevelAreSeriesAndThePagePassesPromtool() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let store = try BoardStore.inMemory()
        try await store.insert(Job(slug: "pg", pingKey: "k1-0123456789abcdef", schedule: .interval(3_600), tags: ["prod", "db"], createdAt: now.addingTimeInterval(-86_400)))
        try await store.insert(Job(slug: "web", pingKey: "k2-0123456789abcdef", schedule: .interval(86_400), tags: ["prod"], createdAt: now.addingTimeInterval(-600)))
        let board = try await store.loadBoard(at: now)
        let report = FleetReport(board, at: now)
        var withAlert = board
        withAlert.openAlerts = [Alert(kind: .delayed, severity: .warning, jobID: 1, message: "overdue", openedAt: now)]
        let page = MetricsPage.render(fleet: withAlert, report: report, at: now, evaluatorInterval: 10)
        #expect(page.contains("backupboard_alerts_open{severity=\"warning\",kind=\"delayed\"} 1\n"))
        #expect(page.contains("backupboard_alerts_open{severity=\"critical\",kind=\"failed\"} 0\n"))
        #expect(page.contains("backupboard_tag_jobs{tag=\"db\",state=\"down\"} 1\n"))
        #expect(page.contains("backupboard_tag_jobs{tag=\"prod\",state=\"up\"} 1\n"))
        #expect(page.contains("backupboard_tag_jobs{tag=\"prod\",state=\"down\"} 1\n"))
        #expect(page.contains("backupboard_fleet_level \(report.level.rawValue)\n"))
        withAlert.evaluatorLastTick = now.addingTimeInterval(-60)
        #expect(MetricsPage.render(fleet: withAlert, report: report, at: now, evaluatorInterval: 10).contains("backupboard_fleet_level 3\n"))

        let whole = MetricsPage.render(board: board, report: report, ingest: ServerMetrics().snapshot()) + page
            + MetricsPage.render(outbox: [OutboxChannelHealth(channel: "ops", pending: 1, oldestPendingSince: now, failed: 0, lastError: nil, lastDeliveredAt: now)], at: now)
        let check = try await promtoolCheckMetrics(whole)
        #expect(check.status == 0, "promtool check metrics: \(check.output)")
    }
}

/// `promtool check metrics` on `page` (Debian's `prometheus` package).
func promtoolCheckMetrics(_ page: String) async throws -> (status: Int32, output: String) {
    guard let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
        throw BoardError.invalidValue("promtool is not installed: install Debian's prometheus package (README's prerequisites)")
    }
    return try await offThePool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(page.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

/// `/metrics`' restore series (docs/restore-tests.md): each job's verdict, its latest restore and the fleet's
/// jobs by verdict, and the page still passes promtool.
@Suite struct MetricsRestoreTests {
    @Test func restoreStatesAreSeriesAndThePagePassesPromtool() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let store = try BoardStore.inMemory()
        let created = now.addingTimeInterval(-40 * 86_400)
        try await store.insert(Job(slug: "pg", pingKey: "k1-0123456789abcdef", schedule: .interval(3_600), rto: 3_600, createdAt: created))
        try await store.insert(Job(slug: "mongo", pingKey: "k2-0123456789abcdef", schedule: .interval(3_600), rto: 7_200, createdAt: created))
        let drill = try await store.insert(Job(
            slug: "pg-restore", pingKey: "k3-0123456789abcdef", schedule: .interval(30 * 86_400), kind: .restoreTest, tests: ["pg"],
            createdAt: created))
        let started = now.addingTimeInterval(-86_400)
        _ = try await store.insert([
            Heartbeat(jobID: drill, receivedAt: started, report: HeartbeatReport(status: .started)),
            Heartbeat(jobID: drill, receivedAt: started.addingTimeInterval(5_400), report: HeartbeatReport(status: .completed)),
        ])
        let board = try await store.loadBoard(at: now)
        let report = FleetReport(board, at: now)
        let page = MetricsPage.render(fleet: board, report: report, at: now, evaluatorInterval: 10)
        #expect(page.contains("backupboard_job_restore_state{job=\"pg\",verdict=\"rto_breach\"} 1\n"))
        #expect(page.contains("backupboard_job_restore_state{job=\"pg\",verdict=\"proved\"} 0\n"))
        #expect(page.contains("backupboard_job_restore_state{job=\"mongo\",verdict=\"untested\"} 1\n"))
        #expect(!page.contains("backupboard_job_restore_state{job=\"pg-restore\""), "a restore test has no restore state")
        #expect(page.contains("backupboard_job_last_restore_duration_seconds{job=\"pg\"} 5400\n"))
        #expect(page.contains("backupboard_job_last_restore_timestamp_seconds{job=\"pg\"} \(Int(started.addingTimeInterval(5_400).timeIntervalSince1970))\n"))
        #expect(page.contains("backupboard_job_rto_seconds{job=\"mongo\"} 7200\n"))
        #expect(page.contains("backupboard_restore_jobs{verdict=\"untested\"} 1\n"))
        #expect(page.contains("backupboard_restore_jobs{verdict=\"rto_breach\"} 1\n"))
        #expect(page.contains("backupboard_fleet_level 2\n"), "an RTO breach is critical in the fleet's level")
        let check = try await promtoolCheckMetrics(page)
        #expect(check.status == 0, "promtool check metrics: \(check.output)")
    }
}
