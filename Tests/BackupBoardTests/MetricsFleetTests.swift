@testable import BoardServe
import BoardModel
import BoardSQLite
import Foundation
import Testing

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
