import BoardModel
import Foundation
import Testing
import BoardSQLite

/// `backupboard --server URL` for real: a `backupboard serve` on a loopback port, the board in tmux polling
/// it, acks and mutes written through the API, and the server killed under the board.
@Suite(.serialized) struct RemoteBoardTests {
    static let token = "remote-board-admin-token-0123456789"

    @Test func boardOnAServerReadsWritesAndGoesStaleWhenTheServerDies() async throws {
        let cli = try CommandLine()
        let db = cli.path("demo.sqlite")
        // Not a terminal: the demo writes its database, prints the status and exits.
        _ = try await cli.run(["demo", "--db", db])
        let log = cli.path("serve.log")
        let pidFile = cli.path("serve.pid")
        let binary = CommandLine.binary.path

        let pane = try TmuxPane(width: 120, height: 35)
        try await pane.type(
            "BACKUPBOARD_TOKEN=\(Self.token) \(binary) serve --listen 127.0.0.1:0 --db \(db) > \(log) 2>&1 & echo $! > \(pidFile)")
        let port = try await Self.port(fromLog: log)
        try await pane.type(
            "LANG=C.UTF-8 LC_ALL= TERM=xterm-256color BACKUPBOARD_TOKEN=\(Self.token) \(binary) --server http://127.0.0.1:\(port) "
                + "--as remote-tester; echo exited=$?")
        // The server's evaluator opens the demo's alerts on its first tick; the board shows them.
        try await pane.waitFor("ALERTS", "EMRG", "NAS photo", "q quit")

        // Acknowledge the newest alert from the alert log, with a note: written through the API.
        try await pane.press("Tab")
        try await pane.press("a")
        try await pane.type("remote ack")
        try await pane.waitFor("acknowledged alert", "on the server")

        // Mute the worst job for an hour.
        try await pane.press("Tab")
        try await pane.press("g")
        try await pane.press("m")
        try await pane.press("1")
        try await pane.type("restore test")
        try await pane.waitFor("muted nas-photos")

        // Its detail comes from GET /api/v1/jobs/nas-photos: the owner is not in the board document.
        try await pane.press("Enter")
        try await pane.waitFor("(nas-photos)", "owner it-office", "LAST RUNS", "completed, verified")
        try await pane.press("Escape")
        try await pane.waitFor("q quit")

        // The server dies: the last data stays on screen, marked stale with the reason.
        let pid = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGTERM)
        let stale = try await pane.waitFor("feed stale", "Cannot reach the server", "NAS photo")
        #expect(stale.contains("ALERTS"))

        try await pane.press("q")
        try await pane.waitFor("exited=0")

        let store = try BoardStore(path: db, readOnly: true)
        let acknowledged = try await store.recentAlerts().filter { $0.acknowledgedAt != nil }
        #expect(acknowledged.count == 1)
        #expect(acknowledged.first?.acknowledgedBy == "remote-tester")
        #expect(acknowledged.first?.acknowledgementNote == "remote ack")
        let mute = try #require(try await store.activeMutes(at: Date()).first)
        #expect(mute.scope == .job("nas-photos"))
        #expect(mute.createdBy == "remote-tester")
        #expect(mute.reason == "restore test")
    }

    @Test func aRefusedTokenIsOneSentenceAndExitThree() async throws {
        let cli = try CommandLine()
        // Not a terminal: the board prints the status instead, or says why it cannot.
        let result = try await cli.run(
            ["--server", "http://127.0.0.1:9"], environment: [ "BACKUPBOARD_TOKEN": "whatever-token-0123456789"])
        #expect(result.code == 3)
        #expect(result.err.contains("Cannot reach the server at http://127.0.0.1:9"))
        #expect(!result.err.contains("Fatal"))
    }

    /// The port `serve --listen 127.0.0.1:0` chose, from its log.
    static func port(fromLog path: String) async throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on 127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), port > 0 { return port }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BoardError.invalidValue("serve never said where it listens; its log: \(path)")
    }
}
