import BoardModel
import Foundation
import TestSupport
import Testing

// The real binary on a real PostgreSQL database (docs/postgresql.md): two `serve` instances sharing it,
// heartbeats over HTTP on loopback through either, and every command that reads or writes the database.

@Suite(.serialized) struct PostgresEndToEndTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    @Test func twoServeInstancesShareOneDatabaseAndEveryCommandWorksOnIt() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let key = "pg-e2e-key-0123456789abcdef"
        let add = try await cli.run(["jobs", "add", "nightly", "--every", "1d", "--key", key, "--db", url])
        #expect(add.code == 0, "\(add.err)")

        // One instance from a config file whose `db` is the URL, one from --db; each ticks every second.
        let ports = [try await StubHeartbeatServer.closedPort(), try await StubHeartbeatServer.closedPort()]
        let config = cli.path("serve.toml")
        try "listen = \"127.0.0.1:\(ports[0])\"\ndb = \"\(url)\"\n[evaluator]\ninterval = \"1s\"\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        var instances = [
            try ServeProcess(arguments: ["--config", config], port: ports[0], log: log),
            try ServeProcess(arguments: ["--db", url, "--listen", "127.0.0.1:\(ports[1])"], port: ports[1], log: log),
        ]
        defer { instances.forEach { $0.crash() } }
        for instance in instances { try await instance.waitUntilListening() }

        func post(_ port: Int, _ path: String, id: String) async throws -> Int {
            try await request(["-X", "POST", "-H", "Heartbeat-Id: \(id)", "http://127.0.0.1:\(port)/heartbeat/\(key)\(path)"]).code
        }
        // A run started through one instance, completed through the other; the completion's retry reaches both.
        #expect(try await post(ports[0], "/start?rid=r1", id: "hb-start") == 200)
        #expect(try await post(ports[1], "?rid=r1", id: "hb-done") == 200)
        #expect(try await post(ports[0], "?rid=r1", id: "hb-done") == 200)
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM heartbeats") == "2")
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) || ' ' || min(outcome) FROM runs") == "1 completed")

        // A failure opens an alert, whichever instance's evaluator sees it first; it is acknowledged by the CLI.
        #expect(try await post(ports[1], "/fail?rid=r2", id: "hb-fail") == 200)
        let opened = try await eventually {
            try PostgresTestServer.psql(url, "SELECT count(*) FROM alerts WHERE resolved_at IS NULL AND kind = 'failed'") == "1"
        }
        #expect(opened, "no alert opened: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        // Both instances' boards name the one instance leading the evaluator (by default HOST:PORT).
        var leaders: [String?] = []
        for port in ports {
            let board = try await request(["http://127.0.0.1:\(port)/api/v1/board?format=2"])
            let document = try JSONSerialization.jsonObject(with: Data(board.body.utf8)) as? [String: Any]
            leaders.append(document?["evaluator_leader"] as? String)
        }
        #expect(leaders[0] == leaders[1] && ports.map { "\(ProcessInfo.processInfo.hostName):\($0)" }.contains(leaders[0] ?? ""), "\(leaders)")
        for instance in instances { instance.crash() }
        instances = []

        let alerts = try await cli.run(["alerts", "--db", url])
        #expect(alerts.code == 0, "\(alerts.err)")
        #expect(alerts.out.contains("nightly"))
        let alertID = try PostgresTestServer.psql(url, "SELECT id FROM alerts WHERE kind = 'failed'")
        let ack = try await cli.run(["ack", "--db", url, alertID, "--as", "alice"])
        #expect(ack.code == 0, "\(ack.err)")
        #expect(try PostgresTestServer.psql(url, "SELECT acknowledged_by FROM alerts WHERE id = \(alertID)") == "alice")

        let mute = try await cli.run(["mute", "--db", url, "--job", "nightly", "--for", "4h", "--reason", "disk swap"])
        #expect(mute.code == 0, "\(mute.err)")
        let status = try await cli.run(["status", "--db", url, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["slug"] as? String } == ["nightly"])
        #expect(jobs.first?["muted"] as? Bool == true)
        let unmute = try await cli.run(["unmute", "--db", url, "--job", "nightly"])
        #expect(unmute.code == 0, "\(unmute.err)")

        let list = try await cli.run(["jobs", "list", "--db", url])
        #expect(list.out.contains("nightly"))
        let report = try await cli.run(["report", "--db", url])
        #expect(report.code == 0, "\(report.err)")
        #expect(report.out.contains("nightly"))
        let prune = try await cli.run(["prune", "--db", url])
        #expect(prune.code == 0, "\(prune.err)")
        #expect(prune.out.contains("Deleted 0 runs"))
    }

    @Test func theDemoWritesIntoAnEmptyDatabaseOnly() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let demo = try await cli.run(["demo", "--db", url, "--seed", "1"])
        #expect(demo.code == 0, "\(demo.err)")
        #expect(demo.out.contains("Wrote the demo database \(url): 28 jobs"))
        let status = try await cli.run(["status", "--db", url, "--json"])
        #expect(status.code == 2, "\(status.err)") // failed jobs in the demo fleet
        let again = try await cli.run(["demo", "--db", url, "--seed", "1"])
        #expect(again.code != 0)
        #expect(again.err.contains("already holds jobs"))
    }

    /// `db copy` moves a SQLite installation (the demo's 28 jobs and their history) into PostgreSQL, after
    /// which `status` reads the same fleet from both; a target that holds data is replaced only with --force.
    @Test func dbCopyMovesASQLiteInstallationAndStatusAgrees() async throws {
        let file = cli.path("board.sqlite")
        let demo = try await cli.run(["demo", "--db", file, "--seed", "3"])
        #expect(demo.code == 0, "\(demo.err)")
        // Two changes to a job leave two rows of audit trail, which the copy carries.
        for change in ["pause", "resume"] {
            #expect(try await cli.run(["jobs", change, "nas-photos", "--db", file, "--as", "ann"]).code == 0)
        }
        let url = try PostgresTestServer.freshDatabase()
        let copy = try await cli.run(["db", "copy", "--from", file, "--to", url])
        #expect(copy.code == 0, "\(copy.err)")
        #expect(copy.out.hasPrefix("Copied \(file) to \(url): jobs 28, job_state 28, runs "), "\(copy.out)")
        for table in ["jobs", "runs", "heartbeats", "alerts", "mutes", "outbox", "job_audit"] {
            let sqlite = try await offThePool { try sqliteCount(file, table) }
            #expect(try PostgresTestServer.psql(url, "SELECT COUNT(*) FROM \(table)") == sqlite, "\(table)")
            #expect(copy.out.contains(" \(table) \(Int(sqlite)!.formatted(.number.grouping(.automatic)))"), "\(table)")
        }
        func fleet(_ database: String) async throws -> [String] {
            let status = try await cli.run(["status", "--db", database, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
            let jobs = try #require(object["jobs"] as? [[String: Any]])
            return jobs.map { "\($0["slug"] ?? "") \($0["state"] ?? "") \($0["last_size_bytes"] ?? "") \($0["last_run_at"] ?? "")" }
        }
        #expect(try await fleet(file) == fleet(url))
        // A ping key still finds its job, and new rows take ids after the copied ones.
        let key = try PostgresTestServer.psql(url, "SELECT ping_key FROM jobs ORDER BY slug LIMIT 1")
        let urlOfKey = try await cli.run(["jobs", "url", "--db", url, try PostgresTestServer.psql(url, "SELECT slug FROM jobs ORDER BY slug LIMIT 1")])
        #expect(urlOfKey.out.contains(key))
        let add = try await cli.run(["jobs", "add", "after-copy", "--every", "1d", "--db", url])
        #expect(add.code == 0, "\(add.err)")
        #expect(try PostgresTestServer.psql(url, "SELECT string_agg(id || ' ' || slug || ' ' || actor, ', ' ORDER BY id) FROM job_audit")
            .hasPrefix("1 nas-photos ann, 2 nas-photos ann, 3 after-copy "))

        let again = try await cli.run(["db", "copy", "--from", file, "--to", url])
        #expect(again.code != 0)
        #expect(again.err.contains("already holds data") && again.err.contains("--force"))
        let forced = try await cli.run(["db", "copy", "--from", file, "--to", url, "--force"])
        #expect(forced.code == 0, "\(forced.err)")
        #expect(try PostgresTestServer.psql(url, "SELECT COUNT(*) FROM jobs") == "28")
    }

    @Test func aPasswordInTheURLIsRefusedByEveryCommandWithoutShowingIt() async throws {
        let url = "postgres://board:hunter2@127.0.0.1:9/backups"
        for arguments in [["status"], ["alerts"], ["jobs", "list"], ["serve", "--listen", "127.0.0.1:9"]] {
            let result = try await cli.run(arguments + ["--db", url])
            #expect(result.code != 0)
            #expect(result.err.hasPrefix("backupboard: The database URL postgres://board:***@127.0.0.1:9/backups contains a password"), "\(arguments): \(result.err)")
            #expect(!result.err.contains("hunter2"))
        }
        let mode = try await cli.run(["status", "--db", "postgres://board@127.0.0.1:9/backups?sslmode=prefer"])
        #expect(mode.err.contains("sslmode=prefer; backupboard takes disable (the default), require or verify-full"))
    }
}

/// Servers set up unlike the shared test server, each a cluster of its own: TLS (`sslmode`) and `fsync=off`.
@Suite(.serialized) struct PostgresServerSettingsTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    @Test func sslmodeRequireAndVerifyFullUseTLSAndSayWhyAConnectionFails() async throws {
        let cluster = try PostgresTestServer.PrivateCluster(["--tls"])
        defer { cluster.stop() }
        let ca = cluster.folder + "/ca.crt"
        let checked = cluster.url + "?sslmode=verify-full&sslrootcert=" + ca

        let add = try await cli.run(["jobs", "add", "nightly", "--every", "1d", "--db", cluster.url + "?sslmode=require"])
        #expect(add.code == 0, "\(add.err)")
        let status = try await cli.run(["status", "--db", checked])
        #expect(status.code == 0 && status.out.contains("nightly"), "\(status.err)")
        // The server took those connections over TLS: it refuses any other (its pg_hba.conf).
        #expect(try PostgresTestServer.psql(cluster.url + "?sslmode=require", "SELECT COUNT(*) > 0 FROM pg_stat_ssl WHERE ssl") == "t")

        let plain = try await cli.run(["status", "--db", cluster.url])
        #expect(plain.code != 0)
        #expect(plain.err.contains("pg_hba.conf rejects connection") && plain.err.contains("no encryption"), "\(plain.err)")
        let wrongCA = try await cli.run(["status", "--db", cluster.url + "?sslmode=verify-full&sslrootcert=" + cluster.folder + "/server.crt"])
        #expect(wrongCA.err.contains("the server's TLS certificate is not signed by the CA in sslrootcert"), "\(wrongCA.err)")
        let missing = try await cli.run(["status", "--db", cluster.url + "?sslmode=verify-full&sslrootcert=" + cluster.folder + "/none.crt"])
        #expect(missing.err.contains("sslrootcert=\(cluster.folder)/none.crt is no file"), "\(missing.err)")
    }

    @Test func aServerWithFsyncOffIsRefusedByServeAndEveryCommand() async throws {
        let cluster = try PostgresTestServer.PrivateCluster(["--fsync-off"])
        defer { cluster.stop() }
        for arguments in [["status"], ["jobs", "list"], ["serve", "--listen", "127.0.0.1:9"]] {
            let result = try await cli.run(arguments + ["--db", cluster.url])
            #expect(result.code != 0)
            #expect(result.err.contains("the server runs with fsync=off, so a crash can lose heartbeats already answered as stored; set fsync=on"),
                    "\(arguments): \(result.err)")
        }
    }
}

/// `SELECT COUNT(*) FROM table` in the SQLite file, by the sqlite3 tool.
private func sqliteCount(_ file: String, _ table: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", file, "SELECT COUNT(*) FROM \(table)"]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
