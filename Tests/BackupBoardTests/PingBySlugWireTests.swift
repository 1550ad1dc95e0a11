import BoardModel
import Foundation
import TestSupport
import Testing

// Pings by slug through the real binary on loopback (docs/api.md): curl, the healthchecks-io Python client
// unchanged, and two `serve` instances on one PostgreSQL database given the same new slug at once.

/// A config with the server ping key `fleet` (read from the file `key`, which it writes) and `[auto_create]`.
private func slugConfig(_ cli: CommandLine, port: Int, maxCreates: Int = 20, db: String? = nil) throws -> String {
    let keyFile = cli.path("fleet.key")
    try "\(fleetKey)\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
    let config = cli.path("serve-\(port).toml")
    try """
        listen = "127.0.0.1:\(port)"
        \(db.map { "db = \"\($0)\"" } ?? "")
        [ping_keys.fleet]
        key_file = "\(keyFile)"
        tags = ["fleet"]
        max_creates_per_hour = \(maxCreates)

        [auto_create]
        schedule = "1d"
        grace = "2h"
        """.write(toFile: config, atomically: true, encoding: .utf8)
    return config
}

/// One value from the SQLite database (the sqlite3 shell, a README prerequisite).
private func sqlite(_ database: String, _ sql: String) async throws -> String {
    let result = try await runToEnd(["sqlite3", database, sql])
    guard result.code == 0 else { throw BoardError.invalidValue("sqlite3 failed on \(sql): \(result.output)") }
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The status, headers (lower-cased names) and body of one request.
private func exchange(_ arguments: [String]) async throws -> (code: Int, headers: String, body: String) {
    let output = try await curl(["-i"] + arguments)
    let parts = output.components(separatedBy: "\r\n\r\n")
    let head = parts.first ?? ""
    let code = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
    return (code, head.lowercased(), parts.dropFirst().joined(separator: "\r\n\r\n"))
}

@Suite(.serialized) struct PingBySlugWireTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    @Test func theWireAnswersPingsBySlugWithTheirHeadersAndLimit() async throws {
        let database = cli.path("board.sqlite")
        #expect(try await cli.run(["jobs", "add", "pg", "--every", "1d", "--key", "pg-job-key-0123456789abcd", "--db", database]).code == 0)
        let port = try await StubHeartbeatServer.closedPort()
        let config = try slugConfig(cli, port: port, maxCreates: 1)
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let serve = try ServeProcess(config: config, database: database, port: port, log: log)
        defer { serve.crash() }
        try await serve.waitUntilListening()
        let base = "http://127.0.0.1:\(port)"

        let created = try await exchange(["-X", "POST", "-d", "backup done", "\(base)/ping/\(fleetKey)/web-01?create=1"])
        #expect(created.code == 201, "\(created)")
        #expect(created.body == "Created\n")
        #expect(created.headers.contains("access-control-allow-origin: *"))
        #expect(created.headers.contains("ping-body-limit: 102400"))
        let again = try await exchange(["\(base)/heartbeat/\(fleetKey)/web-01/start"])
        #expect(again.code == 200)
        #expect(again.body == "OK\n")
        #expect(again.headers.contains("access-control-allow-origin: *"))
        let head = try await exchange(["-I", "\(base)/ping/\(fleetKey)/web-01/0"])
        #expect(head.code == 200)
        let byKey = try await exchange(["\(base)/ping/pg-job-key-0123456789abcd"])
        #expect(byKey.code == 200)
        #expect(byKey.headers.contains("access-control-allow-origin: *"))

        let unknown = try await exchange(["\(base)/ping/\(fleetKey)/web-09"])
        #expect(unknown.code == 404)
        #expect(unknown.body.contains("not found"))
        #expect(unknown.headers.contains("access-control-allow-origin: *"))
        let limited = try await exchange(["\(base)/ping/\(fleetKey)/web-02?create=1"])
        #expect(limited.code == 429)
        #expect(limited.body.contains("rate limited"))

        #expect(try await sqlite(database, "SELECT count(*) FROM heartbeats h JOIN jobs j ON j.id = h.job_id WHERE j.slug = 'web-01'") == "3")
        #expect(try await sqlite(database, "SELECT tags FROM jobs WHERE slug = 'web-01'").contains("fleet"))
        #expect(try await sqlite(database, "SELECT count(*) FROM jobs WHERE slug = 'web-02'") == "0")
        let alerts = try await cli.run(["alerts", "--all", "--db", database])
        #expect(alerts.out.contains("auto_create_limit"), "\(alerts.out)\(alerts.err)")
        let logged = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(logged.contains("job web-01 created by ping key fleet"))
        #expect(!logged.contains(fleetKey))
        let unknownKeys = try await eventually { try await sqlite(database, "SELECT key_prefix FROM unknown_keys").contains("fleet/web-09") }
        #expect(unknownKeys)
    }

    @Test func serveRefusesToStartWhenAServerPingKeyIsAJobsKey() async throws {
        let database = cli.path("board.sqlite")
        #expect(try await cli.run(["jobs", "add", "pg", "--every", "1d", "--key", fleetKey, "--db", database]).code == 0)
        let config = try slugConfig(cli, port: try await StubHeartbeatServer.closedPort())
        let serve = try await cli.run(["serve", "--config", config, "--db", database])
        #expect(serve.code == 1)
        #expect(serve.err.contains("backupboard: the server ping key ping_keys.fleet is also the ping key of job 'pg'"), "\(serve.err)")
        #expect(!serve.err.contains(fleetKey))
    }

    @Test func theHealthchecksClientWorksUnchangedByKeyAndBySlug() async throws {
        let python = try await pythonEnvironment(
            "healthchecks-io-0.4.4", requirements: ["healthchecks-io==0.4.4"], probe: "import healthchecks_io, httpx",
            purpose: "The healthchecks-io client test")
        let database = cli.path("board.sqlite")
        let jobKey = "db-prod-job-key-0123456789"
        #expect(try await cli.run(["jobs", "add", "db-prod", "--every", "1d", "--key", jobKey, "--db", database]).code == 0)
        let port = try await StubHeartbeatServer.closedPort()
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let serve = try ServeProcess(config: try slugConfig(cli, port: port), database: database, port: port, log: log)
        defer { serve.crash() }
        try await serve.waitUntilListening()

        let driven = try await runToEnd(
            [python, packageRoot.appendingPathComponent("Tests/Fixtures/healthchecks/drive_client.py").path,
             "http://127.0.0.1:\(port)", jobKey, fleetKey],
            environment: ["NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"])
        #expect(driven.code == 0, "\(driven.output)\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(driven.output.contains("every step answered as expected"))

        func count(_ slug: String, _ condition: String = "1") async throws -> String {
            try await sqlite(database, "SELECT count(*) FROM heartbeats h JOIN jobs j ON j.id = h.job_id WHERE j.slug = '\(slug)' AND \(condition)")
        }
        for slug in ["db-prod", "web-01"] {
            #expect(try await count(slug) == "5")
            #expect(try await count(slug, "h.status = 'started'") == "1")
            #expect(try await count(slug, "h.status = 'log'") == "1")
            #expect(try await count(slug, "h.status = 'completed'") == (slug == "db-prod" ? "1" : "2"))
            #expect(try await count(slug, "h.status = 'failed'") == (slug == "db-prod" ? "2" : "1"))
            // The start, the log line and the success share the client's run id: one completed run.
            #expect(try await sqlite(
                database, "SELECT count(*) FROM runs r JOIN jobs j ON j.id = r.job_id WHERE j.slug = '\(slug)' AND r.started_at IS NOT NULL AND r.outcome = 'completed'") == "1")
        }
        #expect(try await sqlite(database, "SELECT actor FROM job_audit WHERE slug = 'web-01'") == "ping key fleet")
        #expect(try await sqlite(database, "SELECT count(*) FROM jobs WHERE slug = 'web-02'") == "0")
    }

    @Test func twoInstancesOnPostgreSQLGivenOneNewSlugAtOnceCreateOneJob() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let ports = [try await StubHeartbeatServer.closedPort(), try await StubHeartbeatServer.closedPort()]
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let instances = try ports.map { port in
            try ServeProcess(arguments: ["--config", try slugConfig(cli, port: port, db: url)], port: port, log: log)
        }
        defer { instances.forEach { $0.crash() } }
        for instance in instances { try await instance.waitUntilListening() }

        let codes = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<12 {
                let port = ports[index % 2]
                group.addTask {
                    try await request(["-X", "POST", "http://127.0.0.1:\(port)/ping/\(fleetKey)/db-07?create=1"]).code
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(codes.filter { $0 == 201 }.count == 1, "\(codes)")
        #expect(codes.filter { $0 == 200 }.count == 11, "\(codes)")
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM jobs WHERE slug = 'db-07'") == "1")
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM job_audit WHERE slug = 'db-07'") == "1")
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM heartbeats") == "12")
        // A job added elsewhere (here by the command line) is found by slug on each instance within its 2 s reload.
        #expect(try await cli.run(["jobs", "add", "db-08", "--every", "1d", "--db", url]).code == 0)
        for port in ports {
            let found = try await eventually(10) {
                try await request(["http://127.0.0.1:\(port)/ping/\(fleetKey)/db-08"]).code == 200
            }
            #expect(found, "db-08 not found by slug on port \(port)")
        }
    }
}
