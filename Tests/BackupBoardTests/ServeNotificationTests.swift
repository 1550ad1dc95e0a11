import BoardModel
import Foundation
import Testing
import TestSupport
import BoardSQLite

// The real `backupboard serve`: a failed run opens an alert, its notification goes through the outbox to a
// webhook receiver that is down, survives a crash and restart of serve, and arrives once the receiver is back.

/// `backupboard serve` as a child process on a loopback port.
final class ServeProcess: Sendable {
    let process = Process()
    let port: Int
    let log: URL

    convenience init(config: String, database: String, port: Int, log: URL) throws {
        try self.init(arguments: ["--config", config, "--db", database], port: port, log: log)
    }

    /// `serve` with `arguments`, its standard error appended to `log`.
    init(arguments: [String], port: Int, log: URL, environment extra: [String: String] = [:]) throws {
        self.port = port
        self.log = log
        process.executableURL = CommandLine.binary
        process.arguments = ["serve"] + arguments
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        for proxy in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            environment[proxy] = nil
        }
        environment["NO_PROXY"] = "127.0.0.1"
        process.environment = environment
        // O_APPEND: the instances of a test may share one log, and each line must land whole after the others'.
        let descriptor = open(log.path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw BoardError.invalidValue("cannot open \(log.path) for the serve log") }
        process.standardError = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until this `serve` says it listens on its port and /healthz answers there (at most 30 s). Its own
    /// line, not /healthz alone: the port was free when the test took it, but a server of another test running
    /// in parallel may bind it first, and would answer /healthz for this one.
    func waitUntilListening() async throws {
        for _ in 0..<300 {
            let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if said.contains("[BoardServe] listening on 127.0.0.1:\(port)\n"),
               (try? await curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"])) == "200"
            {
                return
            }
            guard process.isRunning else { throw BoardError.invalidValue("serve on port \(port) exited: \(said)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BoardError.invalidValue("serve did not start on port \(port)")
    }

    /// SIGKILL: a crash, and a child started from a test's thread inherits that thread's blocked SIGTERM.
    func crash() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { crash() }
}

/// Polls `condition` every 100 ms for up to `seconds`.
func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

@Suite(.serialized) struct ServeNotificationTests {
    @Test func aNotificationSurvivesARestartOfServeWhileTheReceiverIsDown() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("board.sqlite").path
        let key = "notify-test-key-0123456789"
        let store = try BoardStore(path: database)
        try await store.insert(Job(slug: "db-prod", pingKey: key, schedule: .interval(86_400), createdAt: Date().addingTimeInterval(-600)))

        let receiver = try await StubHeartbeatServer()
        try receiver.answer(Array(repeating: 503, count: 10_000))
        let port = try await StubHeartbeatServer.closedPort()
        let config = folder.appendingPathComponent("serve.toml")
        try """
            listen = "127.0.0.1:\(port)"
            [evaluator]
            interval = "1s"
            [notifications]
            retry_base = "1s"
            retry_cap = "1s"
            [notifications.channels.hook]
            type = "webhook"
            url = "\(receiver.url)/hook"
            [[notifications.routes]]
            events = ["failed"]
            channels = ["hook"]
            """.write(to: config, atomically: true, encoding: .utf8)
        let log = folder.appendingPathComponent("serve.log")

        var serve: ServeProcess? = try ServeProcess(config: config.path, database: database, port: port, log: log)
        try await serve?.waitUntilListening()
        try await curl(["-X", "POST", "http://127.0.0.1:\(port)/heartbeat/\(key)/fail"])
        let triedTwice = try await eventually { receiver.requests().count >= 2 }
        let serveLog = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        #expect(triedTwice, "the receiver never heard from serve: \(serveLog())")
        serve?.crash()
        serve = nil

        let pending = try await store.outboxHealth()
        #expect(pending.map(\.pending) == [1])
        #expect(pending.first?.lastError?.contains("HTTP 503") == true)
        let attemptsBefore = receiver.requests().count

        try receiver.answer([])
        serve = try ServeProcess(config: config.path, database: database, port: port, log: log)
        try await serve?.waitUntilListening()
        let delivered = try await eventually { try await store.outboxHealth().first?.lastDeliveredAt != nil }
        #expect(delivered, "not delivered after the restart: \(serveLog())")
        serve?.crash()

        let requests = receiver.requests()
        let alertID = try #require(try await store.openAlerts().first { $0.kind == .failed }?.id)
        #expect(requests.count > attemptsBefore)
        #expect(requests.allSatisfy { $0.headers["idempotency-key"] == "alert-\(alertID)-opened" })
        #expect(requests.filter { $0.status == 200 }.count == 1)
        #expect(requests.last?.fields["job"] as? String == "db-prod")
        #expect(try await store.outboxHealth().map(\.pending) == [0])
    }

    @Test func aSecondServeOnTheSameDatabaseIsRefusedNamingTheFirst() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("new/board.sqlite").path
        let port = try await StubHeartbeatServer.closedPort()
        let config = folder.appendingPathComponent("serve.toml")
        try "listen = \"127.0.0.1:\(port)\"\n".write(to: config, atomically: true, encoding: .utf8)
        let log = folder.appendingPathComponent("serve.log")

        let first = try ServeProcess(config: config.path, database: database, port: port, log: log)
        try await first.waitUntilListening()
        let firstLog = try String(contentsOf: log, encoding: .utf8)
        #expect(firstLog.contains("created a new, empty database at \(database)"), "\(firstLog)")

        let secondPort = try await StubHeartbeatServer.closedPort()
        let second = try await CommandLine().run(["serve", "--db", database, "--listen", "127.0.0.1:\(secondPort)"])
        #expect(second.code == 1)
        #expect(second.err.contains("backupboard: Cannot use database at \(database): another backupboard serve (PID \(first.process.processIdentifier)) is already using it"), "\(second.err)")

        // The kernel drops the lock with the process, however it ends: a crashed serve never blocks the next.
        first.crash()
        let third = try ServeProcess(config: config.path, database: database, port: port, log: log)
        try await third.waitUntilListening()
        third.crash()
    }

    @Test func serveWaitsForAReadOnlyDatabaseAndStartsOnceItCanWrite() async throws {
        // The hardening issue: a database read-only when serve started gave 503 for ever, even after it was fixed.
        // A read-only mount stands in for it (permissions do not stop root, who runs CI).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-ro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mounted = try await system(["mount", "-t", "tmpfs", "tmpfs", folder.path])
        #expect(mounted == 0, "mounting a tmpfs for this test needs root with CAP_SYS_ADMIN, as CI has")
        guard mounted == 0 else { return }
        let database = folder.appendingPathComponent("board.sqlite").path
        let key = "readonly-test-key-0123456"
        do {
            let store = try BoardStore(path: database)
            try await store.insert(Job(slug: "pg", pingKey: key, schedule: .interval(86_400), createdAt: Date().addingTimeInterval(-600)))
        }
        let port = try await StubHeartbeatServer.closedPort()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("serve-ro-\(UUID().uuidString).toml")
        try "listen = \"127.0.0.1:\(port)\"\n".write(to: config, atomically: true, encoding: .utf8)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-ro-\(UUID().uuidString).log")
        #expect(try await system(["mount", "-o", "remount,ro", folder.path]) == 0)

        let serve = try ServeProcess(config: config.path, database: database, port: port, log: log)
        let serveLog = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let waiting = try await eventually(20) { serveLog().contains("trying again every 5 s until it can be written") }
        #expect(waiting, "\(serveLog())")
        #expect(serve.process.isRunning)

        #expect(try await system(["mount", "-o", "remount,rw", folder.path]) == 0)
        try await serve.waitUntilListening()
        #expect(serveLog().contains("can be written now: starting"))
        #expect(try await request(["-d", "{\"status\":\"completed\"}", "http://127.0.0.1:\(port)/heartbeat/\(key)"]).code == 200)
        serve.crash()
        _ = try await system(["umount", folder.path])
    }
}

/// Runs a command (off the cooperative pool) and answers its exit status.
private func system(_ arguments: [String]) async throws -> Int32 {
    try await offThePool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
