@testable import BoardServe
import BoardModel
import BoardSQLite
import Foundation
import Testing

// Pings by slug with a server ping key (docs/api.md): the URL forms, the config's [ping_keys] and [auto_create],
// and ingest without a socket on an in-memory store — found by slug, unknown slugs, ?create=1, its hourly limit.

let fleetKey = "fleet-server-key-0123456789ab"

private let fleetConfig = """
    [ping_keys.fleet]
    key_env = "FLEET_KEY"
    tags = ["fleet"]
    max_creates_per_hour = 3

    [auto_create]
    schedule = "1d"
    grace = "2h"
    tags = ["auto"]
    """

/// An in-memory store with the job `pg` (key `db_backup_abc123`) and a server configured by `config`.
private struct SlugFixture {
    let store: BoardStore
    let server: BoardServer

    init(config: String = fleetConfig) async throws {
        store = try BoardStore.inMemory()
        _ = try await store.insert(
            Job(slug: "pg", pingKey: "db_backup_abc123", schedule: .interval(86_400), createdAt: serveEpoch.addingTimeInterval(-3_600)))
        let configuration = try ServeConfiguration.parse(config, path: "serve.toml", environment: ["FLEET_KEY": fleetKey])
        server = try await BoardServer(configuration: configuration, store: store, logger: quietLogger)
    }

    func send(_ path: String, query: String = "", body: String = "", at date: Date = serveEpoch) async throws -> IngestReply {
        var delivery = PingDelivery(
            method: "POST", path: try #require(IngestPath(path: path)), query: QueryString.parse(query), userAgent: "curl/8.5.0",
            source: "127.0.0.1")
        _ = delivery.body.append(Array(body.utf8))
        return await server.ingest.handle(delivery, receivedAt: date)
    }

    func heartbeats(_ slug: String) async throws -> [Heartbeat] {
        guard let id = try await store.job(slug: slug)?.id else { return [] }
        return try await store.heartbeats(ofJob: id)
    }

    func unknownKeys() async throws -> [String] {
        await server.unknownKeys.flush()
        return try await store.unknownKeys().map(\.keyPrefix)
    }
}

@Suite struct PingBySlugTests {
    @Test func pathsReadASlugBetweenTheKeyAndTheSuffix() {
        #expect(IngestPath(path: "/ping/K/web-01") == IngestPath(key: "K", slug: "web-01"))
        #expect(IngestPath(path: "/heartbeat/K/web-01/start") == IngestPath(key: "K", slug: "web-01", suffix: "start"))
        #expect(IngestPath(path: "/ping/K/web-01/FAIL") == IngestPath(key: "K", slug: "web-01", suffix: "fail"))
        #expect(IngestPath(path: "/ping/K/web-01/log") == IngestPath(key: "K", slug: "web-01", suffix: "log"))
        #expect(IngestPath(path: "/ping/K/web-01/0") == IngestPath(key: "K", slug: "web-01", suffix: "0"))
        // A suffix word or digits in the third place is always a suffix: those slugs cannot be pinged by slug.
        #expect(IngestPath(path: "/ping/K/start") == IngestPath(key: "K", suffix: "start"))
        #expect(IngestPath(path: "/ping/K/255") == IngestPath(key: "K", suffix: "255"))
        #expect(IngestPath(path: "/ping/K/256") == nil)
        #expect(IngestPath(path: "/ping/K/2024") == nil)
        #expect(IngestPath(path: "/ping/K/start/fail") == nil)
        #expect(IngestPath(path: "/ping/K/web-01/other") == nil)
        #expect(IngestPath(path: "/ping/K/web-01/start/x") == nil)
    }

    @Test func aPingBySlugReachesTheJobWithEverySuffixBodyAndQuery() async throws {
        let fixture = try await SlugFixture()
        #expect(try await fixture.send("/ping/\(fleetKey)/pg/start", query: "rid=6c0f4b8e-1d2a-4a47-9a59-0e5f2d7b1c33") == .stored)
        #expect(try await fixture.send(
            "/heartbeat/\(fleetKey)/pg", query: "rid=6c0f4b8e-1d2a-4a47-9a59-0e5f2d7b1c33", body: #"{"size":"45.2GB"}"#,
            at: serveEpoch.addingTimeInterval(60)) == .stored)
        #expect(try await fixture.send("/ping/\(fleetKey)/pg/log", body: "pass 2 of 3", at: serveEpoch.addingTimeInterval(90)) == .stored)
        #expect(try await fixture.send("/ping/\(fleetKey)/pg/2", body: "pg_dump: error", at: serveEpoch.addingTimeInterval(120)) == .stored)
        #expect(try await fixture.send("/ping/\(fleetKey)/pg/fail", at: serveEpoch.addingTimeInterval(150)) == .stored)
        #expect(try await fixture.send("/ping/\(fleetKey)/pg", query: "status=down&msg=disk%20full", at: serveEpoch.addingTimeInterval(180)) == .stored)
        let stored = try await fixture.heartbeats("pg")
        #expect(stored.count == 6)
        #expect(stored.map(\.report.status) == [.failed, .failed, .failed, .log, .completed, .started])
        #expect(stored.last?.report.runID == "6c0f4b8e-1d2a-4a47-9a59-0e5f2d7b1c33")
        #expect(stored[4].report.size?.value == 45_200_000_000)
        #expect(stored.first?.report.message == "disk full")
        let runs = try await fixture.store.runs(ofJob: try #require(try await fixture.store.job(slug: "pg")?.id))
        #expect(runs.last?.outcome == .completed)
    }

    @Test func anUnknownSlugIs404AndListedLikeAnUnknownKey() async throws {
        let fixture = try await SlugFixture()
        let reply = try await fixture.send("/ping/\(fleetKey)/web-01")
        #expect(reply.status == 404)
        #expect(reply.body.contains("not found"))
        #expect(try await fixture.store.job(slug: "web-01") == nil)
        // A key that is neither a server's nor a job's: 404, listed by its first characters.
        #expect(try await fixture.send("/ping/not-a-server-key-at-all/web-01").status == 404)
        #expect(Set(try await fixture.unknownKeys()) == ["fleet/web-01", "not-a-"])
    }

    @Test func createMakesTheJobFromAutoCreateOnceAndPingsIt() async throws {
        let fixture = try await SlugFixture()
        let reply = try await fixture.send("/ping/\(fleetKey)/web-01/start", query: "create=1&rid=r1")
        #expect(reply == .created)
        #expect(reply.body == "Created\n")
        let job = try #require(try await fixture.store.job(slug: "web-01"))
        #expect(job.schedule == .interval(86_400))
        #expect(job.grace == 7_200)
        #expect(job.tags == ["auto", "fleet"])
        #expect(job.name == "web-01")
        #expect(job.pingKey.count == 24)
        let trail = try await fixture.store.auditTrail(slug: "web-01", limit: 5)
        #expect(trail.map(\.actor) == ["ping key fleet"])
        // The job exists now: create=1 changes nothing, and is not kept as a field of the heartbeat.
        #expect(try await fixture.send("/ping/\(fleetKey)/web-01", query: "create=1&rid=r1", at: serveEpoch.addingTimeInterval(30)) == .stored)
        let stored = try await fixture.heartbeats("web-01")
        #expect(stored.map(\.report.status) == [.completed, .started])
        #expect(stored.allSatisfy { $0.report.fields["create"] == nil })
        #expect(try await fixture.store.jobs().count == 2)
    }

    @Test func createIsLimitedPerKeyAndHourWithOneAlert() async throws {
        let fixture = try await SlugFixture()
        for host in ["web-1", "web-2", "web-3"] {
            #expect(try await fixture.send("/ping/\(fleetKey)/\(host)", query: "create=1") == .created)
        }
        let refused = try await fixture.send("/ping/\(fleetKey)/web-4", query: "create=1", at: serveEpoch.addingTimeInterval(60))
        #expect(refused.status == 429)
        #expect(refused.body.contains("rate limited"))
        #expect(refused.body.contains("max_creates_per_hour"))
        #expect(try await fixture.send("/ping/\(fleetKey)/web-5", query: "create=1", at: serveEpoch.addingTimeInterval(90)).status == 429)
        #expect(try await fixture.store.job(slug: "web-4") == nil)
        // Jobs that exist still take pings by slug.
        #expect(try await fixture.send("/ping/\(fleetKey)/web-2", query: "create=1", at: serveEpoch.addingTimeInterval(95)) == .stored)
        let alerts = try await fixture.store.recentAlerts(limit: 10).filter { $0.kind == .autoCreateLimit }
        #expect(alerts.count == 1)
        #expect(alerts.first?.message.contains("ping key fleet") == true)
        #expect(alerts.first?.resolvedAt != nil)
        // An hour later the oldest creates have left the period.
        #expect(try await fixture.send("/ping/\(fleetKey)/web-4", query: "create=1", at: serveEpoch.addingTimeInterval(3_601)) == .created)
    }

    @Test func createIsRefusedWithoutAutoCreateAndForAnInvalidSlug() async throws {
        let withoutTable = try await SlugFixture(config: "[ping_keys.fleet]\nkey_env = \"FLEET_KEY\"\n")
        let refused = try await withoutTable.send("/ping/\(fleetKey)/web-01", query: "create=1")
        #expect(refused.status == 400)
        #expect(refused.body.contains("[auto_create]"))
        #expect(try await withoutTable.store.job(slug: "web-01") == nil)

        let fixture = try await SlugFixture()
        let invalid = try await fixture.send("/ping/\(fleetKey)/Web_01", query: "create=1")
        #expect(invalid.status == 400)
        #expect(invalid.body.contains("lowercase"))
        #expect(try await fixture.send("/ping/\(fleetKey)/Web_01").status == 404)
    }

    @Test func aJobsKeyIsMatchedFirstAndAServerKeyAloneIsNotAJob() async throws {
        let fixture = try await SlugFixture()
        let slugAfterJobKey = try await fixture.send("/ping/db_backup_abc123/pg")
        #expect(slugAfterJobKey.status == 404)
        #expect(slugAfterJobKey.body.contains("job's ping key"))
        #expect(try await fixture.send("/ping/db_backup_abc123/start") == .stored)
        #expect(try await fixture.send("/ping/\(fleetKey)") == .unknownKey)
        #expect(try await fixture.send("/ping/\(fleetKey)/start") == .unknownKey)
        // The server key's first characters are never listed.
        #expect(try await fixture.unknownKeys().isEmpty)
    }

    @Test func concurrentCreatesOfOneSlugMakeOneJob() async throws {
        let fixture = try await SlugFixture()
        let replies = try await withThrowingTaskGroup(of: IngestReply.self) { group in
            for _ in 0..<16 {
                group.addTask { try await fixture.send("/ping/\(fleetKey)/db-07", query: "create=1") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.filter { $0 == .created }.count == 1)
        #expect(replies.filter { $0 == .stored }.count == 15)
        #expect(try await fixture.store.jobs().map(\.slug) == ["db-07", "pg"])
        #expect(try await fixture.heartbeats("db-07").count == 16)
    }

    @Test func serveRefusesAServerKeyThatIsAlsoAJobsKey() async throws {
        let store = try BoardStore.inMemory()
        _ = try await store.insert(Job(slug: "pg", pingKey: fleetKey, schedule: .interval(86_400), createdAt: serveEpoch))
        let configuration = try ServeConfiguration.parse(fleetConfig, path: "serve.toml", environment: ["FLEET_KEY": fleetKey])
        do {
            _ = try await BoardServer(configuration: configuration, store: store, logger: quietLogger)
            Issue.record("serve started with a server ping key equal to a job's key")
        } catch {
            #expect("\(error)".contains("ping_keys.fleet is also the ping key of job 'pg'"))
            #expect(!"\(error)".contains(fleetKey))
        }
    }
}

@Suite struct PingKeyConfigTests {
    private func problems(_ text: String, environment: [String: String] = ["FLEET_KEY": fleetKey]) -> String {
        do {
            _ = try ServeConfiguration.parse(text, path: "serve.toml", environment: environment)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func keysComeFromTheEnvironmentOrAFileAndAreNeverShown() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lab-key-\(UUID().uuidString)")
        try "lab-server-key-abcdefghijklmnop\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try ServeConfiguration.parse(
            fleetConfig + "\n[ping_keys.lab]\nkey_file = \"\(file.path)\"\n", path: "serve.toml", environment: ["FLEET_KEY": fleetKey])
        #expect(configuration.pingKeys.map(\.name).sorted() == ["fleet", "lab"])
        let lab = try #require(configuration.pingKeys.first { $0.name == "lab" })
        #expect(lab.key == "lab-server-key-abcdefghijklmnop")
        #expect(lab.maxCreatesPerHour == 20)
        #expect(lab.tags.isEmpty)
        let fleet = try #require(configuration.pingKeys.first { $0.name == "fleet" })
        #expect(fleet.tags == ["fleet"])
        #expect(fleet.maxCreatesPerHour == 3)
        #expect(configuration.autoCreate != nil)
        #expect(!configuration.description.contains(fleetKey))
        #expect(!configuration.description.contains("lab-server-key"))
        #expect(configuration.description.contains("2 server ping keys"))
    }

    @Test func badPingKeysAreRefusedWithTheirLines() {
        let literal = problems("[ping_keys.fleet]\nkey = \"fleet-server-key-0123456789ab\"\n")
        #expect(literal.contains("serve.toml:2: ping_keys.fleet.key: the key itself is never written in the config file"))
        #expect(!literal.contains(fleetKey))
        let short = problems("[ping_keys.fleet]\nkey_env = \"FLEET_KEY\"\n", environment: ["FLEET_KEY": "short-key-123"])
        #expect(short.contains("serve.toml:2: ping_keys.fleet.key_env: a server ping key is 22 to 128 letters"))
        #expect(!short.contains("short-key-123"))
        #expect(problems("[ping_keys.fleet]\nkey_env = \"FLEET_KEY\"\n", environment: [:])
            .contains("the environment variable FLEET_KEY is not set"))
        #expect(problems("[ping_keys.fleet]\ntags = [\"a\"]\n").contains("ping_keys.fleet needs one of key_env"))
        #expect(problems("[ping_keys.fleet]\nkey_env = \"FLEET_KEY\"\nkey_file = \"/x\"\n").contains("ping_keys.fleet needs one of key_env"))
        #expect(problems("[ping_keys.fleet]\nkey_file = \"/nonexistent/fleet.key\"\n").contains("cannot read /nonexistent/fleet.key"))
        #expect(problems("[ping_keys.a]\nkey_env = \"FLEET_KEY\"\n[ping_keys.b]\nkey_env = \"FLEET_KEY\"\n")
            .contains("ping_keys.b.key_env: the same key as ping_keys.a"))
        #expect(problems("[ping_keys.fleet]\nkey_env = \"FLEET_KEY\"\nmax_creates = 5\n")
            .contains("unknown key 'ping_keys.fleet.max_creates'"))
        #expect(problems("[ping_keys.fleet]\nkey_env = \"FLEET_KEY\"\nmax_creates_per_hour = -1\n")
            .contains("max_creates_per_hour must be a whole number from 0 to 100000"))
        #expect(problems("[ping_keys.Fleet]\nkey_env = \"FLEET_KEY\"\n").contains("a ping key's name may hold only lowercase letters"))
        #expect(problems("ping_keys = 3\n").contains("ping_keys must hold tables"))
    }

    @Test func autoCreateIsReadAsTheJobsFileReadsDefaults() {
        let misspelt = problems("[auto_create]\nschedule = \"1d\"\ngrase = \"2h\"\n")
        #expect(misspelt.contains("serve.toml:3: unknown key 'grase' in [auto_create] (did you mean 'grace'?)"))
        #expect(problems("[auto_create]\ngrace = \"2h\"\n").contains("serve.toml:1: missing schedule in [auto_create] (every job it creates needs one)"))
        #expect(problems("[auto_create]\nschedule = \"1d\"\nname = \"x\"\n")
            .contains("serve.toml:3: key 'name' cannot be set in [auto_create]: it belongs to one job"))
        #expect(problems("[auto_create]\nschedule = \"1d\"\ngrace = \"4 hourz\"\n")
            .contains("serve.toml:3: invalid grace \"4 hourz\" in [auto_create]"))
        #expect(problems("auto_create = \"1d\"\n").contains("auto_create must be a table"))
        #expect(problems("[auto_creat]\nschedule = \"1d\"\n").contains("unknown key 'auto_creat'"))
    }
}
