@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import BoardModel
import Foundation
import Logging
import Synchronization
import Testing

// Ingest without a socket: HeartbeatIngest, the group-commit writer, /metrics and /healthz, on an
// in-memory store.

let quietLogger = Logger(label: "serve-tests", factory: { _ in SwiftLogNoOpLogHandler() })
let serveEpoch = Date(timeIntervalSince1970: 1_800_000_000)

struct IngestFixture {
    let store: BoardStore
    let server: BoardServer
    let jobID: Int64

    init(jobKey: String = "db_backup_abc123") async throws {
        store = try BoardStore.inMemory()
        jobID = try await store.insert(
            Job(slug: "pg", pingKey: jobKey, schedule: .interval(86_400), createdAt: serveEpoch.addingTimeInterval(-3_600)))
        server = try await BoardServer(configuration: ServeConfiguration(), store: store, logger: quietLogger)
    }

    func delivery(
        _ path: String, method: String = "POST", query: String = "", body: String = "", contentType: String? = nil,
        heartbeatID: String? = nil, sentAt: String? = nil
    ) throws -> PingDelivery {
        var delivery = PingDelivery(
            method: method, path: try #require(IngestPath(path: path)), query: QueryString.parse(query),
            contentType: contentType, heartbeatID: heartbeatID, sentAtHeader: sentAt, userAgent: "curl/7.88.1",
            source: "127.0.0.1")
        _ = delivery.body.append(Array(body.utf8))
        return delivery
    }

    func send(_ delivery: PingDelivery, at date: Date = serveEpoch) async -> IngestReply {
        await server.ingest.handle(delivery, receivedAt: date)
    }

    func state(at date: Date = serveEpoch.addingTimeInterval(60)) async throws -> JobState {
        let board = try await store.loadBoard(at: date)
        return try #require(FleetReport(jobs: board.jobsWithActivity, mutes: [], at: date).jobs.first).status.state
    }

    func heartbeats() async throws -> [Heartbeat] { try await store.heartbeats(ofJob: jobID) }
}

@Test func serveIngestStoresTheSeedScriptsBrokenCompletion() async throws {
    let fixture = try await IngestFixture()
    #expect(await fixture.send(try fixture.delivery(
        "/heartbeat/db_backup_abc123", body: #"{"status":"started","timestamp":"1800000000"}"#, contentType: "application/json")) == .stored)
    #expect(await fixture.send(try fixture.delivery(
        "/heartbeat/db_backup_abc123", body: #"{"status":"completed","duration":12,"size":}"#,
        contentType: "application/x-www-form-urlencoded"), at: serveEpoch.addingTimeInterval(12)) == .stored)
    let stored = try await fixture.heartbeats()
    #expect(stored.count == 2)
    #expect(stored.first?.report.status == .completed)
    #expect(stored.first?.source == "127.0.0.1")
    #expect(stored.first?.userAgent == "curl/7.88.1")
    #expect(try await fixture.state() == .up)
}

@Test func serveIngestFailSuffixAndExitCodesDecideTheRun() async throws {
    let fixture = try await IngestFixture()
    #expect(await fixture.send(try fixture.delivery("/ping/db_backup_abc123/start", method: "GET")) == .stored)
    #expect(await fixture.send(try fixture.delivery("/ping/db_backup_abc123/3", method: "GET"), at: serveEpoch.addingTimeInterval(5)) == .stored)
    #expect(try await fixture.state() == .failed)
    #expect(await fixture.send(try fixture.delivery("/heartbeat/db_backup_abc123/0", method: "HEAD"), at: serveEpoch.addingTimeInterval(10)) == .stored)
    #expect(try await fixture.state() == .up)
    #expect(await fixture.send(try fixture.delivery("/heartbeat/db_backup_abc123", query: "status=down&msg=x&ping=120"), at: serveEpoch.addingTimeInterval(20)) == .stored)
    #expect(try await fixture.state() == .failed)
    let latest = try #require(try await fixture.heartbeats().first)
    #expect(latest.report.message == "x")
}

@Test func serveIngestStoresARepeatedHeartbeatIdOnce() async throws {
    let fixture = try await IngestFixture()
    let delivery = try fixture.delivery("/heartbeat/db_backup_abc123", body: #"{"status":"completed"}"#, heartbeatID: "hb-1")
    #expect(await fixture.send(delivery) == .stored)
    #expect(await fixture.send(delivery, at: serveEpoch.addingTimeInterval(1)) == .stored)
    #expect(try await fixture.heartbeats().count == 1)
    let counts = fixture.server.metrics.snapshot().received
    #expect(counts[.stored] == 1 && counts[.duplicate] == 1)
}

@Test func serveIngestAnswersUnknownKeys404AndRecordsThem() async throws {
    let fixture = try await IngestFixture()
    #expect(await fixture.send(try fixture.delivery("/heartbeat/mistyped_key_1234")) == .unknownKey)
    #expect(IngestReply.unknownKey.body == "not found: unknown ping key\n")
    await fixture.server.unknownKeys.flush()
    let unknown = try await fixture.store.unknownKeys()
    #expect(unknown.count == 1)
    #expect(unknown.first?.keyPrefix == "mistyp")
    #expect(unknown.first?.lastSource == "127.0.0.1")
    #expect(unknown.first?.lastUserAgent == "curl/7.88.1")
    #expect(fixture.server.metrics.snapshot().received[.unknownKey] == 1)
}

@Test func serveIngestFindsJobsAddedAndForgetsJobsRemovedWhileRunning() async throws {
    let fixture = try await IngestFixture()
    _ = try await fixture.store.insert(Job(slug: "late", pingKey: "added_after_start_key", schedule: .interval(3_600), createdAt: serveEpoch))
    #expect(await fixture.send(try fixture.delivery("/heartbeat/added_after_start_key")) == .stored)
    try await fixture.store.removeJob(slug: "late")
    #expect(await fixture.send(try fixture.delivery("/heartbeat/added_after_start_key")) == .unknownKey)
    #expect(await fixture.send(try fixture.delivery("/heartbeat/added_after_start_key")) == .unknownKey)
}

@Test func serveIngestKeepsTheFirst100KBOfALargeBody() async throws {
    let fixture = try await IngestFixture()
    var delivery = try fixture.delivery("/heartbeat/db_backup_abc123/log")
    _ = delivery.body.append([UInt8](repeating: UInt8(ascii: "x"), count: 200 * 1024))
    #expect(await fixture.send(delivery) == .stored)
    let stored = try #require(try await fixture.heartbeats().first)
    #expect(stored.body.count == 100 * 1024)
    #expect(stored.truncatedBytes == 100 * 1024)
    #expect(fixture.server.metrics.snapshot().truncatedBodies == 1)
}

@Test func serveIngestStoresAnOverLimitBodyAndClosesTheConnection() async throws {
    let fixture = try await IngestFixture()
    var delivery = try fixture.delivery("/heartbeat/db_backup_abc123")
    delivery.body = BodyCollector(keptLimit: 10, readLimit: 20)
    _ = delivery.body.append(Array(#"{"status":"failed","error":"disk full"}"#.utf8))
    let reply = await fixture.send(delivery)
    #expect(reply.status == 200 && reply.closeConnection)
    let stored = try #require(try await fixture.heartbeats().first)
    #expect(stored.truncatedBytes == 10)
    #expect(stored.report.problems.contains { $0.contains("stopped reading") })
}

@Test func serveEventTimeTrustsOnlyOurSpoolWithinSevenDays() {
    let received = serveEpoch
    let hourAgo = received.addingTimeInterval(-3_600)
    #expect(HeartbeatIngest.eventTime(sentAtHeader: "x", reported: hourAgo, receivedAt: received) == hourAgo)
    #expect(HeartbeatIngest.eventTime(sentAtHeader: nil, reported: hourAgo, receivedAt: received) == received)
    #expect(HeartbeatIngest.eventTime(sentAtHeader: "x", reported: received.addingTimeInterval(60), receivedAt: received) == received)
    #expect(HeartbeatIngest.eventTime(sentAtHeader: "x", reported: received.addingTimeInterval(-8 * 86_400), receivedAt: received) == received)
}

@Test func serveIngestUsesTheSpoolsSentAtHeader() async throws {
    let fixture = try await IngestFixture()
    #expect(await fixture.send(try fixture.delivery("/heartbeat/db_backup_abc123", sentAt: "1799996400")) == .stored)
    let stored = try #require(try await fixture.heartbeats().first)
    #expect(stored.eventAt == Date(timeIntervalSince1970: 1_799_996_400))
    #expect(stored.deliveredLate)
}

/// A store that fails on purpose: `failures` errors first, then the real store.
final class FlakySink: IngestStore {
    let store: BoardStore
    let failures: Mutex<[BoardError]>
    let calls = Mutex(0)

    init(store: BoardStore, failures: [BoardError]) {
        self.store = store
        self.failures = Mutex(failures)
    }

    func insert(_ batch: [Heartbeat]) async throws -> [InsertOutcome] {
        calls.withLock { $0 += 1 }
        if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        return try await store.insert(batch)
    }

    func recordUnknownKey(_ key: String, shownAs shown: String, source: String?, userAgent: String?, at date: Date) async throws {
        try await store.recordUnknownKey(key, shownAs: shown, source: source, userAgent: userAgent, at: date)
    }
}

@Test func serveWriterRetriesBusyBatches() async throws {
    let store = try BoardStore.inMemory()
    let jobID = try await store.insert(Job(slug: "pg", pingKey: "k", schedule: .interval(3_600), createdAt: serveEpoch))
    let busy = BoardError.busy(path: ":memory:", reason: "database is locked")
    let sink = FlakySink(store: store, failures: [busy, busy])
    let writer = HeartbeatWriter(store: sink, metrics: ServerMetrics(), logger: quietLogger,
                                 retry: .init(backoff: [.milliseconds(1), .milliseconds(1)]))
    let result = await writer.submit(Heartbeat(jobID: jobID, receivedAt: serveEpoch, report: HeartbeatReport(status: .completed)))
    #expect(result == .success(.stored(1)))
    #expect(sink.calls.withLock { $0 } == 3)
    await writer.close()
}

@Test func serveWriterAnswersFailureThenRecoversByItself() async throws {
    let store = try BoardStore.inMemory()
    let jobID = try await store.insert(Job(slug: "pg", pingKey: "k", schedule: .interval(3_600), createdAt: serveEpoch))
    let sink = FlakySink(store: store, failures: [.database(path: ":memory:", reason: "disk is full")])
    let metrics = ServerMetrics()
    let writer = HeartbeatWriter(store: sink, metrics: metrics, logger: quietLogger)
    let heartbeat = Heartbeat(jobID: jobID, receivedAt: serveEpoch, report: HeartbeatReport(status: .completed))
    #expect(await writer.submit(heartbeat) == .failure(WriteFailure(reason: "disk is full")))
    #expect(sink.calls.withLock { $0 } == 1, "only busy errors are retried")
    #expect(await writer.submit(heartbeat) == .success(.stored(1)))
    #expect(metrics.snapshot().failedBatches == 1)
    await writer.close()
    #expect(await writer.submit(heartbeat) == .failure(.shuttingDown))
}

@Test func serveWriterGroupsConcurrentHeartbeatsIntoBatches() async throws {
    let store = try BoardStore.inMemory()
    let jobID = try await store.insert(Job(slug: "pg", pingKey: "k", schedule: .interval(3_600), createdAt: serveEpoch))
    let metrics = ServerMetrics()
    let writer = HeartbeatWriter(store: store, metrics: metrics, logger: quietLogger)
    let outcomes = await withTaskGroup(of: Result<InsertOutcome, WriteFailure>.self) { group in
        for index in 0..<200 {
            group.addTask {
                await writer.submit(Heartbeat(
                    jobID: jobID, receivedAt: serveEpoch, report: HeartbeatReport(status: .log), deliveryID: "id-\(index % 150)"))
            }
        }
        return await group.reduce(into: []) { $0.append($1) }
    }
    await writer.close()
    #expect(outcomes.allSatisfy { (try? $0.get())?.isPersisted == true })
    #expect(outcomes.filter { if case .success(.stored) = $0 { true } else { false } }.count == 150)
    #expect(try await store.heartbeats(ofJob: jobID, limit: 500).count == 150)
    let batches = metrics.snapshot().batchSizes
    #expect(batches.sum == 200)
    #expect(batches.count <= 200)
}

@Test func serveMetricsPageShowsJobsAndIngestCounters() async throws {
    let fixture = try await IngestFixture()
    #expect(await fixture.send(try fixture.delivery("/heartbeat/db_backup_abc123/start")) == .stored)
    #expect(await fixture.send(try fixture.delivery(
        "/heartbeat/db_backup_abc123", body: #"{"status":"completed","size":"1GB"}"#), at: serveEpoch.addingTimeInterval(90)) == .stored)
    let now = serveEpoch.addingTimeInterval(120)
    let board = try await fixture.store.loadBoard(at: now)
    let page = MetricsPage.render(board: board, report: FleetReport(board, at: now), ingest: fixture.server.metrics.snapshot())
    #expect(page.contains("backupboard_job_state{job=\"pg\",state=\"up\"} 1\n"))
    #expect(page.contains("backupboard_job_state{job=\"pg\",state=\"failed\"} 0\n"))
    #expect(page.contains("backupboard_job_last_success_timestamp_seconds{job=\"pg\"} 1800000090\n"))
    #expect(page.contains("backupboard_job_last_duration_seconds{job=\"pg\"} 90\n"))
    #expect(page.contains("backupboard_job_last_size_bytes{job=\"pg\"} 1000000000\n"))
    #expect(page.contains("backupboard_heartbeats_received_total{outcome=\"stored\"} 2\n"))
    #expect(page.contains("backupboard_heartbeats_received_total{outcome=\"unknown_key\"} 0\n"))
    #expect(page.contains("backupboard_ingest_batch_size_bucket{le=\"+Inf\"} 2\n"))
    #expect(page.contains("backupboard_ingest_commit_seconds_count 2\n"))
    #expect(page.contains("# TYPE backupboard_ingest_batch_size histogram\n"))
    #expect(MetricsPage.escape("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
}

@Test func serveHealthzFollowsTheEvaluatorTick() async {
    let check = HealthCheck(evaluatorInterval: 10)
    await #expect(check.reply(lastTick: { nil }, at: serveEpoch) == IngestReply(status: 200, body: "ok\n"))
    await #expect(check.reply(lastTick: { serveEpoch.addingTimeInterval(-29) }, at: serveEpoch).status == 200)
    let stale = await check.reply(lastTick: { serveEpoch.addingTimeInterval(-31) }, at: serveEpoch)
    #expect(stale.status == 503 && stale.body.hasPrefix("evaluator stale"))
    let broken = await check.reply(lastTick: { throw BoardError.database(path: "x", reason: "disk I/O error") }, at: serveEpoch)
    #expect(broken.status == 503 && broken.body.contains("disk I/O error"))
}
