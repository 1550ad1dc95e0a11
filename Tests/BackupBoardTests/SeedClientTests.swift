@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import BoardModel
import Foundation
import Testing
import TestSupport

// The seed article's scripts (Tests/Fixtures/seed, copied verbatim), run unchanged but for their URL
// against the real server on an ephemeral loopback port. pg_dump, mysqldump and rsync are small
// stand-ins first on PATH; stat, gzip, curl, grep and awk are the system's own, so the scripts
// misbehave exactly as they do on a Linux backup host (docs/architecture.md §8).

/// One scratch folder holding URL-patched copies of the fixtures, and the way to run them.
struct SeedScripts: Sendable {
    static let articleHost = "https://your-domain.com"

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/seed")
    }

    let folder: URL
    let baseURL: String

    init(server: ServedBoard) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        baseURL = "http://127.0.0.1:\(server.port)"
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
        for name in names where name.hasSuffix(".sh") || name.hasSuffix(".py") {
            let text = try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
            if name != "send_heartbeat_with_retry.py" && name != "verify_backup.py" {
                #expect(text.contains(Self.articleHost), "\(name) no longer holds the article's URL literal")
            }
            try text.replacingOccurrences(of: Self.articleHost, with: baseURL)
                .write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    /// Runs a fixture with bash or python3 in the scratch folder (the scripts write their dumps into
    /// the working directory); `failing` names the fake tools that fail.
    @discardableResult
    func run(_ name: String, _ arguments: [String] = [], failing: [String] = []) async throws -> (code: Int32, out: String, err: String) {
        try await offThePool { try runBlocking(name, arguments, failing: failing) }
    }

    private func runBlocking(_ name: String, _ arguments: [String], failing: [String]) throws -> (code: Int32, out: String, err: String) {
        let interpreter = name.hasSuffix(".py") ? "python3" : "bash"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter, folder.appendingPathComponent(name).path] + arguments
        process.currentDirectoryURL = folder
        process.environment = Self.environment(failing: failing)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    static func environment(failing: [String] = []) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        let fakes = fixtures.appendingPathComponent("fakebin").path
        environment["PATH"] = fakes + ":" + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        environment["SEED_FAKE_FAIL"] = failing.joined(separator: " ")
        environment["LC_ALL"] = "C.UTF-8"
        // The scripts' URLs are loopback; no proxy may stand between them and the test server.
        for proxy in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            environment[proxy] = nil
        }
        environment["NO_PROXY"] = "127.0.0.1"
        return environment
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// The tools the scripts need, checked up front so a missing one is one clear failure (never a skip).
    static func requireTools() async throws {
        func succeeds(_ arguments: [String]) async -> Bool {
            (try? await offThePool { succeedsBlocking(arguments) }) ?? false
        }
        @Sendable func succeedsBlocking(_ arguments: [String]) -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.environment = environment()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return false }
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
        for tool in ["bash", "curl", "gzip", "stat", "grep", "awk", "python3"] {
            try #require(await succeeds(["sh", "-c", "command -v \(tool)"]),
                         "\(tool) is needed by the seed article's scripts: install it (.ci/run does)")
        }
        try #require(await succeeds(["python3", "-c", "import requests"]),
                     "python3's requests module is needed by the seed article's Python: apt-get install python3-requests (.ci/run does)")
        // The fakes must win: the real rsync would reach for a host called backup-server.
        let fakes = fixtures.appendingPathComponent("fakebin").path
        for tool in ["pg_dump", "mysqldump", "rsync"] {
            try #require(await succeeds(["sh", "-c", "[ \"$(command -v \(tool))\" = \"\(fakes)/\(tool)\" ]"]),
                         "the stand-in \(tool) in \(fakes) is not first on PATH")
        }
    }
}

@Suite(.serialized) struct SeedClientTests {
    /// A live server with one job per key, and the scripts patched to reach it.
    private func start(_ keys: [String: String]) async throws -> (ServedBoard, SeedScripts) {
        try await SeedScripts.requireTools()
        let live = try await ServedBoard.start(keys: keys)
        return (live, try SeedScripts(server: live))
    }

    private func finish(_ live: ServedBoard, _ scripts: SeedScripts) {
        scripts.remove()
        live.stop()
    }

    @Test func gnuStatPrintsNothingForTheArticlesBSDFormat() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-stat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("12345".utf8).write(to: folder.appendingPathComponent("backup.sql"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["stat", "-f%z", "backup.sql"]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(data.isEmpty, "GNU stat printed '\(String(decoding: data, as: UTF8.self))' for -f%z")
        #expect(process.terminationStatus != 0)
    }

    @Test func basicBashPgDumpScript() async throws {
        let (live, scripts) = try await start(["db": "db_backup_abc123"])
        try await scripts.run("backup-postgres.sh")
        #expect(try await live.state(of: "db") == .up)
        let completed = try #require(try await live.heartbeats(of: "db").first)
        #expect(String(decoding: completed.body, as: UTF8.self).hasSuffix(",\"size\":}"), "the Linux body: stat printed nothing")
        #expect(completed.report.status == .completed)
        #expect(completed.report.duration != nil)
        #expect(completed.report.size == nil)
        #expect(completed.report.problems.contains { $0.hasPrefix("malformed JSON") }, "\(completed.report.problems)")
        #expect(completed.contentType == "application/json")

        try await scripts.run("backup-postgres.sh", failing: ["pg_dump"])
        #expect(try await live.state(of: "db") == .failed)
        let failed = try #require(try await live.heartbeats(of: "db").first)
        #expect(failed.report.status == .failed && failed.report.message == "pg_dump failed")
        #expect(try await live.heartbeats(of: "db").count == 4)

        try await scripts.run("backup-postgres.sh")
        #expect(try await live.state(of: "db") == .up, "a good run after a failure brings the job back up")
        finish(live, scripts)
    }

    @Test func basicPythonPgDumpScript() async throws {
        let (live, scripts) = try await start(["db": "db_backup_abc123"])
        let ok = try await scripts.run("backup_postgres.py")
        #expect(ok.code == 0 && ok.out.isEmpty, "\(ok)")
        #expect(try await live.state(of: "db") == .up)
        let completed = try #require(try await live.heartbeats(of: "db").first)
        #expect(completed.report.status == .completed)
        #expect(completed.report.size?.value == 3_118, "len(pg_dump's stdout) from the stand-in")
        #expect(completed.report.problems.isEmpty, "\(completed.report.problems)")
        #expect(completed.userAgent?.hasPrefix("python-requests/") == true)

        let bad = try await scripts.run("backup_postgres.py", failing: ["pg_dump"])
        #expect(bad.code == 0 && bad.out.isEmpty, "the script catches CalledProcessError and exits 0: \(bad)")
        #expect(try await live.state(of: "db") == .failed)
        let failed = try #require(try await live.heartbeats(of: "db").first)
        #expect(failed.report.status == .failed && failed.report.exitCode == 1)
        #expect(failed.report.message?.contains("returned non-zero exit status 1") == true, "\(failed.report.message ?? "nil")")
        finish(live, scripts)
    }

    @Test func pgDumpCustomFormatScript() async throws {
        let (live, scripts) = try await start(["pg": "pg_backup_xyz"])
        try await scripts.run("pg-dump-custom.sh")
        #expect(try await live.state(of: "pg") == .up)
        let heartbeats = try await live.heartbeats(of: "pg")
        #expect(heartbeats.count == 2)
        let completed = try #require(heartbeats.first)
        #expect(String(decoding: completed.body, as: UTF8.self) == "{\"status\":\"completed\",\"size\":}")
        #expect(completed.contentType == "application/x-www-form-urlencoded", "curl -d without -H")
        #expect(completed.report.status == .completed && completed.report.size == nil)
        #expect(!completed.report.problems.isEmpty)
        #expect(heartbeats.last?.report.fields["database"] == "production")

        try await scripts.run("pg-dump-custom.sh", failing: ["pg_dump"])
        #expect(try await live.state(of: "pg") == .failed)
        #expect(try await live.heartbeats(of: "pg").first?.report.message == "pg_dump failed")
        finish(live, scripts)
    }

    @Test func mysqldumpGzipScript() async throws {
        let (live, scripts) = try await start(["mysql": "mysql_backup_xyz"])
        var job = try #require(try await live.store.job(slug: "mysql"))
        job.minSize = 1_000
        try await live.store.update(job)

        // On Linux `stat -f%z` prints nothing, so even a good dump reports no size: a job with a min size
        // cannot see that its backup is big enough, and that is shown as a failure, not passed as success.
        try await scripts.run("mysqldump-gzip.sh")
        #expect(try await live.state(of: "mysql") == .failed, "completed without a size, under a min size")
        let gzSize = try FileManager.default.attributesOfItem(atPath: scripts.folder.appendingPathComponent("app_backup.sql.gz").path)[.size] as? Int
        #expect((gzSize ?? 0) > 1_000, "the good dump's .gz is over the min size")
        let completed = try #require(try await live.heartbeats(of: "mysql").first)
        #expect(String(decoding: completed.body, as: UTF8.self) == "{\"status\":\"completed\",\"size\":,\"compressed\":true}")
        #expect(completed.report.status == .completed && completed.report.size == nil && !completed.report.problems.isEmpty)

        // mysqldump fails, gzip succeeds: `$?` is gzip's 0, so the script reports completed. The .gz is
        // tiny (an empty stream), but GNU stat prints nothing, so no size reaches the server: the min size
        // rule still catches it, because a run that sends no size cannot prove it meets the minimum.
        let bad = try await scripts.run("mysqldump-gzip.sh", failing: ["mysqldump"])
        #expect(bad.err.contains("Can't connect to local MySQL server"))
        let tiny = try FileManager.default.attributesOfItem(atPath: scripts.folder.appendingPathComponent("app_backup.sql.gz").path)[.size] as? Int
        #expect(tiny == 20, "gzip of an empty stream")
        let reported = try #require(try await live.heartbeats(of: "mysql").first)
        #expect(reported.report.status == .completed, "the script says completed although the dump failed")
        #expect(reported.report.size == nil)
        #expect(try await live.state(of: "mysql") == .failed, "no size, under a min size: not good")

        // With a size in the body (what the script would send where `stat -f%z` works), min size catches it.
        let url = "\(scripts.baseURL)/heartbeat/mysql_backup_xyz"
        #expect(try await request(["-X", "POST", url, "-d", "{\"status\":\"started\",\"database\":\"app_db\"}"]).code == 200)
        #expect(try await request(["-X", "POST", url, "-d", "{\"status\":\"completed\",\"size\":20,\"compressed\":true}"]).code == 200)
        #expect(try await live.state(of: "mysql") == .failed, "a completed run of 20 bytes under a 1,000-byte min size is a failure")
        finish(live, scripts)
    }

    @Test func rsyncScript() async throws {
        let (live, scripts) = try await start(["rsync": "rsync_backup_xyz"])
        try await scripts.run("rsync-backup.sh")
        #expect(try await live.state(of: "rsync") == .up)
        let completed = try #require(try await live.heartbeats(of: "rsync").first)
        let body = String(decoding: completed.body, as: UTF8.self)
        #expect(body == "{\"status\":\"completed\",\"transferred\":\"Total\nsent\",\"speed\":\"sent\"}",
                "grep \"sent\" matches two lines, so a raw newline lands in the string: \(body)")
        #expect(completed.report.status == .completed)
        #expect(!completed.report.problems.isEmpty, "the raw newline is recorded as a problem")
        #expect(try await live.heartbeats(of: "rsync").last?.report.fields["destination"] == "backup-server:/backups")

        try await scripts.run("rsync-backup.sh", failing: ["rsync"])
        #expect(try await live.state(of: "rsync") == .failed)
        #expect(try await live.heartbeats(of: "rsync").first?.report.message == "rsync failed")
        finish(live, scripts)
    }

    @Test func sendHeartbeatWithRetry() async throws {
        let (live, scripts) = try await start(["db": "db_backup_abc123"])
        #expect(try await scripts.run("seed_functions_driver.py", ["retry", "started"]).out == "True\n")
        #expect(try await live.state(of: "db") == .running)
        #expect(try await scripts.run("seed_functions_driver.py", ["retry", "completed", "size=45.2GB", "duration=2h"]).out == "True\n")
        #expect(try await live.state(of: "db") == .up)
        let completed = try #require(try await live.heartbeats(of: "db").first)
        #expect(completed.report.size?.value == 45_200_000_000 && completed.report.duration?.value == 7_200)

        #expect(try await scripts.run("seed_functions_driver.py", ["retry", "failed", "error=disk full"]).out == "True\n")
        #expect(try await live.state(of: "db") == .failed)
        #expect(try await live.heartbeats(of: "db").first?.report.message == "disk full")
        finish(live, scripts)
    }

    @Test func sendHeartbeatWithRetryToAnUnknownKeyReturnsFalse() async throws {
        let (live, scripts) = try await start(["other": "some_other_key_0123"])
        // 404 is not 200 and raises nothing: three attempts, no sleep, False; the key is seen as unknown.
        let result = try await scripts.run("seed_functions_driver.py", ["retry", "completed"])
        #expect(result.out == "False\n", "\(result)")
        // serve writes unknown keys a moment after the 404s (docs/architecture.md §4).
        #expect(try await eventually { try await live.store.unknownKeys().first?.count == 3 })
        finish(live, scripts)
    }

    @Test func verifyBackup() async throws {
        let (live, scripts) = try await start(["db": "db_backup_abc123"])
        try await scripts.run("backup_postgres.py")
        #expect(try await live.state(of: "db") == .up)
        let dump = scripts.folder.appendingPathComponent("verified.sql")
        try Data("-- PostgreSQL database dump\n".utf8).write(to: dump)
        let rightHash = SHA256.hex(SHA256.digest(of: "-- PostgreSQL database dump\n"))

        try await scripts.run("seed_functions_driver.py", ["verify", dump.path, rightHash])
        #expect(try await live.state(of: "db") == .up, "a matching hash verifies the latest completed run")
        let verified = try #require(try await live.heartbeats(of: "db").first)
        #expect(verified.report.status == .verified && verified.report.hash == rightHash)
        #expect(try await live.store.runs(ofJob: verified.jobID).count == 1, "verification is never a run of its own")

        try await scripts.run("seed_functions_driver.py", ["verify", dump.path, "0000"])
        #expect(try await live.state(of: "db") == .verificationFailed)
        #expect(try await live.heartbeats(of: "db").first?.report.status == .verificationFailed)
        finish(live, scripts)
    }

    @Test func troubleshootingTestPing() async throws {
        let (live, scripts) = try await start(["db": "db_backup_abc123"])
        // As printed, the line's key is abc123, which no job can have (keys are 8+ characters): a 404,
        // counted as an unknown key so the board shows the mistyped URL.
        try await scripts.run("test-ping.sh")
        // With a job's own URL in its place (the only change allowed), it is a test ping.
        let text = try String(contentsOf: SeedScripts.fixtures.appendingPathComponent("test-ping.sh"), encoding: .utf8)
        try text.replacingOccurrences(of: "\(SeedScripts.articleHost)/heartbeat/abc123", with: "\(scripts.baseURL)/heartbeat/db_backup_abc123")
            .write(to: scripts.folder.appendingPathComponent("test-ping-own-url.sh"), atomically: true, encoding: .utf8)
        try await scripts.run("test-ping-own-url.sh")
        let ping = try #require(try await live.heartbeats(of: "db").first)
        #expect(ping.report.isTest)
        #expect(String(decoding: ping.body, as: UTF8.self) == "{\"test\":true}")
        #expect(try await live.state(of: "db") == .new, "a test ping is recorded, never counted as a run")
        #expect(try await live.store.runs(ofJob: ping.jobID).isEmpty)
        #expect(try await eventually { try await live.store.unknownKeys().map(\.keyPrefix) == ["abc123"] })
        finish(live, scripts)
    }
}
