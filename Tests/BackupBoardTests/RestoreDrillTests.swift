import BoardModel
import Foundation
import TestSupport
import Testing

/// The drills of docs/restore-tests.md, copied out of the document and run unchanged with the real tools
/// (PostgreSQL and restic from Debian's packages), wrapped in `backupboard run` against a real `serve` on
/// loopback: their runs prove the jobs they test, and a broken backup's drill opens `restore_failed`.
@Suite(.serialized) struct RestoreDrillTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    /// The ```sh block of docs/restore-tests.md whose comment line names `script`.
    static func recipe(_ script: String) throws -> String {
        let text = try String(
            contentsOf: SchedulerRecipeTests.root.appendingPathComponent("docs/restore-tests.md"), encoding: .utf8)
        let blocks = text.components(separatedBy: "```sh\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        return try #require(blocks.first { $0.contains("\n# \(script): ") }, "no ```sh block for \(script) in docs/restore-tests.md")
    }

    /// libpq's variables for the server at `url` (`postgres://user@host:port/db`).
    static func libpq(_ url: String) throws -> [String: String] {
        let parts = try #require(URLComponents(string: url))
        return ["PGHOST": parts.host ?? "127.0.0.1", "PGPORT": "\(parts.port ?? 5432)", "PGUSER": parts.user ?? "postgres"]
    }

    /// The borg recipe, on a real borg repository: it extracts the latest archive and compares checksums, and
    /// fails when the source no longer matches what was backed up.
    @Test func borgDrillExtractsTheLatestArchiveAndComparesChecksums() async throws {
        try await BackupToolbox.require("borg", package: "borgbackup")
        let box = try BackupToolbox()
        defer { box.remove() }
        try #require(try await box.run(["borg", "init", "--encryption=none", box.path("repo")]).code == 0)
        let created = try await box.run(["borg", "create", box.path("repo") + "::first", box.path("data")])
        try #require(created.code == 0, "\(created.err)")
        let script = box.path("restore-drill-borg")
        try Self.recipe("restore-drill-borg").write(toFile: script, atomically: true, encoding: .utf8)
        let environment = ["BORG_REPO": box.path("repo"), "SOURCE": box.path("data")]
        let drill = try await box.run(["sh", script], environment: environment)
        #expect(drill.code == 0, "\(drill.out)\(drill.err)")
        #expect(drill.out.contains("extracted first of \(box.path("data")); checksums match"), "\(drill.out)")
        try Data("changed\n".utf8).write(to: URL(fileURLWithPath: box.path("data/a.txt")))
        let mismatch = try await box.run(["sh", script], environment: environment)
        #expect(mismatch.code != 0, "a file that differs fails the drill: \(mismatch.out)")
    }

    @Test func jobsAddTakesRestoreTestsAndRefusesBadOnes() async throws {
        let db = cli.path("jobs.sqlite")
        let proved = try await cli.run(["jobs", "add", "pg-prod", "--every", "6h", "--rto", "4h", "--require-restore-test", "--db", db])
        #expect(proved.code == 0, "\(proved.err)")
        let required = try await cli.run(["status", "--json", "--db", db])
        #expect(required.code == 1, "a required restore test that is missing counts as a warning: \(required.out)")
        #expect(required.out.contains("\"verdict\" : \"untested\""), "\(required.out)")
        let drill = try await cli.run([
            "jobs", "add", "pg-prod-restore", "--kind", "restore_test", "--tests", "pg-prod", "--every", "30d", "--grace", "2d",
            "--db", db,
        ])
        #expect(drill.code == 0, "\(drill.err)")
        for (arguments, sentence) in [
            (["x", "--kind", "restore_test", "--every", "30d"], "--kind restore_test needs --tests SLUG"),
            (["x", "--tests", "pg-prod", "--every", "30d"], "--tests is for --kind restore_test"),
            (["x", "--kind", "restore_test", "--tests", "pg-prd", "--every", "30d"], "--tests 'pg-prd': no job 'pg-prd' in"),
            (["x", "--kind", "restore_test", "--tests", "pg-prod-restore", "--every", "30d"],
             "--tests 'pg-prod-restore': 'pg-prod-restore' is a restore test, not a backup"),
            (["x", "--kind", "restore_test", "--tests", "x", "--every", "30d"], "--tests 'x': a restore test cannot prove itself"),
            (["x", "--kind", "restore-tst", "--tests", "pg-prod", "--every", "30d"], "restore-tst"),
        ] {
            let refused = try await cli.run(["jobs", "add"] + arguments + ["--db", db])
            #expect(refused.code != 0, "\(arguments)")
            #expect(refused.err.contains(sentence), "\(arguments): \(refused.err)")
            #expect(!refused.err.contains("Fatal"))
        }
        // A test that has not run yet: still untested, but not missing, so not a warning until it is due.
        let status = try await cli.run(["status", "--json", "--db", db])
        #expect(status.code == 0, "\(status.out)")
        #expect(status.out.contains("\"verdict\" : \"untested\""), "\(status.out)")
    }

    @Test func pgDumpAndResticDrillsProveTheirJobsThroughServe() async throws {
        try await BackupToolbox.require("restic", package: "restic")
        for tool in ["pg_dump", "pg_restore", "createdb", "dropdb", "psql"] {
            try await BackupToolbox.require(tool, package: "postgresql")
        }
        let db = cli.path("board.sqlite")
        let (pgKey, filesKey) = ("pg-prod-restore-key-0123456789", "files-restore-key-0123456789")
        for arguments in [
            ["pg-prod", "--every", "6h", "--rto", "1h"],
            ["pg-prod-restore", "--kind", "restore_test", "--tests", "pg-prod", "--every", "30d", "--key", pgKey],
            ["files", "--every", "1d", "--rto", "30m"],
            ["files-restore", "--kind", "restore_test", "--tests", "files", "--every", "30d", "--key", filesKey],
            ["untested", "--every", "1d", "--rto", "2h"],
        ] {
            let added = try await cli.run(["jobs", "add"] + arguments + ["--db", db])
            try #require(added.code == 0, "\(added.err)")
        }
        let port = try await StubHeartbeatServer.closedPort()
        let config = cli.path("serve.toml")
        try "listen = \"127.0.0.1:\(port)\"\n[evaluator]\ninterval = \"1s\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let serve = try ServeProcess(config: config, database: db, port: port, log: log)
        defer { serve.crash() }
        try await serve.waitUntilListening()
        let server = "http://127.0.0.1:\(port)"
        let spool = ["XDG_STATE_HOME": cli.path("state")]
        let box = try BackupToolbox()
        defer { box.remove() }

        // PostgreSQL: a database with 500 orders, dumped with pg_dump -Fc, restored by the recipe.
        let source = try PostgresTestServer.freshDatabase(prefix: "drill")
        let libpq = try Self.libpq(source)
        try PostgresTestServer.psql(source, "CREATE TABLE orders(id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 500)")
        let dump = cli.path("pg-prod.dump")
        let dumped = try await box.run(["pg_dump", "-Fc", "--dbname", source, "--file", dump])
        try #require(dumped.code == 0, "\(dumped.err)")
        let pgScript = cli.path("restore-drill-pg")
        try Self.recipe("restore-drill-pg").write(toFile: pgScript, atomically: true, encoding: .utf8)
        let pgEnvironment = libpq.merging(spool) { $1 }.merging(["DUMP": dump, "MIN_ROWS": "500"]) { $1 }
        let pgDrill = try await cli.run(
            ["run", "--key", pgKey, "--server", server, "--", "sh", pgScript], environment: pgEnvironment)
        #expect(pgDrill.code == 0, "\(pgDrill.out)\(pgDrill.err)")
        #expect(pgDrill.out.contains("SELECT count(*) FROM orders -> 500"), "\(pgDrill.out)")
        let leftovers = try PostgresTestServer.psql(source, "SELECT count(*) FROM pg_database WHERE datname LIKE 'restore_drill_%'")
        #expect(leftovers == "0", "the drill drops its scratch database")

        // restic: the data folder backed up, restored by the recipe into a temporary folder, checksums compared.
        try #require(try await box.run(["restic", "init", "-r", box.path("repo")]).code == 0)
        let backup = try await box.run(["restic", "-r", box.path("repo"), "backup", box.path("data")])
        try #require(backup.code == 0, "\(backup.err)")
        let resticScript = cli.path("restore-drill-restic")
        try Self.recipe("restore-drill-restic").write(toFile: resticScript, atomically: true, encoding: .utf8)
        let resticEnvironment = box.environment.merging(spool) { $1 }
            .merging(["RESTIC_REPOSITORY": box.path("repo"), "SOURCE": box.path("data")]) { $1 }
        let resticDrill = try await cli.run(
            ["run", "--key", filesKey, "--server", server, "--", "sh", resticScript], environment: resticEnvironment)
        #expect(resticDrill.code == 0, "\(resticDrill.out)\(resticDrill.err)")
        #expect(resticDrill.out.contains("restored 3 files of \(box.path("data"))"), "\(resticDrill.out)")

        // Both jobs are proved, with their measured restore times; the third is untested and raises nothing.
        let status = try await cli.run(["status", "--json", "--db", db])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any], "\(status.out)")
        let jobs = try #require(document["jobs"] as? [[String: Any]])
        func entry(_ slug: String) -> [String: Any]? {
            jobs.first { ($0["slug"] as? String) == slug }
        }
        func restore(_ slug: String) -> [String: Any]? {
            entry(slug)?["restore"] as? [String: Any]
        }
        for (slug, test) in [("pg-prod", "pg-prod-restore"), ("files", "files-restore")] {
            let state = try #require(restore(slug), "\(slug) has no restore object: \(status.out)")
            #expect(state["verdict"] as? String == "proved", "\(slug): \(state)")
            #expect(state["last_test"] as? String == test)
            #expect(state["last_test_outcome"] as? String == "completed")
            #expect(((state["restore_duration_s"] as? Double) ?? 0) > 0, "\(slug): \(state)")
        }
        #expect(restore("untested")?["verdict"] as? String == "untested")
        #expect(entry("pg-prod-restore")?["restore"] is NSNull)

        // A dump that no longer restores: the drill fails, and the proved job carries `restore_failed`.
        try Data("not a dump".utf8).write(to: URL(fileURLWithPath: dump))
        let broken = try await cli.run(
            ["run", "--key", pgKey, "--server", server, "--", "sh", pgScript], environment: pgEnvironment)
        #expect(broken.code != 0)
        let alerted = try await eventually {
            let alerts = try await curl(["\(server)/api/v1/alerts"])
            return alerts.contains("\"restore_failed\"") && alerts.contains("\"pg-prod\"")
        }
        let serveLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let alerts = try await curl(["\(server)/api/v1/alerts"])
        #expect(alerted, "no restore_failed alert: \(alerts) \(serveLog)")
        #expect(!alerts.contains("\"kind\":\"failed\""), "the restore test itself raises no failed: \(alerts)")
        #expect(!alerts.contains("untested"), "an untested job raises nothing: \(alerts)")
    }
}
