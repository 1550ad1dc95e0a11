import Foundation
import Testing
@testable import BoardModel
@testable import BoardSQLite

/// From request bodies to the job state, through the parser, the store's run pairing and the evaluator:
/// the path a real heartbeat takes. Fixed dates; each test states the expected state and times.
@Suite struct HeartbeatsToStateTests {
    let t0 = Date(timeIntervalSince1970: 1_785_000_000) // 2026-07-25T17:20:00Z
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func store(_ kind: StoreKind, minSize: Int64? = nil) async throws -> (InspectedStore, Job) {
        let store = try await StoreUnderTest.make(kind)
        var job = Job(slug: "pg-prod", pingKey: "pg-prod-key-0123456789", schedule: .interval(6 * 3_600),
                      grace: 3_600, minSize: minSize, createdAt: t0)
        job.id = try await store.insert(job)
        return (store, job)
    }

    func send(_ body: String, suffix: String? = nil, at minutes: Double, to job: Job, in store: InspectedStore) async throws {
        let request = HeartbeatRequest(pathSuffix: suffix, contentType: "application/x-www-form-urlencoded",
                                       body: Array(body.utf8))
        let heartbeat = Heartbeat(jobID: job.id!, receivedAt: at(minutes), report: HeartbeatParser.parse(request),
                                  body: Array(body.utf8))
        _ = try await store.insert([heartbeat])
    }

    func state(_ job: Job, _ store: InspectedStore, at minutes: Double) async throws -> JobStatus {
        let entry = try #require(await store.loadBoard(at: at(minutes)).entries.first)
        return JobEvaluator.evaluate(entry.job, activity: entry.activity, at: at(minutes))
    }

    @Test(arguments: StoreKind.allCases) func seedScriptOnLinuxIsUpDespiteItsBrokenJSON(_ kind: StoreKind) async throws {
        let (store, job) = try await store(kind)
        try await send(#"{"status":"started","timestamp":"1785000000"}"#, at: 0, to: job, in: store)
        #expect(try await state(job, store, at: 10).state == .running)
        try await send(#"{"status":"completed","duration":720,"size":}"#, at: 12, to: job, in: store)
        let status = try await state(job, store, at: 20)
        #expect(status.state == .up)
        #expect(status.lastFinishedRun?.duration == 720) // measured: 12 minutes
        #expect(status.dueAt == at(360)) // start + 6 h
    }

    @Test(arguments: StoreKind.allCases) func runStartedAndNeverFinishedRunsThenRunsTooLong(_ kind: StoreKind) async throws {
        let (store, job) = try await store(kind)
        try await send(#"{"status":"started"}"#, at: 0, to: job, in: store)
        #expect(try await state(job, store, at: 359).state == .running)
        // Max runtime defaults to one period: 6 h after the start.
        #expect(try await state(job, store, at: 361).state == .runningTooLong)
    }

    @Test(arguments: StoreKind.allCases) func secondStartAbandonsTheFirstRun(_ kind: StoreKind) async throws {
        let (store, job) = try await store(kind)
        try await send(#"{"status":"started"}"#, at: 0, to: job, in: store)
        try await send(#"{"status":"started"}"#, at: 30, to: job, in: store)
        let status = try await state(job, store, at: 31)
        #expect(status.state == .failed) // the first run never completed
        #expect(status.lastFinishedRun?.outcome == .abandoned)
        #expect(status.openRun?.startedAt == at(30))
        try await send(#"{"status":"completed"}"#, at: 40, to: job, in: store)
        #expect(try await state(job, store, at: 41).state == .up)
    }

    @Test(arguments: StoreKind.allCases) func completionWithoutAStartIsAGoodRun(_ kind: StoreKind) async throws {
        let (store, job) = try await store(kind)
        try await send("", at: 5, to: job, in: store) // an empty body is a success ping
        let status = try await state(job, store, at: 6)
        #expect(status.state == .up)
        #expect(status.lastRun?.startedAt == nil)
        #expect(status.dueAt == at(365))
    }

    @Test(arguments: StoreKind.allCases) func tinyCompletedRunIsAFailure(_ kind: StoreKind) async throws {
        // The seed's mysqldump script: gzip succeeds on an empty dump and reports completed.
        let (store, job) = try await store(kind, minSize: 1_000_000)
        try await send(#"{"status":"started","database":"app_db"}"#, at: 0, to: job, in: store)
        try await send(#"{"status":"completed","size":20,"compressed":true}"#, at: 1, to: job, in: store)
        #expect(try await state(job, store, at: 2).state == .failed)
    }

    @Test(arguments: StoreKind.allCases) func failureSuffixAndVerificationFailureAreJudged(_ kind: StoreKind) async throws {
        let (store, job) = try await store(kind)
        try await send("pg_dump: connection refused", suffix: "fail", at: 0, to: job, in: store)
        #expect(try await state(job, store, at: 1).state == .failed)
        try await send(#"{"status":"started"}"#, at: 10, to: job, in: store)
        try await send(#"{"status":"completed","size":"45.2GB"}"#, at: 20, to: job, in: store)
        #expect(try await state(job, store, at: 21).state == .up)
        try await send(#"{"status":"verified","hash":"sha256:abc","matches_expected":false}"#, at: 25, to: job, in: store)
        #expect(try await state(job, store, at: 26).state == .verificationFailed)
    }

    @Test(arguments: StoreKind.allCases) func testPingChangesNothing(_ kind: StoreKind) async throws {
        let (store, job) = try await store(kind)
        try await send(#"{"test":true}"#, at: 5, to: job, in: store)
        let status = try await state(job, store, at: 6)
        #expect(status.state == .new)
        #expect(status.lastRun == nil)
    }
}
