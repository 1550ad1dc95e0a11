@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import BoardModel
import Foundation
import ServiceLifecycle
import Testing

// The JSON API through the real server on an ephemeral loopback port, driven by curl.

/// A running server with API tokens (or none) and a file database in a fresh folder.
final class ApiServer: Sendable {
    let folder: URL
    let store: BoardStore
    let server: BoardServer
    let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    static func start(
        admin: [String] = [], readOnly: [String] = [], trusted: [String] = [],
        evaluatorInterval: TimeInterval = BoardSnapshot.defaultEvaluatorInterval
    ) async throws -> ApiServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try BoardStore(path: folder.appendingPathComponent("board.sqlite").path)
        let created = Date().addingTimeInterval(-600)
        try await store.insert(Job(slug: "pg", pingKey: "pg_key_000000000000000", schedule: .interval(86_400), tags: ["db"], createdAt: created))
        try await store.insert(Job(slug: "web", pingKey: "web_key_00000000000000", schedule: .interval(86_400), createdAt: created))
        var configuration = ServeConfiguration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.adminTokens = admin
        configuration.readOnlyTokens = readOnly
        configuration.trustedProxies = trusted.compactMap(AddressRange.init)
        configuration.evaluatorInterval = evaluatorInterval
        let server = try await BoardServer(configuration: configuration, store: store, logger: quietLogger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = server.makeApplication(onListening: { port in continuation.yield(port) })
        let group = ServiceGroup(configuration: .init(services: [application], logger: quietLogger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BoardError.invalidValue("the server did not start") }
        return ApiServer(folder: folder, store: store, server: server, port: port, group: group, running: running)
    }

    private init(folder: URL, store: BoardStore, server: BoardServer, port: Int, group: ServiceGroup, running: Task<Void, any Error>) {
        self.folder = folder
        self.store = store
        self.server = server
        self.port = port
        self.group = group
        self.running = running
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Returns once a board request is held waiting for a change (its baseline read), or fails after `limit`.
    func untilALongPollWaits(within limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while !server.fleet.changes.hasWaiters {
            guard ContinuousClock.now < deadline else { throw BoardError.invalidValue("no long poll waiting after \(limit)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        try? FileManager.default.removeItem(at: folder)
    }

    /// Status code, headers (lower-cased names) and body of one request.
    func call(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) async throws
        -> (code: Int, headers: [String: String], body: String)
    {
        let headerFile = folder.appendingPathComponent("headers-\(UUID().uuidString)")
        var arguments = ["-X", method, "-D", headerFile.path, url(path)]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let (code, text) = try await request(arguments)
        let raw = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
        var parsed: [String: String] = [:]
        for line in raw.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (code, parsed, text)
    }

    /// The JSON object of a 200 answer.
    func object(_ path: String, headers: [String: String] = [:]) async throws -> [String: Any] {
        let reply = try await call("GET", path, headers: headers)
        #expect(reply.code == 200, "\(path): \(reply.body)")
        return try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
    }
}

func jobsOf(_ board: [String: Any]) -> [[String: Any]] {
    board["jobs"] as? [[String: Any]] ?? []
}

/// What `task` returned, or a failure naming `what` it waited for when it took longer than `limit`.
func waitingResult<T: Sendable>(_ task: Task<T, any Error>, within limit: Duration, for what: String) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await task.value }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            task.cancel()
            throw BoardError.invalidValue("no answer to the long poll within \(limit) of \(what)")
        }
        return value
    }
}

@Suite(.serialized) struct ApiServerTests {
    @Test func boardReadsEveryJobWithExplicitNullsAndAnETag() async throws {
        let api = try await ApiServer.start()
        defer { Task { try? await api.stop() } }
        #expect(try await request(["-X", "POST", "-d", "{\"status\":\"completed\",\"size\":\"2GB\",\"duration\":\"90s\"}",
                             api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        let reply = try await api.call("GET", "/api/v1/board?format=2")
        #expect(reply.code == 200)
        #expect(reply.headers["content-type"] == "application/json; charset=utf-8")
        let tag = try #require(reply.headers["etag"])
        let board = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        #expect(board["since"] is NSNull)
        #expect(board["version"] as? Int == Int(try await api.store.dataVersion()))
        #expect((board["counts"] as? [String: Int])?["up"] == 1)
        let jobs = jobsOf(board)
        #expect(jobs.map { $0["slug"] as? String } == ["pg", "web"])
        #expect(board["format"] as? Int == 2)
        let pg = jobs[0]
        #expect(pg["state"] as? String == "up")
        #expect(pg["tags"] as? [String] == ["db"])
        // A run is an array: [id, outcome, started_at, ended_at, last_heartbeat_at, duration_s, size_bytes, …].
        let run = try #require((pg["runs"] as? [[Any]])?.first)
        let outcomes = try #require(board["run_outcomes"] as? [String])
        #expect((run[1] as? Int).map { outcomes[$0] } == "completed")
        #expect(run[6] as? Int == 2_000_000_000)
        // No start was sent: the reported duration rides along; the end is in Unix milliseconds.
        #expect(run[2] is NSNull && (run[5] as? Double) == 90)
        #expect(abs(Double(run[3] as? Int ?? 0) / 1_000 - Date().timeIntervalSince1970) < 60)
        #expect(pg["last_run"] as? Int == 0, "the last run is the first of runs, by index")
        // Each schedule is written once; rows name theirs by index.
        let schedules = try #require(board["schedules"] as? [[String: Any]])
        #expect(schedules.count == 1 && schedules[0]["text"] as? String == "every 1d")
        #expect(pg["schedule"] as? Int == 0 && jobs[1]["schedule"] as? Int == 0)
        #expect(pg["ping_key"] == nil && pg.keys.contains { $0.contains("key") } == false)
        let web = jobs[1]
        #expect(web["last_run"] is NSNull, "absent values are written as null")
        #expect(web["runs"] as? [Any] != nil && (web["runs"] as? [Any])?.isEmpty == true)

        // ?runs= caps the sparkline runs; a bad value is a 400 that names it.
        #expect((jobsOf(try await api.object("/api/v1/board?format=2&runs=0"))[0]["runs"] as? [Any])?.isEmpty == true)
        let bad = try await api.call("GET", "/api/v1/board?format=2&runs=31")
        #expect(bad.code == 400 && bad.body.contains("runs must be a whole number, 0–30"))

        // Nothing changed: 304 with the same tag, and no body.
        let again = try await api.call("GET", "/api/v1/board?format=2", headers: ["If-None-Match": tag])
        #expect(again.code == 304 && again.body.isEmpty && again.headers["etag"] == tag)
        // An evaluator tick that changes nothing keeps the tag too; the 304 carries the tick's time.
        let tick = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        try await api.store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: tick, notifying: nil)
        let afterTick = try await api.call("GET", "/api/v1/board?format=2", headers: ["If-None-Match": tag])
        #expect(afterTick.code == 304 && afterTick.headers["etag"] == tag)
        #expect(afterTick.headers["evaluator-last-tick"].flatMap { try? Date($0, strategy: .iso8601) } == tick)
        // A heartbeat moves the data version: 200 again.
        #expect(try await request(["-d", "ok", api.url("/heartbeat/web_key_00000000000000")]).code == 200)
        #expect(try await api.call("GET", "/api/v1/board?format=2", headers: ["If-None-Match": tag]).code == 200)
        try await api.stop()
    }

    @Test func theBoardWrittenInChunksReadsBackAsTheServerJudgedIt() async throws {
        let api = try await ApiServer.start()
        defer { Task { try? await api.stop() } }
        #expect(try await request(["-d", "{\"status\":\"completed\"}", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        #expect(try await request(["-d", "{\"status\":\"failed\",\"message\":\"\\\"jobs\\\":[] in a message\"}",
                             api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        let now = Date()
        let (board, changes) = try await api.store.loadBoard(at: now, updating: nil, changesSince: -1)
        let report = FleetReport(board, at: now)
        let writer = BoardDocumentWriter(
            board: board, report: report, changes: changes, full: true, runs: 30, stale: false, evaluatorInterval: 10)
        var chunks = 0
        var bytes: [UInt8] = []
        try await writer.write {
            chunks += 1
            bytes.append(contentsOf: $0)
        }
        #expect(chunks >= 1)
        let document = try APIJSON.decoder().decode(BoardDocument.self, from: Data(bytes))
        let read = try document.report()
        #expect(read.jobs.map(\.job.slug) == report.jobs.map(\.job.slug))
        #expect(read.jobs.map(\.status.state) == report.jobs.map(\.status.state))
        let failed = try #require(read.jobs.first { $0.job.slug == "pg" })
        #expect(failed.status.lastRun?.outcome == .failed)
        #expect(failed.status.lastFinishedRun?.id == report.jobs.first { $0.job.slug == "pg" }?.status.lastFinishedRun?.id)
        // Runs travel newest first and come back in the activity's order, oldest first.
        let row = try #require(document.jobs.first { $0.slug == "pg" })
        #expect(row.runs.count == 2)
        let stored = try #require(board.entries.first { $0.job.slug == "pg" })
        #expect(document.entry(of: row, job: failed.job).activity.recentRuns.map(\.id) == stored.activity.recentRuns.map(\.id))
        // A document this client does not speak is refused when decoded, not misread.
        var other = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        other["format"] = 3
        #expect(throws: DecodingError.self) {
            try APIJSON.decoder().decode(BoardDocument.self, from: try JSONSerialization.data(withJSONObject: other))
        }
        try await api.stop()
    }

    @Test func aClientOfTheOldBoardFormatIsToldToUpgrade() async throws {
        let api = try await ApiServer.start()
        defer { Task { try? await api.stop() } }
        for path in ["/api/v1/board", "/api/v1/board?since=3", "/api/v1/board?format=1"] {
            let reply = try await api.call("GET", path)
            #expect(reply.code == 406, "\(path)")
            #expect(reply.body.contains("upgrade backupboard"), "\(reply.body)")
        }
        let bad = try await api.call("GET", "/api/v1/board?format=2&wait=5m")
        #expect(bad.code == 400 && bad.body.contains("wait must be a duration of at most 55s"), "\(bad.body)")
        try await api.stop()
    }

    @Test func aLongPollIsAnsweredWhenAHeartbeatOrAnAckLandsAndTimesOutWith304() async throws {
        // An evaluator interval of an hour: the tick written below must not go stale (30 s at the default 10 s)
        // while a loaded machine holds this test up, which would rightly move the ETag.
        let api = try await ApiServer.start(admin: ["admin-token-1"], evaluatorInterval: 3_600)
        defer { Task { try? await api.stop() } }
        let admin = ["Authorization": "Bearer admin-token-1"]
        func current() async throws -> (version: Int, tag: String) {
            let reply = try await api.call("GET", "/api/v1/board?format=2", headers: admin)
            let board = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
            return (try #require(board["version"] as? Int), try #require(reply.headers["etag"]))
        }
        // Nothing moves: the request is held for its wait, then answered 304 with the same tag.
        var (version, tag) = try await current()
        let started = ContinuousClock.now
        let idle = try await api.call("GET", "/api/v1/board?format=2&since=\(version)&wait=1s", headers: admin.merging(["If-None-Match": tag]) { a, _ in a })
        #expect(idle.code == 304 && idle.headers["etag"] == tag)
        #expect(ContinuousClock.now - started >= .milliseconds(900), "held for its wait")

        // A heartbeat stored meanwhile answers the waiting request with the change, long before its wait ends.
        let waiting = Task { [version, tag] in
            try await api.call("GET", "/api/v1/board?format=2&since=\(version)&wait=55s", headers: admin.merging(["If-None-Match": tag]) { a, _ in a })
        }
        try await api.untilALongPollWaits()
        #expect(try await request(["-d", "{\"status\":\"failed\"}", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        let pushed = try await waitingResult(waiting, within: .seconds(40), for: "the heartbeat")
        #expect(pushed.code == 200)
        let delta = try #require(try JSONSerialization.jsonObject(with: Data(pushed.body.utf8)) as? [String: Any])
        #expect(jobsOf(delta).map { $0["slug"] as? String } == ["pg"])
        #expect(jobsOf(delta).first?["state"] as? String == "failed")

        // A write through the API (an unmute here) answers it too.
        (version, tag) = try await current()
        let waitingForWrite = Task { [version, tag] in
            try await api.call("GET", "/api/v1/board?format=2&since=\(version)&wait=55s", headers: admin.merging(["If-None-Match": tag]) { a, _ in a })
        }
        try await api.untilALongPollWaits()
        #expect(try await api.call("POST", "/api/v1/jobs/web/mute", headers: admin, body: #"{"until":"1h","by":"ann","reason":"disk swap"}"#).code == 200)
        let written = try await waitingResult(waitingForWrite, within: .seconds(40), for: "the mute")
        #expect(written.code == 200)
        let muted = try #require(try JSONSerialization.jsonObject(with: Data(written.body.utf8)) as? [String: Any])
        #expect(jobsOf(muted).first?["muted"] as? Bool == true)

        // A commit this server did not make (the evaluator's tick, written straight into the store here, as
        // another instance would) reaches the waiting request through the version read once a second.
        (version, tag) = try await current()
        let waitingForTick = Task { [version, tag] in
            try await api.call("GET", "/api/v1/board?format=2&since=\(version)&wait=55s", headers: admin.merging(["If-None-Match": tag]) { a, _ in a })
        }
        // The tick must land while the request waits: one that lands before the request arrives is its baseline.
        try await api.untilALongPollWaits()
        let tick = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        try await api.store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: tick, notifying: nil)
        let ticked = try await waitingResult(waitingForTick, within: .seconds(40), for: "the evaluator's tick")
        #expect(ticked.code == 304 && ticked.headers["etag"] == tag, "\(ticked.code) \(ticked.headers["etag"] ?? "no ETag") against \(tag): \(ticked.body.prefix(300))")
        #expect(ticked.headers["evaluator-last-tick"].flatMap { try? Date($0, strategy: .iso8601) } == tick)
        try await api.stop()
    }

    @Test func boardCarriesTheOutboxBacklog() async throws {
        let api = try await ApiServer.start()
        defer { Task { try? await api.stop() } }
        #expect((try await api.object("/api/v1/board?format=2")["outbox_backlog"] as? [Any])?.isEmpty == true)
        let created = Date(timeIntervalSince1970: 1_790_000_000)
        _ = try await api.store.enqueue(OutboxMessage(eventID: "alert-7-opened", channel: "slack", payload: [], createdAt: created))
        let board = try await api.object("/api/v1/board?format=2")
        let backlog = try #require((board["outbox_backlog"] as? [[String: Any]])?.first)
        #expect(backlog["channel"] as? String == "slack")
        #expect(backlog["pending"] as? Int == 1)
        #expect(backlog["oldest_since"] as? String == "2026-09-21T14:13:20Z")
        #expect(backlog["last_error"] is NSNull)
        try await api.stop()
    }

    @Test func sinceAnswersOnlyWhatChanged() async throws {
        let api = try await ApiServer.start()
        defer { Task { try? await api.stop() } }
        let first = try await api.object("/api/v1/board?format=2")
        let version = try #require(first["version"] as? Int)
        #expect(try await request(["-d", "{\"status\":\"failed\"}", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)

        let delta = try await api.object("/api/v1/board?format=2&since=\(version)")
        #expect(delta["since"] as? Int == version)
        #expect((delta["version"] as? Int ?? 0) > version)
        let jobs = jobsOf(delta)
        #expect(jobs.map { $0["slug"] as? String } == ["pg"], "only the job the heartbeat touched")
        #expect(jobs.first?["state"] as? String == "failed")
        #expect((jobs.first?["version"] as? Int) == delta["version"] as? Int)
        #expect(delta["open_alerts"] is NSNull && delta["active_mutes"] is NSNull, "unchanged lists are null")
        #expect((delta["counts"] as? [String: Int])?["failed"] == 1, "counts cover the whole fleet")

        // Nothing since the new version: an empty delta.
        let newVersion = try #require(delta["version"] as? Int)
        #expect(jobsOf(try await api.object("/api/v1/board?format=2&since=\(newVersion)")).isEmpty)

        // Removing a job reports its id; a mute on a tag reports the jobs it covers and the mutes.
        let webID = try #require(try await api.store.job(slug: "web")?.id)
        try await api.store.removeJob(slug: "web")
        try await api.store.add(Mute(scope: .tag("db"), until: Date().addingTimeInterval(3_600), createdBy: "ann", reason: "migration", createdAt: Date()))
        let after = try await api.object("/api/v1/board?format=2&since=\(newVersion)")
        #expect(after["removed_job_ids"] as? [Int] == [Int(webID)])
        #expect(jobsOf(after).map { $0["slug"] as? String } == ["pg"])
        #expect(jobsOf(after).first?["muted"] as? Bool == true)
        #expect((after["active_mutes"] as? [[String: Any]])?.first?["target"] as? String == "db")

        // A version the store never had (a replaced database): the whole board again.
        let ahead = try await api.object("/api/v1/board?format=2&since=999999")
        #expect(ahead["since"] is NSNull && jobsOf(ahead).count == 1)
        try await api.stop()
    }

    @Test func jobDetailHasRawBodiesProblemsRunsAndTransitions() async throws {
        let api = try await ApiServer.start()
        defer { Task { try? await api.stop() } }
        let key = api.url("/heartbeat/pg_key_000000000000000")
        #expect(try await request(["-X", "POST", key, "-d", "{\"status\":\"completed\",\"duration\":12,\"size\":}"]).code == 200)
        let binary = api.folder.appendingPathComponent("body.bin")
        try Data([0xff, 0xfe, 0x00, 0x41]).write(to: binary)
        #expect(try await request(["-X", "POST", "--data-binary", "@\(binary.path)", api.url("/heartbeat/pg_key_000000000000000/log")]).code == 200)
        let id = try #require(try await api.store.job(slug: "pg")?.id)
        try await api.store.recordEvaluation(
            transitions: [StateTransition(jobID: id, at: Date(), from: .new, to: .up)], alertChanges: AlertChanges(), tick: Date())

        let detail = try await api.object("/api/v1/jobs/pg?heartbeats=5")
        let job = try #require(detail["job"] as? [String: Any])
        #expect(job["slug"] as? String == "pg" && job["state"] as? String == "up")
        #expect(job["ping_key"] == nil && !detail.description.contains("pg_key_000"), "the ping key is never shown")
        #expect(job["created_at"] is String && job["min_size_bytes"] is NSNull)
        let heartbeats = try #require(detail["heartbeats"] as? [[String: Any]])
        #expect(heartbeats.count == 2)
        #expect(heartbeats[0]["body_encoding"] as? String == "base64")
        #expect(heartbeats[0]["body"] as? String == Data([0xff, 0xfe, 0x00, 0x41]).base64EncodedString())
        #expect(heartbeats[1]["body_encoding"] as? String == "text")
        #expect(heartbeats[1]["body"] as? String == "{\"status\":\"completed\",\"duration\":12,\"size\":}")
        #expect((heartbeats[1]["problems"] as? [String])?.isEmpty == false)
        #expect((detail["runs"] as? [[String: Any]])?.first?["outcome"] as? String == "completed")
        #expect(detail["next_before"] is NSNull)
        #expect((detail["transitions"] as? [[String: Any]])?.first?["to"] as? String == "up")

        #expect(try await api.call("GET", "/api/v1/jobs/nope").code == 404)
        #expect(try await api.call("GET", "/api/v1/jobs/pg?before=999").code == 400)
        #expect(try await api.call("GET", "/api/v1/nothing-here").code == 404)
        try await api.stop()
    }

    @Test func writesChangeTheStore() async throws {
        let api = try await ApiServer.start(admin: ["admin-token-1"])
        defer { Task { try? await api.stop() } }
        let admin = ["Authorization": "Bearer admin-token-1"]
        let id = try #require(try await api.store.job(slug: "pg")?.id)
        let alert = try await api.store.open(Alert(kind: .failed, severity: .critical, jobID: id, message: "pg failed", openedAt: Date())).alert
        let alertID = try #require(alert.id)

        let ack = try await api.call("POST", "/api/v1/alerts/\(alertID)/ack", headers: admin, body: "{\"by\":\"ann\",\"note\":\"on it\"}")
        #expect(ack.code == 200 && ack.body.contains("\"acknowledged_by\":\"ann\""))
        #expect(try await api.store.alert(id: alertID)?.acknowledgementNote == "on it")
        #expect(try await api.call("POST", "/api/v1/alerts/\(alertID)/ack", headers: admin, body: "{}").body.contains("'by' is required"))
        #expect(try await api.call("POST", "/api/v1/alerts/9999/ack", headers: admin, body: "{\"by\":\"ann\"}").code == 404)
        #expect(try await api.call("POST", "/api/v1/alerts/x/ack", headers: admin, body: "{\"by\":\"ann\"}").code == 400)

        let open = try await api.object("/api/v1/alerts?open=true", headers: admin)
        #expect((open["open"] as? [[String: Any]])?.first?["job_slug"] as? String == "pg")
        #expect(open["recent"] is NSNull)

        let mute = try await api.call("POST", "/api/v1/jobs/pg/mute", headers: admin, body: "{\"until\":\"4h\",\"by\":\"ann\",\"reason\":\"migration\"}")
        #expect(mute.code == 200)
        let mutes = try await api.store.activeMutes(at: Date())
        #expect(mutes.count == 1 && mutes[0].scope == .job("pg") && mutes[0].createdBy == "ann")
        #expect(abs(mutes[0].until.timeIntervalSinceNow - 4 * 3_600) < 60)
        let badUntil = try await api.call("POST", "/api/v1/jobs/pg/mute", headers: admin, body: "{\"until\":\"soon\",\"by\":\"ann\",\"reason\":\"x\"}")
        #expect(badUntil.code == 400 && badUntil.body.contains("until must be an ISO 8601 time"))
        let past = try await api.call("POST", "/api/v1/jobs/pg/mute", headers: admin, body: "{\"until\":\"2001-01-01T00:00:00Z\",\"by\":\"ann\",\"reason\":\"x\"}")
        #expect(past.code == 400 && past.body.contains("in the future"))
        let tooLong = try await api.call("POST", "/api/v1/jobs/pg/mute", headers: admin, body: "{\"until\":\"99999999d\",\"by\":\"ann\",\"reason\":\"x\"}")
        #expect(tooLong.code == 400 && tooLong.body.contains("a mute ends within a year"))
        #expect(try await api.call("POST", "/api/v1/jobs/pg/mute", headers: admin, body: "[1]").body.contains("must be a JSON object"))
        #expect(try await api.call("POST", "/api/v1/jobs/nope/mute", headers: admin, body: "{\"until\":\"4h\",\"by\":\"a\",\"reason\":\"b\"}").code == 404)

        let unmute = try await api.call("POST", "/api/v1/jobs/pg/unmute", headers: admin)
        #expect(unmute.code == 200 && unmute.body.contains("\"removed\":1"))
        #expect(try await api.store.activeMutes(at: Date()).isEmpty)

        #expect(try await api.call("POST", "/api/v1/jobs/pg/pause", headers: admin).code == 200)
        #expect(try await api.store.job(slug: "pg")?.paused == true)
        #expect(try await api.call("POST", "/api/v1/jobs/pg/resume", headers: admin).code == 200)
        #expect(try await api.store.job(slug: "pg")?.paused == false)
        #expect(try await api.call("POST", "/api/v1/jobs/nope/pause", headers: admin).code == 404)
        #expect(try await api.call("GET", "/api/v1/jobs/pg/pause", headers: admin).code == 405)
        try await api.stop()
    }

    @Test func unknownPathsAndWrongMethodsAnswerJSON() async throws {
        let api = try await ApiServer.start(admin: ["admin-token-1"])
        defer { Task { try? await api.stop() } }
        let admin = ["Authorization": "Bearer admin-token-1"]
        // No such route, also where a path stops inside one (alerts/ID) or runs past it: 404 naming the endpoints.
        for path in ["/api/v1/nothing-here", "/api/v1/alerts/1", "/api/v1/board/extra", "/api/v1/jobs/pg/pause/x"] {
            let reply = try await api.call("GET", path, headers: admin)
            #expect(reply.code == 404, "\(path)")
            #expect(reply.headers["content-type"] == "application/json; charset=utf-8", "\(path)")
            #expect(reply.body == "{\"error\":\"no such API route: \(path) (see GET /api/v1/openapi.json for every route)\"}")
        }
        // Access is decided first: without a token, an unknown route is a 401 like a known one.
        let anonymous = try await api.call("GET", "/api/v1/nothing-here")
        #expect(anonymous.code == 401 && anonymous.headers["www-authenticate"] == "Bearer realm=\"backupboard\"")

        // A known path asked with another method: 405, with its methods in Allow.
        let wrong = [
            ("POST", "/api/v1/board?format=2", "GET, HEAD"), ("PUT", "/api/v1/alerts", "GET, HEAD"), ("POST", "/api/v1/jobs/pg", "GET, HEAD, PUT, PATCH, DELETE"),
            ("GET", "/api/v1/alerts/1/ack", "POST"), ("PATCH", "/api/v1/jobs/pg/mute", "POST"), ("HEAD", "/api/v1/jobs/pg/resume", "POST"),
        ]
        for (method, path, allow) in wrong {
            let reply = try await api.call(method, path, headers: admin)
            #expect(reply.code == 405 && reply.headers["allow"] == allow, "\(method) \(path)")
            #expect(reply.body == (method == "HEAD" ? "" : "{\"error\":\"method not allowed here; use \(allow)\"}"), "\(method) \(path)")
        }

        // HEAD answers as GET does, without a body.
        let head = try await api.call("HEAD", "/api/v1/board?format=2", headers: admin)
        #expect(head.code == 200 && head.body.isEmpty && head.headers["etag"] != nil)
        #expect(try await api.call("HEAD", "/api/v1/nothing-here", headers: admin).code == 404)

        // Path parameters are percent-decoded; a bad alert id is a 400 that names it.
        try await api.store.insert(Job(slug: "nas-photos", pingKey: "nas_key_00000000000000", schedule: .interval(86_400), createdAt: Date()))
        let detail = try await api.object("/api/v1/jobs/nas%2Dphotos", headers: admin)
        #expect((detail["job"] as? [String: Any])?["slug"] as? String == "nas-photos")
        let badID = try await api.call("POST", "/api/v1/alerts/0/ack", headers: admin, body: "{\"by\":\"ann\"}")
        #expect(badID.code == 400 && badID.body == "{\"error\":\"alert id must be a positive number, not '0'\"}")

        // A write body over 64 KB is refused before anything else.
        let big = try await api.call("POST", "/api/v1/jobs/pg/pause", body: String(repeating: " ", count: 70 * 1024))
        #expect(big.code == 413 && big.body == "{\"error\":\"the request body is larger than 64 KB or could not be read\"}")

        // Outside /api/v1/ the router's own empty 404 still answers.
        let elsewhere = try await api.call("GET", "/api/v2/board", headers: admin)
        #expect(elsewhere.code == 404 && elsewhere.body.isEmpty)
        try await api.stop()
    }

    @Test func withoutTokensTheApiIsReadOnlyAndDirectOnly() async throws {
        let api = try await ApiServer.start(trusted: ["127.0.0.1/32"])
        defer { Task { try? await api.stop() } }
        #expect(try await api.call("GET", "/api/v1/board?format=2").code == 200)
        let write = try await api.call("POST", "/api/v1/jobs/pg/pause")
        #expect(write.code == 403 && write.body.contains("read-only"))
        #expect(try await api.store.job(slug: "pg")?.paused == false)
        // Proxied reads are refused, even from a trusted proxy: it only decides whose address is believed.
        let proxied = try await api.call("GET", "/api/v1/board?format=2", headers: ["X-Forwarded-For": "203.0.113.9"])
        #expect(proxied.code == 403 && proxied.body.contains("not ones through a proxy"))
        #expect(try await api.call("GET", "/api/v1/alerts", headers: ["Forwarded": "for=203.0.113.9"]).code == 403)
        // Ingest and health never need a token, proxied or not.
        #expect(try await request(["-H", "X-Forwarded-For: 203.0.113.9", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        #expect(try await request([api.url("/healthz")]).code == 200)
        try await api.stop()
    }

    @Test func withTokensReadsAndWritesNeedTheRightKind() async throws {
        let api = try await ApiServer.start(admin: ["admin-token-1"], readOnly: ["reader-token-1"])
        defer { Task { try? await api.stop() } }
        let none = try await api.call("GET", "/api/v1/board?format=2")
        #expect(none.code == 401 && none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try await api.call("GET", "/api/v1/board?format=2", headers: ["Authorization": "Bearer wrong"]).code == 401)
        #expect(try await api.call("GET", "/api/v1/board?format=2", headers: ["Authorization": "Basic YTpi"]).code == 401)
        #expect(try await api.call("GET", "/api/v1/board?format=2", headers: ["Authorization": "Bearer reader-token-1"]).code == 200)
        #expect(try await api.call("GET", "/api/v1/board?format=2", headers: ["Authorization": "bearer admin-token-1"]).code == 200)
        let readerWrite = try await api.call("POST", "/api/v1/jobs/pg/pause", headers: ["Authorization": "Bearer reader-token-1"])
        #expect(readerWrite.code == 403 && readerWrite.body.contains("read-only"))
        #expect(try await api.call("POST", "/api/v1/jobs/pg/pause").code == 401)
        // Through a proxy, a token is what counts.
        #expect(try await api.call("GET", "/api/v1/board?format=2", headers: ["Authorization": "Bearer reader-token-1", "X-Forwarded-For": "203.0.113.9"]).code == 200)
        #expect(try await api.call("POST", "/api/v1/jobs/pg/pause", headers: ["Authorization": "Bearer admin-token-1", "X-Forwarded-For": "203.0.113.9"]).code == 200)
        #expect(try await api.store.job(slug: "pg")?.paused == true)
        #expect(try await request([api.url("/metrics")]).code == 200, "/metrics never needs a token")
        try await api.stop()
    }

    @Test func statusServerPrintsWhatLocalStatusPrints() async throws {
        let api = try await ApiServer.start(readOnly: ["reader-token-1"])
        defer { Task { try? await api.stop() } }
        #expect(try await request(["-d", "{\"status\":\"failed\"}", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        let cli = try CommandLine()
        let tokenFile = cli.path("token")
        try "reader-token-1\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let database = api.folder.appendingPathComponent("board.sqlite").path

        let remote = try await cli.run(["status", "--server", api.url(""), "--token-file", tokenFile, "--ascii"])
        let local = try await cli.run(["status", "--db", database, "--ascii"])
        #expect(remote.code == 2 && local.code == 2)
        // The same table, judged a moment apart: ages and timers may differ by a second.
        func columns(_ text: String) -> [[Substring]] {
            text.split(separator: "\n").map { Array($0.split(separator: " ").prefix(3)) }
        }
        #expect(columns(remote.out) == columns(local.out))
        #expect(remote.out.split(separator: "\n").first == local.out.split(separator: "\n").first)
        #expect(remote.out.contains("failed") && remote.out.contains("pg"))

        let oneline = try await cli.run(["status", "--server", api.url(""), "--oneline", "--ascii"], environment: ["BACKUPBOARD_TOKEN": "reader-token-1"])
        #expect(oneline.code == 2)
        #expect(oneline.out == (try await cli.run(["status", "--db", database, "--oneline", "--ascii"])).out)

        let json = try await cli.run(["status", "--server", api.url(""), "--json"], environment: ["BACKUPBOARD_TOKEN": "reader-token-1"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(document["level"] as? String == "critical")
        #expect(jobsOf(document).map { $0["slug"] as? String } == ["pg", "web"])

        let refused = try await cli.run(["status", "--server", api.url("")])
        #expect(refused.code == 3 && refused.err.contains("401"))
        try await api.stop()
    }

    @Test func statusIsAFewHundredBytesWithAnETagThatMovesOnlyWhenSomethingVisibleDoes() async throws {
        let api = try await ApiServer.start()
        defer { Task { try? await api.stop() } }
        #expect(try await request(["-d", "{\"status\":\"failed\"}", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        let reply = try await api.call("GET", "/api/v1/status")
        #expect(reply.code == 200)
        #expect(reply.body.utf8.count < 400, "\(reply.body)")
        let status = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        #expect(status["level"] as? String == "critical")
        #expect(status["exit_code"] as? Int == 2)
        #expect(status["stale"] as? Bool == false)
        #expect(status["jobs"] as? Int == 2)
        #expect(status["states"] as? [String: Int] == ["failed": 1, "new": 1])
        #expect(status["levels"] as? [String: Int] == ["critical": 1, "ok": 1])
        #expect(status["open_alerts"] as? [String: Int] == [:]) // no evaluator has run in this server yet
        #expect(status["outbox_backlog"] as? Int == 0)
        #expect(status["evaluator_last_tick"] is NSNull && status["evaluator_age_s"] is NSNull)
        let tag = try #require(reply.headers["etag"])

        // A write that changes nothing a status bar shows (a log line) keeps the tag: 304.
        #expect(try await request(["-d", "{\"status\":\"log\",\"msg\":\"hello\"}", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        let same = try await api.call("GET", "/api/v1/status", headers: ["If-None-Match": tag])
        #expect(same.code == 304 && same.body.isEmpty)
        // The job recovers: the counts move, so does the tag.
        #expect(try await request(["-d", "{\"status\":\"completed\"}", api.url("/heartbeat/pg_key_000000000000000")]).code == 200)
        let moved = try await api.call("GET", "/api/v1/status", headers: ["If-None-Match": tag])
        #expect(moved.code == 200 && moved.headers["etag"] != tag)
        #expect((try JSONSerialization.jsonObject(with: Data(moved.body.utf8)) as? [String: Any])?["level"] as? String == "ok")
        #expect(try await api.call("HEAD", "/api/v1/status").code == 200)
        try await api.stop()
    }

    @Test func statusServerAgainstADeadPortIsOneSentenceAndExitThree() async throws {
        let cli = try CommandLine()
        let result = try await cli.run(["status", "--server", "http://127.0.0.1:9"])
        #expect(result.code == 3)
        #expect(result.out.isEmpty)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.err.hasPrefix("backupboard: Cannot reach the server at http://127.0.0.1:9"))
    }
}
