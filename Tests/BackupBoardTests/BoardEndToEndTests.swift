import BoardModel
import Foundation
import Testing
import BoardSQLite

/// The real board under tmux, on a demo database kept alive by `backupboard demo`: keys in, screen and
/// database checked.
@Suite(.serialized) struct BoardEndToEndTests {
    @Test func demoBoardMovesFiltersMutesAcknowledgesAndResizes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("board-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("demo.sqlite").path

        let pane = try TmuxPane(width: 120, height: 35)
        try await pane.type("LANG=C.UTF-8 LC_ALL= TERM=xterm-256color \(CommandLine.binary.path) demo --db \(db) --as tester; echo exited=$?")
        try await pane.waitFor("ALERTS", "EMRG", "NAS photo", "q quit")

        // Move to the second job (worst first: mysql-billing) and open its detail.
        try await pane.press("j")
        try await pane.press("Enter")
        try await pane.waitFor("(mysql-billing)", "LAST RUNS")
        try await pane.press("Escape")
        try await pane.waitFor("q quit")

        // Filter down to one job: the table and the alert log follow.
        try await pane.press("/")
        try await pane.type("gitlab")
        let filtered = try await pane.waitFor("filter 'gitlab' 1/28", "GitLab data")
        #expect(!filtered.contains("NAS photo"))

        // Mute it for an hour with a reason.
        try await pane.press("m")
        try await pane.press("1")
        try await pane.type("disk swap")
        try await pane.waitFor("muted fs-gitlab-data")

        // Acknowledge its alert from the alert log, with a note.
        try await pane.press("Tab")
        try await pane.press("a")
        try await pane.type("on it")
        try await pane.waitFor("acknowledged alert")

        // Narrow: the alert log moves below the table and nothing overflows.
        try await pane.resize(width: 70, height: 20)
        let narrow = try await pane.waitFor("ALERTS", "GitLab")
        #expect(narrow.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { $0.count <= 70 })

        try await pane.press("q")
        try await pane.waitFor("exited=0")

        let store = try BoardStore(path: db, readOnly: true)
        let mute = try #require(try await store.activeMutes(at: Date()).first)
        #expect(mute.scope == .job("fs-gitlab-data"))
        #expect(mute.createdBy == "tester")
        #expect(mute.reason == "disk swap")
        #expect(abs(mute.until.timeIntervalSinceNow - 3_600) < 120)
        let acknowledged = try await store.openAlerts().filter { $0.acknowledgedAt != nil }
        #expect(acknowledged.count == 1)
        #expect(acknowledged.first?.acknowledgedBy == "tester")
        #expect(acknowledged.first?.acknowledgementNote == "on it")
    }
}
