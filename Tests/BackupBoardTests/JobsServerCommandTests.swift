import BoardModel
import Foundation
import TestSupport
import Testing

// `jobs … --server URL` through a real `serve` on loopback, side by side with `jobs … --db`: the same output
// and exit codes; and several `serve` instances on one PostgreSQL database taking pings for a job created
// through any of them.

/// The ping key in a line `Ping URL: http://…/heartbeat/KEY` (or `  ping URL for SLUG: …`), replaced by `KEY`.
private func withoutKeys(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        guard let range = line.range(of: "/heartbeat/") else { return String(line) }
        return String(line[..<range.upperBound]) + "KEY"
    }.joined(separator: "\n")
}

@Suite(.serialized) struct JobsServerCommandTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    @Test func everyJobsCommandPrintsAndExitsAsItsLocalForm() async throws {
        let token = "jobs-server-admin-token-0123456789"
        let served = cli.path("served.sqlite")
        let local = cli.path("local.sqlite")
        let port = try await StubHeartbeatServer.closedPort()
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let serve = try ServeProcess(
            arguments: ["--db", served, "--listen", "127.0.0.1:\(port)"], port: port, log: log,
            environment: ["BACKUPBOARD_TOKEN": token])
        defer { serve.crash() }
        try await serve.waitUntilListening()
        let server = "http://127.0.0.1:\(port)"
        let environment = ["BACKUPBOARD_TOKEN": token]

        /// Runs `arguments` with `--db local` and with `--server`, and expects the same result but for ping keys.
        @discardableResult
        func both(_ arguments: [String], _ after: [String] = []) async throws -> (local: CommandLine.Result, remote: CommandLine.Result) {
            let mine = try await cli.run(arguments + ["--db", local] + after)
            let theirs = try await cli.run(arguments + ["--server", server] + after, environment: environment)
            #expect(theirs.code == mine.code, "\(arguments): \(theirs.err) vs \(mine.err)")
            #expect(withoutKeys(theirs.out) == withoutKeys(mine.out), "\(arguments)")
            #expect(theirs.err == mine.err, "\(arguments)")
            return (mine, theirs)
        }

        let added = try await both(
            ["jobs", "add", "db-prod", "--every", "6h", "--grace", "1h", "--kind", "full", "--tag", "prod", "--as", "tester"])
        #expect(added.remote.code == 0 && added.remote.out.hasPrefix("Added db-prod (every 6h, grace 1h).\nPing URL: http://127.0.0.1:8470/heartbeat/"))
        try await both(["jobs", "add", "nightly", "--cron", "30 2 * * *", "--tz", "Europe/Berlin", "--key", "nightly-key-0123456789"])
        let duplicate = try await both(["jobs", "add", "db-prod", "--every", "6h"])
        #expect(duplicate.remote.code == 1 && duplicate.remote.err == "backupboard: A job named 'db-prod' already exists\n")
        try await both(["jobs", "add", "x", "--every", "soon"])
        let list = try await both(["jobs", "list"])
        #expect(list.remote.out.contains("cron 30 2 * * * Europe/Berlin"))

        // `url` prints the server's key, with the base `--ping-base` names.
        let url = try await both(["jobs", "url", "nightly"], ["--ping-base", "https://backups.example.com"])
        #expect(url.remote.out.hasPrefix("https://backups.example.com/heartbeat/nightly-key-0123456789\n"))
        let servedKey = try await cli.run(["jobs", "url", "db-prod", "--db", served])
        let remoteKey = try await cli.run(["jobs", "url", "db-prod", "--server", server], environment: environment)
        #expect(remoteKey.out == servedKey.out && added.remote.out.contains(servedKey.out.prefix { $0 != "\n" }))

        for change in ["pause", "resume"] { try await both(["jobs", change, "db-prod"]) }
        let unknown = try await both(["jobs", "pause", "db-prod", "nope"])
        #expect(unknown.remote.code == 1 && unknown.remote.out == "Paused db-prod.\n" && unknown.remote.err == "backupboard: No job named 'nope'\n")
        #expect(try await cli.run(["jobs", "list", "--db", served]).out.contains("paused"))

        let example = CommandLine.binary.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/jobs.toml").path
        let dry = try await both(["jobs", "apply", example, "--dry-run"])
        #expect(dry.remote.out.contains("+ create") && dry.remote.out.hasSuffix("(dry run: nothing written)\n"))
        let applied = try await both(["jobs", "apply", example, "--prune"])
        #expect(applied.remote.out.contains("- remove nightly") && applied.remote.out.contains("  ping URL for "))
        #expect(try await both(["jobs", "apply", example]).remote.out.hasPrefix("No changes"))
        let typo = cli.path("typo.toml")
        try "[jobs.a]\nschedule = \"6h\"\ngrase = \"1h\"\n".write(toFile: typo, atomically: true, encoding: .utf8)
        let refused = try await both(["jobs", "apply", typo])
        #expect(refused.remote.code != 0 && refused.remote.err.contains("typo.toml:3: unknown key 'grase'"))
        let removed = try await both(["jobs", "remove", "archive-weekly"])
        #expect(removed.remote.out == "Removed archive-weekly.\n")

        // The audit trail has the remote changes with who made them.
        let trail = try await curl(["-s", "-H", "Authorization: Bearer \(token)", "\(server)/api/v1/audit?slug=nightly"])
        #expect(trail.contains("\"action\":\"remove\"") && trail.contains("\"action\":\"create\""), "\(trail)")
        let signed = try await curl(["-s", "-H", "Authorization: Bearer \(token)", "\(server)/api/v1/audit?slug=db-prod"])
        #expect(signed.contains("\"actor\":\"tester (admin token #1)\""), "\(signed)")

        // Without a token, or with --db too, one sentence and a failure.
        let anonymous = try await cli.run(["jobs", "list", "--server", server])
        #expect(anonymous.code == 1 && anonymous.err.hasPrefix("backupboard: The server at \(server) refused to list its jobs (401)"))
        let twice = try await cli.run(["jobs", "list", "--server", server, "--db", local], environment: environment)
        #expect(twice.code != 0 && twice.err.contains("Give --db or --server, not both"))
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!logText.contains("nightly-key-0123456789") && !logText.contains(token))
    }

    @Test func aJobCreatedThroughOneInstanceTakesItsFirstPingThroughAnother() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let token = "multi-instance-admin-token-0123456789"
        let ports = [try await StubHeartbeatServer.closedPort(), try await StubHeartbeatServer.closedPort()]
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let instances = try ports.map { port in
            try ServeProcess(
                arguments: ["--db", url, "--listen", "127.0.0.1:\(port)"], port: port, log: log,
                environment: ["BACKUPBOARD_TOKEN": token])
        }
        defer { instances.forEach { $0.crash() } }
        for instance in instances { try await instance.waitUntilListening() }
        func ping(_ port: Int, _ key: String) async throws -> Int {
            try await request(["-X", "POST", "http://127.0.0.1:\(port)/heartbeat/\(key)"]).code
        }

        let created = try await cli.run(
            ["jobs", "add", "shared", "--every", "1d", "--server", "http://127.0.0.1:\(ports[0])"],
            environment: ["BACKUPBOARD_TOKEN": token])
        #expect(created.code == 0, "\(created.err)")
        let key = try #require(created.out.split(separator: "/heartbeat/").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        // The other instance has never seen the key: its first ping, sent as soon as the create is answered, is
        // taken (a key it does not know is looked up in the database), so no propagation delay exists to wait out.
        let first = try await ping(ports[1], key)
        #expect(first == 200, "the other instance refused the new job's key: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM heartbeats") == "1")

        // A key rotated through one instance stops on the other within its reload interval.
        let rotated = try await curl([
            "-s", "-X", "POST", "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(ports[0])/api/v1/jobs/shared/rotate-key",
        ])
        let newKey = try #require(
            (try JSONSerialization.jsonObject(with: Data(rotated.utf8)) as? [String: Any])?["key"] as? String)
        #expect(try await ping(ports[0], key) == 404, "the rotating instance drops the old key at once")
        #expect(try await eventually(5) { try await ping(ports[1], key) == 404 })
        #expect(try await ping(ports[1], newKey) == 200)
    }
}
