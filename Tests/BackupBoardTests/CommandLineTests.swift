import Foundation
import Testing
import TestSupport

/// The real binary, run as a user would: exit codes, standard output, standard error, the database it leaves.
struct CommandLine: Sendable {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The package's built `backupboard` (swift test builds it with the tests).
    static var binary: URL { product("backupboard") }

    /// A built executable of the package: `backupboard`, or `backupboard-bench` (the screen test's driver).
    static func product(_ name: String) -> URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        let build = url.appendingPathComponent(".build")
        for candidate in ["debug/\(name)", "release/\(name)"] {
            let file = build.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: file.path) { return file }
        }
        return build.appendingPathComponent("debug/\(name)")
    }

    struct Result: Sendable {
        let code: Int32
        let out: String
        let err: String
    }

    /// Runs the binary with `arguments` (off the cooperative pool) and returns what it did.
    @discardableResult
    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Result {
        try await offThePool { try runBlocking(arguments, environment: extra) }
    }

    private func runBlocking(_ arguments: [String], environment extra: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = path("xdg")
        environment["BACKUPBOARD_DB"] = nil
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(code: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: String(decoding: errData, as: UTF8.self))
    }
}

@Suite(.serialized) struct CommandLineTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    @Test func demoThenStatusJSONShowsEveryStory() async throws {
        let db = cli.path("demo.sqlite")
        // The history leads up to the real now, which `status` also judges at.
        let demo = try await cli.run(["demo", "--db", db, "--seed", "1"])
        #expect(demo.code == 0, "\(demo.err)")
        #expect(demo.out.contains("Wrote the demo database \(db): 28 jobs"))

        let status = try await cli.run(["status", "--db", db, "--json"])
        #expect(status.code == 2) // failed jobs in the fleet
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.count == 28)
        func state(_ slug: String) -> String? { jobs.first { $0["slug"] as? String == slug }?["state"] as? String }
        #expect(state("mysql-billing") == "failed")
        #expect(state("nas-photos") == "verification_failed")
        #expect(state("mssql-legacy-erp") == "paused")
        #expect(state("pg-payments-v2") == "new")
        #expect(state("fs-gitlab-data") == "overdue")
        #expect(state("pg-prod-analytics") == "running")
        #expect(state("pg-prod-main") == "up")
        func restore(_ slug: String) -> String? {
            (jobs.first { ($0["slug"] as? String) == slug }?["restore"] as? [String: Any])?["verdict"] as? String
        }
        #expect(restore("pg-prod-main") == "proved")
        #expect(restore("mysql-orders") == "rto_breach")
        #expect(restore("fs-home") == "overdue")
        #expect(restore("mongo-sessions") == "untested")
    }

    /// The demo's restore stories are alerts after `serve`'s first tick on the demo database: a newcomer sees them.
    @Test func theDemoShowsAnRTOBreachAndAnOverdueRestoreAfterServesFirstTick() async throws {
        let db = cli.path("demo.sqlite")
        let demo = try await cli.run(["demo", "--db", db, "--seed", "7"])
        try #require(demo.code == 0, "\(demo.err)")
        let port = try await StubHeartbeatServer.closedPort()
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let serve = try ServeProcess(arguments: ["--db", db, "--listen", "127.0.0.1:\(port)"], port: port, log: log)
        defer { serve.crash() }
        try await serve.waitUntilListening()
        var alerts = ""
        let shown = try await eventually {
            alerts = try await curl(["http://127.0.0.1:\(port)/api/v1/alerts"])
            return alerts.contains("\"rto_breach\"") && alerts.contains("\"restore_overdue\"")
        }
        #expect(shown, "\(alerts)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(alerts.utf8)) as? [String: Any])
        let open = try #require(document["open"] as? [[String: Any]], "\(alerts)")
        let restore = open.filter { ["rto_breach", "restore_overdue", "restore_failed"].contains($0["kind"] as? String ?? "") }
            .map { "\($0["kind"] ?? "") \($0["job_slug"] ?? "")" }.sorted()
        #expect(restore == ["restore_overdue fs-home", "rto_breach mysql-orders"])

        // The remote status judges the same restore states from the server's board.
        let remote = try await cli.run(["status", "--server", "http://127.0.0.1:\(port)", "--json"])
        #expect(remote.code == 2, "\(remote.err)")
        let status = try #require(try JSONSerialization.jsonObject(with: Data(remote.out.utf8)) as? [String: Any], "\(remote.out)")
        let jobs = try #require(status["jobs"] as? [[String: Any]])
        func verdict(_ slug: String) -> String? {
            (jobs.first { ($0["slug"] as? String) == slug }?["restore"] as? [String: Any])?["verdict"] as? String
        }
        #expect(verdict("pg-prod-main") == "proved")
        #expect(verdict("mysql-orders") == "rto_breach")
        #expect(verdict("fs-home") == "overdue")
        #expect(verdict("mongo-sessions") == "untested")
    }

    @Test func missingDatabaseIsOneSentenceAndExitThree() async throws {
        let db = cli.path("nowhere/board.sqlite")
        let result = try await cli.run(["status", "--db", db])
        #expect(result.code == 3)
        #expect(result.err.contains(db))
        #expect(result.err.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test func corruptDatabaseIsOneSentenceAndExitThree() async throws {
        let db = cli.path("corrupt.sqlite")
        try Data(repeating: 0x42, count: 8_192).write(to: URL(fileURLWithPath: db))
        let result = try await cli.run(["status", "--db", db])
        #expect(result.code == 3)
        #expect(result.err.contains(db))
        #expect(!result.err.contains("Fatal"))
    }

    @Test func aFolderOrAForeignFileIsTheSameSentenceToEveryCommand() async throws {
        // The hardening issue: a folder was "disk I/O error" to status and "this is a folder" to serve; a foreign
        // SQLite file was "run serve" to status, and then serve failed with "table jobs already exists".
        let folder = cli.path("a-folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let foreign = cli.path("other.sqlite")
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", foreign, "CREATE TABLE jobs(x); CREATE TABLE notes(y);"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let port = try await StubHeartbeatServer.closedPort()
        for (path, sentence) in [
            (folder, "this is a folder, not a database file"),
            (foreign, "it is a SQLite database of another program (tables jobs, notes), not backupboard's; give another path"),
        ] {
            for arguments in [["status"], ["alerts"], ["jobs", "list"], ["serve", "--listen", "127.0.0.1:\(port)"]] {
                let result = try await cli.run(arguments + ["--db", path])
                #expect(result.code != 0, "\(arguments)")
                #expect(result.err == "backupboard: Cannot use database at \(path): \(sentence)\n", "\(arguments): \(result.err)")
            }
        }
    }

    @Test func jobsAddListPauseResumeRemove() async throws {
        let db = cli.path("jobs.sqlite")
        let add = try await cli.run(["jobs", "add", "db-prod", "--every", "6h", "--grace", "1h", "--db", db, "--tag", "prod"])
        #expect(add.code == 0, "\(add.err)")
        #expect(add.out.contains("Ping URL: http://127.0.0.1:8470/heartbeat/"))

        let short = try await cli.run(["jobs", "add", "seed-db", "--cron", "30 2 * * *", "--tz", "Europe/Berlin",
                                 "--key", "db_backup_abc123", "--db", db])
        #expect(short.code == 0)
        #expect(short.err.contains("warning: ping key 'db_backup_abc123' is short"))

        let again = try await cli.run(["jobs", "add", "db-prod", "--every", "6h", "--db", db])
        #expect(again.code != 0)
        #expect(again.err.contains("db-prod"))

        let bad = try await cli.run(["jobs", "add", "x", "--every", "soon", "--db", db])
        #expect(bad.code != 0)
        #expect(bad.err.contains("--every 'soon' is not a duration"))

        let list = try await cli.run(["jobs", "list", "--db", db])
        #expect(list.out.contains("db-prod"))
        #expect(list.out.contains("cron 30 2 * * * Europe/Berlin"))

        let url = try await cli.run(["jobs", "url", "seed-db", "--db", db])
        #expect(url.out.hasPrefix("http://127.0.0.1:8470/heartbeat/db_backup_abc123\n"))

        #expect(try await cli.run(["jobs", "pause", "db-prod", "--db", db]).code == 0)
        #expect(try await cli.run(["jobs", "list", "--db", db]).out.contains("paused"))
        #expect(try await cli.run(["jobs", "resume", "db-prod", "--db", db]).code == 0)
        #expect(try await cli.run(["jobs", "remove", "db-prod", "--db", db]).code == 0)
        #expect(!(try await cli.run(["jobs", "list", "--db", db]).out.contains("db-prod")))
        let unknown = try await cli.run(["jobs", "pause", "nope", "--db", db])
        #expect(unknown.code != 0)
        #expect(unknown.err.contains("No job named 'nope'"))
    }

    @Test func statusExitCodesFollowTheFleet() async throws {
        let db = cli.path("exit.sqlite")
        try await cli.run(["jobs", "add", "fresh", "--every", "1d", "--db", db])
        let ok = try await cli.run(["status", "--db", db, "--oneline"])
        #expect(ok.code == 0)
        #expect(ok.out == "✔ 1\n")
        let ascii = try await cli.run(["status", "--db", db, "--oneline"], environment: ["LANG": "C"])
        #expect(ascii.out == "ok 1\n")
    }

    @Test func applyIsIdempotentAndRejectsABadFileWhole() async throws {
        let db = cli.path("apply.sqlite")
        let example = CommandLine.binary.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/jobs.toml").path
        let first = try await cli.run(["jobs", "apply", example, "--db", db])
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("+ create"))
        let second = try await cli.run(["jobs", "apply", example, "--db", db])
        #expect(second.out.hasPrefix("No changes"))

        let typo = cli.path("typo.toml")
        try """
            [jobs.new-one]
            schedule = "6h"

            [jobs.other]
            schedule = "1d"
            grase = "1h"
            """.write(toFile: typo, atomically: true, encoding: .utf8)
        let rejected = try await cli.run(["jobs", "apply", typo, "--db", db])
        #expect(rejected.code != 0)
        #expect(rejected.err.contains("\(typo):6: unknown key 'grase' in job 'other' (did you mean 'grace'?)"))
        #expect(!(try await cli.run(["jobs", "list", "--db", db]).out.contains("new-one")))

        let dry = try await cli.run(["jobs", "apply", typo.replacingOccurrences(of: "typo", with: "missing"), "--db", db])
        #expect(dry.code != 0)
        #expect(dry.err.contains("cannot read the file"))
    }
}
