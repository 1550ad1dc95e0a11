import Foundation
import Testing
@testable import BoardModel
@testable import BoardSQLite

private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

private func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

private func job(_ slug: String, key: String? = nil, minSize: Int64? = nil, tags: [String] = []) -> Job {
    Job(slug: slug, pingKey: key ?? "key-\(slug)", schedule: .interval(86_400), minSize: minSize, tags: tags, createdAt: t0)
}

private func beat(
    _ jobID: Int64, _ status: HeartbeatStatus, at minute: Double, rid: String? = nil, delivery: String? = nil,
    size: Double? = nil, isTest: Bool = false, body: String = "", problems: [String] = []
) -> Heartbeat {
    Heartbeat(
        jobID: jobID, receivedAt: at(minute),
        report: HeartbeatReport(
            status: status, runID: rid, size: size.map { Measured($0, text: "\(Int($0)) bytes") }, isTest: isTest,
            problems: problems),
        deliveryID: delivery, body: Array(body.utf8), contentType: "application/json", source: "10.0.0.5",
        userAgent: "curl/8.0")
}

/// A fresh migrated in-memory store with one job.
private func storeWithJob(_ kind: StoreKind, minSize: Int64? = nil) async throws -> (InspectedStore, Int64) {
    let store = try await StoreUnderTest.make(kind)
    let id = try await store.insert(job("db-prod", minSize: minSize, tags: ["db"]))
    return (store, id)
}

private func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("boardstore-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct StoreJobTests {
    @Test(arguments: StoreKind.allCases) func jobRoundTripsEveryField(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        var original = Job(
            slug: "files", name: "File server", pingKey: "s3cret", schedule: .interval(6 * 3600), grace: 1800,
            maxRuntime: 7200, kind: .incremental, chainParent: "files-full", priority: .critical, minSize: 1_000,
            rpo: 86_400, rto: 3600, owner: "ops", escalation: "oncall", protects: ["/srv"], tags: ["prod", "fs"],
            description: "nightly", paused: false,
            alerting: AlertSettings(sizeAnomalyFactor: 0.3, severities: [.failed: .emergency]), createdAt: t0)
        original.id = try await store.insert(original)
        #expect(try await store.job(slug: "files") == original)
        #expect(try await store.job(id: original.id!) == original)
        #expect(try await store.jobs() == [original])
    }

    @Test(arguments: StoreKind.allCases) func restoreTestFieldsRoundTrip(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        var proved = Job(
            slug: "pg-prod", pingKey: "key-pg-prod", schedule: .interval(6 * 3600), rto: 4 * 3600, requireRestoreTest: true,
            alerting: AlertSettings(restoreEscalationPeriods: 3, severities: [.rtoBreach: .emergency]), createdAt: t0)
        var drill = Job(
            slug: "pg-prod-restore", pingKey: "key-pg-prod-restore", schedule: .interval(30 * 86_400),
            kind: .restoreTest, tests: ["pg-prod", "pg-replica"], createdAt: t0)
        proved.id = try await store.insert(proved)
        drill.id = try await store.insert(drill)
        #expect(try await store.job(slug: "pg-prod") == proved)
        #expect(try await store.job(slug: "pg-prod-restore") == drill)
        drill.tests = ["pg-prod"]
        try await store.update(drill)
        #expect(try await store.job(id: drill.id!)?.tests == ["pg-prod"])
        #expect(try await store.loadBoard(at: t0).entries.map(\.job) == [proved, drill])
    }

    @Test(arguments: StoreKind.allCases) func cronScheduleRoundTrips(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        var cron = job("cron-job")
        cron.schedule = .cron(try CronExpression("0 2 * * *"), timeZone: TimeZone(identifier: "Europe/Paris")!)
        cron.id = try await store.insert(cron)
        #expect(try await store.job(slug: "cron-job")?.schedule == cron.schedule)
    }

    @Test(arguments: StoreKind.allCases) func jobIsFoundByKeyOnly(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        #expect(try await store.job(forKey: "key-db-prod")?.id == id)
        #expect(try await store.job(forKey: "key-db-pro") == nil)
        #expect(try await store.job(forKey: "") == nil)
    }

    @Test(arguments: StoreKind.allCases) func duplicateSlugOrKeyIsRefused(_ kind: StoreKind) async throws {
        let (store, _) = try await storeWithJob(kind)
        await #expect(throws: BoardError.duplicateJob("db-prod")) { try await store.insert(job("db-prod", key: "other")) }
        await #expect(throws: BoardError.self) { try await store.insert(job("db-2", key: "key-db-prod")) }
    }

    @Test(arguments: StoreKind.allCases) func updatePauseResume(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        var changed = try #require(try await store.job(id: id))
        changed.name = "Production DB"
        changed.pingKey = "new-key"
        try await store.update(changed)
        #expect(try await store.job(forKey: "new-key")?.name == "Production DB")
        #expect(try await store.job(forKey: "key-db-prod") == nil)
        try await store.pause(slug: "db-prod")
        #expect(try await store.job(id: id)?.paused == true)
        try await store.resume(slug: "db-prod")
        #expect(try await store.job(id: id)?.paused == false)
        await #expect(throws: BoardError.unknownJob("nope")) { try await store.pause(slug: "nope") }
    }

    @Test(arguments: StoreKind.allCases) func removingAJobRemovesItsData(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        _ = try await store.insert([beat(id, .started, at: 0), beat(id, .completed, at: 5)])
        _ = try await store.open(Alert(kind: .failed, severity: .critical, jobID: id, message: "x", openedAt: at(6)))
        try await store.removeJob(slug: "db-prod")
        #expect(try await store.jobs().isEmpty)
        #expect(try await store.runs(ofJob: id).isEmpty)
        #expect(try await store.heartbeats(ofJob: id).isEmpty)
        #expect(try await store.openAlerts().isEmpty)
        #expect(try await store.loadBoard(at: at(10)).entries.isEmpty)
    }
}

@Suite struct StoreHeartbeatTests {
    @Test(arguments: StoreKind.allCases) func batchIsStoredAndPairedIntoARun(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let outcomes = try await store.insert([
            beat(id, .started, at: 0, body: "{\"status\":\"started\"}"),
            beat(id, .progress, at: 2),
            beat(id, .completed, at: 10, size: 5_000),
        ])
        #expect(outcomes.count == 3)
        #expect(outcomes.allSatisfy { if case .stored = $0 { true } else { false } })
        let runs = try await store.runs(ofJob: id)
        #expect(runs.count == 1)
        #expect(runs[0].outcome == .completed)
        #expect(runs[0].duration == 600)
        #expect(runs[0].sizeBytes == 5_000)
        let heartbeats = try await store.heartbeats(ofJob: id)
        #expect(heartbeats.map(\.report.status) == [.completed, .progress, .started])
        #expect(heartbeats.allSatisfy { $0.runRowID == runs[0].id })
        #expect(String(decoding: heartbeats[2].body, as: UTF8.self) == "{\"status\":\"started\"}")
        #expect(heartbeats[0].report.size == Measured(5_000, text: "5000 bytes"))
        #expect(heartbeats[0].userAgent == "curl/8.0")
        let activity = try await store.activity(ofJob: id)
        #expect(activity.lastStartAt == at(0))
        #expect(activity.lastGoodAt == at(10))
        #expect(activity.lastHeartbeatAt == at(10))
        #expect(activity.recentRuns == runs)
    }

    @Test(arguments: StoreKind.allCases) func duplicateDeliveryIDIsStoredOnceInABatchAndAcrossBatches(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let first = try await store.insert([
            beat(id, .completed, at: 0, delivery: "hb-1"),
            beat(id, .completed, at: 0, delivery: "hb-1"),
        ])
        #expect(first.count == 2)
        #expect(first[1] == .duplicate)
        let again = try await store.insert([beat(id, .completed, at: 1, delivery: "hb-1"), beat(id, .completed, at: 2, delivery: "hb-2")])
        #expect(again[0] == .duplicate)
        #expect(again[1] != .duplicate)
        #expect(try await store.heartbeats(ofJob: id).count == 2)
        #expect(try await store.runs(ofJob: id).count == 2)
    }

    @Test(arguments: StoreKind.allCases) func sameDeliveryIDForAnotherJobIsNotADuplicate(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let other = try await store.insert(job("web"))
        let outcomes = try await store.insert([beat(id, .completed, at: 0, delivery: "x"), beat(other, .completed, at: 0, delivery: "x")])
        #expect(!outcomes.contains(.duplicate))
        // A retry of an id stored for one job makes the same id of another job in its batch no duplicate.
        let third = try await store.insert(job("mail"))
        _ = try await store.insert([beat(id, .completed, at: 1, delivery: "y")])
        let next = try await store.insert([beat(id, .completed, at: 2, delivery: "y"), beat(third, .completed, at: 2, delivery: "y")])
        #expect(next.map { $0 == .duplicate } == [true, false])
        #expect(try await store.heartbeats(ofJob: third).count == 1)
    }

    /// Every column of a heartbeat and of the run it makes comes back as written (PostgreSQL binds each column of
    /// a batch as one typed array: a value of another type there would be read as garbage).
    @Test(arguments: StoreKind.allCases) func heartbeatAndRunRoundTripEveryField(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let started = beat(id, .started, at: 0, rid: "r-1")
        let sent = Heartbeat(
            jobID: id, receivedAt: at(1), eventAt: at(0.5),
            report: HeartbeatReport(
                status: .completed, statusText: "success", runID: "r-1", exitCode: 0, duration: Measured(61, text: "1m1s"),
                size: Measured(2_048, text: "2 KiB"), files: 12, hash: "abc", rate: Measured(33.5, text: "33.5 B/s"),
                ratio: Measured(0.5, text: "50%"), progress: 100, message: "done", output: "last lines", sentAt: at(0.5),
                fields: ["host": "db-1"], problems: ["size: odd"]),
            deliveryID: "d-1", body: Array("{\"status\":\"success\"}".utf8), truncatedBytes: 3, contentType: "application/json",
            method: "PUT", source: "10.0.0.5", userAgent: "curl/8.0")
        var halfway = beat(id, .progress, at: 0.2, rid: "r-1")
        halfway.report.progress = 40
        _ = try await store.insert([started, halfway])
        #expect(try await store.runs(ofJob: id).first?.progress == 40)
        _ = try await store.insert([sent])
        let stored = try await store.heartbeats(ofJob: id)
        #expect(stored.count == 3)
        var expected = sent
        expected.id = stored.first?.id
        expected.runRowID = stored.first?.runRowID
        #expect(stored.first == expected)
        let run = try #require(try await store.runs(ofJob: id).first)
        #expect(stored.first?.runRowID == run.id && stored.last?.runRowID == run.id)
        #expect(run.clientRunID == "r-1" && run.outcome == .completed && run.exitCode == 0 && run.files == 12)
        #expect(run.sizeBytes == 2_048 && run.reportedDuration == 61 && run.message == "done" && run.heartbeatCount == 3, "\(run)")
        #expect(run.startedAt == at(0) && run.endedAt == at(0.5) && run.lastStatus == .completed)
        #expect(try await store.loadBoard(at: at(2)).jobsWithActivity.first?.activity.recentRuns == [run])
    }

    @Test(arguments: StoreKind.allCases) func heartbeatForARemovedJobIsUnknown(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let outcomes = try await store.insert([beat(id, .completed, at: 0), beat(999, .completed, at: 0)])
        #expect(outcomes[1] == .unknownJob)
        #expect(try await store.heartbeats(ofJob: id).count == 1)
    }

    @Test(arguments: StoreKind.allCases) func secondStartedAbandonsTheFirst(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        _ = try await store.insert([beat(id, .started, at: 0)])
        _ = try await store.insert([beat(id, .started, at: 60), beat(id, .completed, at: 70)])
        #expect(try await store.runs(ofJob: id).map(\.outcome) == [.completed, .abandoned])
    }

    @Test(arguments: StoreKind.allCases) func completedWithNoOpenRunIsARunWithoutAStart(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        _ = try await store.insert([beat(id, .completed, at: 5)])
        let run = try #require(try await store.runs(ofJob: id).first)
        #expect(run.startedAt == nil)
        #expect(run.outcome == .completed)
    }

    @Test(arguments: StoreKind.allCases) func verifiedAfterCompletionAttachesAcrossBatches(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        _ = try await store.insert([beat(id, .started, at: 0), beat(id, .completed, at: 10)])
        let outcomes = try await store.insert([beat(id, .verified, at: 20)])
        let runs = try await store.runs(ofJob: id)
        #expect(runs.count == 1)
        #expect(runs[0].verification == .passed)
        if case .stored(let heartbeatID) = outcomes[0] {
            #expect(try await store.heartbeats(ofJob: id).first { $0.id == heartbeatID }?.runRowID == runs[0].id)
        } else {
            Issue.record("verified heartbeat was not stored")
        }
    }

    @Test(arguments: StoreKind.allCases) func verificationFailureFarFromTheWindowStillFindsTheRun(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        var batch = [beat(id, .completed, at: 0)]
        for index in 1...35 { batch.append(beat(id, .failed, at: Double(index))) }
        _ = try await store.insert(batch)
        _ = try await store.insert([beat(id, .verificationFailed, at: 100)])
        let runs = try await store.runs(ofJob: id, limit: 100)
        #expect(runs.count == 36)
        #expect(runs.last?.verification == .failed)
        #expect(try await store.activity(ofJob: id).lastGoodAt == nil)
    }

    @Test(arguments: StoreKind.allCases) func runIDsPairConcurrentRuns(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        _ = try await store.insert([beat(id, .started, at: 0, rid: "a"), beat(id, .started, at: 1, rid: "b")])
        _ = try await store.insert([beat(id, .completed, at: 5, rid: "a")])
        _ = try await store.insert([beat(id, .failed, at: 6, rid: "b")])
        let runs = try await store.runs(ofJob: id)
        #expect(runs.map(\.clientRunID) == ["b", "a"])
        #expect(runs.map(\.outcome) == [.failed, .completed])
    }

    @Test(arguments: StoreKind.allCases) func testPingIsNeverARun(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let outcomes = try await store.insert([beat(id, .test, at: 0), beat(id, .completed, at: 1, isTest: true)])
        #expect(outcomes.count == 2)
        #expect(try await store.runs(ofJob: id).isEmpty)
        #expect(try await store.heartbeats(ofJob: id).count == 2)
        #expect(try await store.activity(ofJob: id).lastHeartbeatAt == at(1))
    }

    @Test(arguments: StoreKind.allCases) func detailReadsPageNewestFirst(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        _ = try await store.insert((0..<12).map { beat(id, .completed, at: Double($0)) })
        let first = try await store.runs(ofJob: id, limit: 5)
        #expect(first.map(\.endedAt) == (7...11).reversed().map { at(Double($0)) })
        let second = try await store.runs(ofJob: id, limit: 5, before: first.last)
        #expect(second.map(\.endedAt) == (2...6).reversed().map { at(Double($0)) })
        let beats = try await store.heartbeats(ofJob: id, limit: 5)
        let more = try await store.heartbeats(ofJob: id, limit: 10, beforeID: beats.last?.id)
        #expect(beats.count == 5)
        #expect(more.count == 7)
        #expect(Set(beats.map(\.id)).isDisjoint(with: more.map(\.id)))
    }
}

@Suite struct StoreBoardTests {
    @Test(arguments: StoreKind.allCases) func loadBoardReturnsTheLastThirtyRunsAndEverythingElse(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let web = try await store.insert(job("web"))
        var batch: [Heartbeat] = []
        for index in 0..<40 {
            batch.append(beat(id, .started, at: Double(index * 10)))
            batch.append(beat(id, .completed, at: Double(index * 10 + 5), problems: index == 39 ? ["size: not a number"] : []))
        }
        _ = try await store.insert(batch)
        _ = try await store.open(Alert(kind: .delayed, severity: .info, jobID: web, message: "late", openedAt: at(1)))
        try await store.add(Mute(scope: .tag("db"), until: at(1_000), createdBy: "ann", reason: "migration", createdAt: at(0)))
        try await store.add(Mute(scope: .fleet, until: at(-1), createdBy: "bob", reason: "past", createdAt: at(-10)))
        try await store.recordUnknownKey("typo-key-123", source: "10.1.1.1", userAgent: "curl/7", at: at(3))
        try await store.recordUnknownKey("typo-key-123", source: "10.1.1.2", userAgent: "curl/8", at: at(4))
        try await store.setEvaluatorLastTick(at(400))

        let board = try await store.loadBoard(at: at(500))
        #expect(board.entries.map(\.job.slug) == ["db-prod", "web"])
        let activity = board.entries[0].activity
        #expect(activity.recentRuns.count == 30)
        #expect(activity.recentRuns.first?.startedAt == at(100))
        #expect(activity.recentRuns.last?.endedAt == at(395))
        #expect(activity.lastProblems == ["size: not a number"])
        #expect(activity.recentRuns == Array(try await store.runs(ofJob: id, limit: 30).reversed()))
        #expect(board.entries[1].activity == JobActivity(jobID: web))
        #expect(board.openAlerts.map(\.message) == ["late"])
        #expect(board.activeMutes.map(\.scope) == [.tag("db")])
        #expect(board.unknownKeys == [
            UnknownKey(keyPrefix: "typo-k", count: 2, lastSource: "10.1.1.2", lastUserAgent: "curl/8", firstSeenAt: at(3), lastSeenAt: at(4)),
        ])
        #expect(board.evaluatorLastTick == at(400))
        #expect(board.dataVersion == (try await store.dataVersion()))
    }

    @Test(arguments: StoreKind.allCases) func everyWriteBumpsTheDataVersion(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let before = try await store.dataVersion()
        _ = try await store.insert([beat(id, .completed, at: 0)])
        let afterInsert = try await store.dataVersion()
        #expect(afterInsert == before + 1)
        try await store.pause(slug: "db-prod")
        #expect(try await store.dataVersion() == afterInsert + 1)
        #expect(try await store.dataVersion() == afterInsert + 1)
    }

    @Test(arguments: StoreKind.allCases) func anEvaluatorTickThatChangesNothingKeepsTheDataVersionButIsRead(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let board = try await store.loadBoard(at: at(0))
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(1), notifying: nil)
        #expect(try await store.dataVersion() == board.dataVersion)
        let updated = try await store.loadBoard(at: at(1), updating: board)
        #expect(updated.dataVersion == board.dataVersion && updated.evaluatorLastTick == at(1))
        // A tick that records something moves it.
        try await store.recordEvaluation(
            transitions: [StateTransition(jobID: id, at: at(2), from: nil, to: .overdue)], alertChanges: AlertChanges(),
            tick: at(2), notifying: nil)
        #expect(try await store.dataVersion() == board.dataVersion + 1)
    }

    /// A round of many changes at once (PostgreSQL writes each kind of change in one statement): the opened
    /// alerts come back in their order with their stored ids; one already open for its kind and job, or of a job
    /// removed meanwhile, is not stored; escalations and resolutions change only alerts still open; the latest
    /// transition of a job is its evaluated state, and a removed job's are dropped.
    @Test(arguments: StoreKind.allCases) func aRoundOfManyChangesIsWrittenTogether(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let other = try await store.insert(job("files-nas"))
        let removed = try await store.insert(job("old-box"))
        func alert(_ kind: AlertKind, _ job: Int64?, _ message: String, _ minute: Double, resolved: Double? = nil) -> Alert {
            Alert(kind: kind, severity: kind.defaultSeverity, jobID: job, message: message, openedAt: at(minute),
                  resolvedAt: resolved.map(at))
        }
        var failed = alert(.failed, id, "failed once", 0)
        failed.id = try await store.record(failed)
        var late = alert(.delayed, other, "late", 0)
        late.id = try await store.record(late)
        var anomaly = alert(.sizeAnomaly, other, "small", 0)
        anomaly.id = try await store.record(anomaly)
        var old = alert(.flaky, id, "flaky last week", 0, resolved: 0.5)
        old.id = try await store.record(old)
        try await store.removeJob(slug: "old-box")

        var escalated = late
        escalated.severity = .critical
        escalated.message = "late by a day"
        var resolved = anomaly
        resolved.resolvedAt = at(2)
        var reopened = old
        reopened.severity = .emergency
        reopened.resolvedAt = at(2)
        let opened = [
            alert(.failed, id, "failed again", 2),
            alert(.monitorOutage, nil, "monitor was down", 1, resolved: 2),
            alert(.rpoBreach, id, "no good copy for 2 days", 2),
            alert(.failed, removed, "failed", 2),
            alert(.chainBroken, other, "chain broken", 2),
            alert(.monitorOutage, nil, "monitor was down", 1, resolved: 2),
        ]
        let stored = try await store.recordEvaluation(
            transitions: [
                StateTransition(jobID: id, at: at(1), from: .up, to: .late),
                StateTransition(jobID: removed, at: at(1), from: nil, to: .late),
                StateTransition(jobID: id, at: at(2), from: .late, to: .overdue),
            ],
            alertChanges: AlertChanges(opened: opened, updated: [escalated, reopened], resolved: [resolved, reopened]),
            tick: at(2), notifying: nil)

        #expect(stored.map(\.message) == ["monitor was down", "no good copy for 2 days", "chain broken", "monitor was down"])
        #expect(Set(stored.compactMap(\.id)).count == 4)
        for alert in stored {
            let id = try #require(alert.id)
            #expect(try await store.alert(id: id) == alert)
        }
        let open = try await store.openAlerts()
        #expect(Set(open.map(\.message)) == ["failed once", "late by a day", "no good copy for 2 days", "chain broken"])
        #expect(open.first { $0.id == late.id }?.severity == .critical)
        #expect(try await store.alert(id: anomaly.id!)?.resolvedAt == at(2))
        #expect(try await store.alert(id: old.id!) == old)
        let states = try await store.evaluatedStates()
        #expect(states == [id: EvaluatedState(state: .overdue, since: at(2))])
    }

    @Test(arguments: StoreKind.allCases) func loadingWhatChangedGivesTheSameBoardAsAFullLoad(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let other = try await store.insert(job("files-nas", tags: ["nas"]))
        var board = try await store.loadBoard(at: at(0))
        let writes: [(String, () async throws -> Void)] = [
            ("a heartbeat", { _ = try await store.insert([beat(id, .started, at: 1)]) }),
            ("a new job", { _ = try await store.insert(job("aa-first")) }),
            ("an alert", { _ = try await store.open(Alert(kind: .failed, severity: .critical, jobID: other, message: "x", openedAt: at(2))) }),
            ("a mute", { _ = try await store.add(Mute(scope: .tag("db"), until: at(60), createdBy: "me", reason: "r", createdAt: at(2))) }),
            ("a removal", { try await store.removeJob(slug: "files-nas") }),
            ("a pause", { try await store.pause(slug: "aa-first") }),
            ("a notification", {
                _ = try await store.enqueue(OutboxMessage(eventID: "alert-1-opened", channel: "slack", payload: [], createdAt: at(2)))
            }),
            ("nothing", {}),
        ]
        for (what, write) in writes {
            try await write()
            let updated = try await store.loadBoard(at: at(3), updating: board)
            #expect(updated == (try await store.loadBoard(at: at(3))), "after \(what)")
            board = updated
        }
        #expect(board.outboxBacklog == [OutboxBacklog(channel: "slack", pending: 1, oldestSince: at(2), lastError: nil)])
        // A mute that ended is dropped even when nothing was written.
        #expect(try await store.loadBoard(at: at(61), updating: board).activeMutes.isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func alertsOpenOnceAndAreAcknowledgedAndResolved(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let alert = Alert(kind: .failed, severity: .critical, jobID: id, message: "exit 2", openedAt: at(0))
        guard case .opened(let opened) = try await store.open(alert) else {
            Issue.record("first alert was not opened")
            return
        }
        #expect(try await store.open(alert) == .alreadyOpen(opened))
        let fleet = try await store.open(Alert(kind: .fleet, severity: .critical, jobID: nil, message: "fleet", openedAt: at(1)))
        #expect(try await store.open(Alert(kind: .fleet, severity: .critical, jobID: nil, message: "again", openedAt: at(2))) == .alreadyOpen(fleet.alert))
        try await store.acknowledgeAlert(id: opened.id!, by: "ann", note: "looking", at: at(3))
        let acknowledged = try #require(try await store.openAlerts().first { $0.id == opened.id })
        #expect(acknowledged.acknowledgedBy == "ann")
        #expect(acknowledged.acknowledgementNote == "looking")
        #expect(acknowledged.acknowledgedAt == at(3))
        try await store.resolveAlert(id: opened.id!, at: at(4))
        #expect(try await store.openAlerts().map(\.kind) == [.fleet])
        if case .opened(let reopened) = try await store.open(alert) {
            #expect(reopened.id != opened.id)
        } else {
            Issue.record("a resolved alert blocked a new one")
        }
        await #expect(throws: BoardError.self) { try await store.resolveAlert(id: 9_999, at: at(5)) }
    }

    @Test(arguments: StoreKind.allCases) func mutesAreAddedAndRemovedByScope(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        try await store.add(Mute(scope: .job("db"), until: at(60), createdBy: "ann", reason: "r", createdAt: at(0)))
        try await store.add(Mute(scope: .job("db"), until: at(90), createdBy: "ann", reason: "r2", createdAt: at(0)))
        try await store.add(Mute(scope: .fleet, until: at(30), createdBy: "bob", reason: "r3", createdAt: at(0)))
        #expect(try await store.activeMutes(at: at(45)).map(\.reason) == ["r", "r2"])
        #expect(try await store.removeMutes(scope: .job("db")) == 2)
        #expect(try await store.activeMutes(at: at(10)).map(\.scope) == [.fleet])
    }

    @Test(arguments: StoreKind.allCases) func outboxEnqueuesOncePerEventAndChannel(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let message = OutboxMessage(eventID: "alert-1-opened", channel: "slack", payload: Array("{}".utf8), createdAt: at(0))
        #expect(try await store.enqueue(message))
        #expect(try await !store.enqueue(message))
        let due = try await store.dueNotifications(at: at(1))
        #expect(due.count == 1)
        try await store.recordAttempts([OutboxAttempt(id: due[0].id!, error: "503", retryAt: at(5))], at: at(1), claimedBy: nil)
        #expect(try await store.dueNotifications(at: at(2)).isEmpty)
        #expect(try await store.dueNotifications(at: at(5)).first?.attempts == 1)
        try await store.recordAttempts([OutboxAttempt(id: due[0].id!)], at: at(6), claimedBy: nil)
        #expect(try await store.dueNotifications(at: at(10)).isEmpty)
        #expect(try await store.outboxHealth().first?.pending == 0)
    }
}

@Suite struct StoreRetentionTests {
    @Test(arguments: StoreKind.allCases) func pruneKeepsTheLastTenGoodRunsAndWhatOpenAlertsNeed(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let quiet = try await store.insert(job("quiet"))
        let alerted = try await store.insert(job("alerted"))
        let day = 1_440.0
        // 15 good runs 500 days ago for `quiet`, then failures; big bodies 20 days ago.
        var batch: [Heartbeat] = []
        for index in 0..<15 { batch.append(beat(quiet, .completed, at: -500 * day + Double(index))) }
        for index in 0..<5 { batch.append(beat(quiet, .failed, at: -450 * day + Double(index))) }
        batch.append(beat(quiet, .failed, at: -20 * day, body: String(repeating: "x", count: 10_000)))
        // `alerted`: an old failure with an alert still open, plus older history before it.
        batch.append(beat(alerted, .failed, at: -600 * day))
        batch.append(beat(alerted, .failed, at: -500 * day, body: String(repeating: "y", count: 9_000)))
        _ = try await store.insert(batch)
        _ = try await store.open(Alert(kind: .failed, severity: .critical, jobID: alerted, message: "old", openedAt: at(-500 * day + 1)))

        let report = try await store.prune(now: at(0), policy: RetentionPolicy(batchSize: 3))
        // Left: the 20-day-old failure (recent) and the 10 latest good runs, all 500 days old.
        let quietRuns = try await store.runs(ofJob: quiet, limit: 100)
        #expect(quietRuns.count == 11)
        #expect(quietRuns.first?.endedAt == at(-20 * day))
        #expect(quietRuns.dropFirst().allSatisfy { $0.outcome == .completed })
        #expect(quietRuns.dropFirst().map(\.endedAt) == (5..<15).reversed().map { at(-500 * day + Double($0)) })
        let alertedRuns = try await store.runs(ofJob: alerted, limit: 100)
        #expect(alertedRuns.map(\.endedAt) == [at(-500 * day)])
        #expect(report.runsDeleted == 10 + 1)
        // Nothing reads the file meanwhile: SQLite truncates its WAL; PostgreSQL leaves the space to autovacuum.
        #expect(report.reclaim == (kind == .postgres ? .autovacuum : .walTruncated), "\(report)")
        // Heartbeats: the 10 kept good runs' heartbeats stay, the rest older than 90 days go.
        let quietBeats = try await store.heartbeats(ofJob: quiet, limit: 100)
        #expect(quietBeats.count == 11)
        let recent = try #require(quietBeats.first)
        #expect(recent.body.count == 4_096)
        #expect(recent.truncatedBytes == 10_000 - 4_096)
        let alertedBeats = try await store.heartbeats(ofJob: alerted, limit: 100)
        #expect(alertedBeats.count == 1)
        #expect(alertedBeats[0].body.count == 9_000)
        #expect(report.heartbeatsDeleted == 5 + 5 + 1)
        #expect(report.bodiesTrimmed == 1)
        #expect(report.batches >= 5)
        // The board's state rows are untouched.
        #expect(try await store.activity(ofJob: quiet).recentRuns.count == 21)
    }

    @Test(arguments: StoreKind.allCases) func pruneForgetsOldUnknownKeysAndDeliveredNotifications(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        try await store.recordUnknownKey("old", source: nil, userAgent: nil, at: at(-60 * 1_440))
        try await store.recordUnknownKey("new", source: nil, userAgent: nil, at: at(-1))
        let message = OutboxMessage(eventID: "e", channel: "c", payload: [], createdAt: at(-50 * 1_440))
        try await store.enqueue(message)
        let id = try #require(try await store.dueNotifications(at: at(0)).first?.id)
        try await store.recordAttempts([OutboxAttempt(id: id)], at: at(-40 * 1_440), claimedBy: nil)
        let report = try await store.prune(now: at(0))
        #expect(report.unknownKeysDeleted == 1)
        #expect(report.outboxDeleted == 1)
        #expect(try await store.unknownKeys().map(\.keyPrefix) == ["new"])
    }

    @Test(arguments: StoreKind.allCases) func unknownKeysAreBoundedInRowsAndBytes(_ kind: StoreKind) async throws {
        // The hardening issue: 20,000 distinct unknown keys with 2 KB user agents grew the database by 95 MB.
        let store = try await StoreUnderTest.make(kind)
        let agent = String(repeating: "A", count: 2_048)
        for index in 0..<1_200 {
            try await store.recordUnknownKey("flood-\(index)-key", source: String(repeating: "9", count: 300), userAgent: agent, at: at(Double(index)))
        }
        let kept = try await store.unknownKeys(limit: 5_000)
        #expect(kept.count == 1_000)
        #expect(kept.first?.lastSeenAt == at(1_199) && kept.last?.lastSeenAt == at(200)) // the oldest went
        #expect(kept.allSatisfy { $0.lastUserAgent?.count == 200 && $0.lastSource?.count == 64 })
    }

    @Test(arguments: StoreKind.allCases) func pruneDropsStateTransitionsAsOldAsOldRuns(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        try await store.recordEvaluation(
            transitions: [
                StateTransition(jobID: id, at: at(-500 * 1_440), from: nil, to: .new),
                StateTransition(jobID: id, at: at(-10), from: .new, to: .late),
            ],
            alertChanges: AlertChanges(), tick: at(0))
        let report = try await store.prune(now: at(0))
        #expect(report.transitionsDeleted == 1)
        #expect(try await store.transitions(ofJob: id).map(\.to) == [.late])
    }
}

@Suite struct StoreFileTests {
    @Test func serveRefusesADatabaseThatFailsTheIntegrityCheck() async throws {
        // The hardening issue: serve started on, and answered 200 into, a file that failed PRAGMA integrity_check.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/board.sqlite"
        do {
            let store = try BoardStore(path: path)
            for index in 0..<300 {
                var big = job("job-\(index)")
                big.description = String(repeating: "d", count: 200)
                _ = try await store.insert(big)
            }
        }
        _ = try BoardStore(servingAt: path) // whole: it opens, and the lock goes with the store
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 3_000))
        try handle.close()

        #expect {
            _ = try BoardStore(servingAt: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("fails SQLite's integrity check") && text.contains("sqlite3 \(path) .recover")
        }
    }

    @Test func fileStoreUsesWALWithFullSyncAndABusyTimeout() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/nested/dir/board.sqlite"
        do {
            let store = try BoardStore(path: path)
            #expect(try await store.journalMode() == "wal")
            #expect(try await store.synchronousLevel() == 2)
            #expect(try await store.busyTimeout() == 5_000)
            _ = try await store.insert(job("db"))
        }
        let reopened = try BoardStore(path: path)
        #expect(try await reopened.jobs().map(\.slug) == ["db"])
        #expect(try await reopened.synchronousLevel() == 2)
        let reader = try BoardStore(path: path, readOnly: true)
        #expect(try await reader.loadBoard().entries.count == 1)
        await #expect {
            try await reader.pause(slug: "db")
        } throws: { error in
            (error as? BoardError).map { "\($0)".hasPrefix("Cannot use database at \(path):") } ?? false
        }
    }

    @Test func missingDatabaseIsAnErrorWhenReadOnly() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/board.sqlite"
        #expect(throws: BoardError.database(
            path: path, reason: "no database here yet (add jobs with `backupboard jobs add` or `backupboard jobs apply FILE`, or start `backupboard serve`; `backupboard demo` writes a separate demo database)")) {
            try BoardStore(path: path, readOnly: true)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func corruptFileIsNotADatabase() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/board.sqlite"
        try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: path))
        #expect(throws: BoardError.database(path: path, reason: "file is not a database")) {
            try BoardStore(path: path)
        }
        #expect(throws: BoardError.database(path: path, reason: "file is not a database")) {
            try BoardStore(path: path, readOnly: true)
        }
    }

    @Test func unwritableFolderIsReportedInOneSentence() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A regular file where a folder should be: even root cannot create the database under it.
        let blocker = folder + "/not-a-folder"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let path = blocker + "/sub/board.sqlite"
        #expect {
            try BoardStore(path: path)
        } throws: { error in
            guard let error = error as? BoardError, case .database(let errorPath, let reason) = error else { return false }
            return errorPath == path && reason.hasPrefix("cannot create the folder")
                && !"\(error)".contains("\n")
        }
    }

    @Test func folderInsteadOfAFileIsReported() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: BoardError.database(path: folder, reason: "this is a folder, not a database file")) {
            try BoardStore(path: folder)
        }
    }

    /// SQLite's BUSY (after the 5 s busy timeout) reads as "database is locked", path first, and is a `busy`
    /// error: ingest tries its batch again (the words alone once failed to say so).
    @Test func busyErrorReadsAsLocked() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/board.sqlite"
        let store = try BoardStore(path: path)
        let id = try await store.insert(job("db"))
        #expect(BoardStore.reason(for: .init(resultCode: .SQLITE_BUSY)) == "database is locked (another process kept it busy for more than 5 s)")
        #expect("\(BoardError.database(path: path, reason: "database is locked"))" == "Cannot use database at \(path): database is locked")
        let busy = BoardStore.sqliteError(.init(resultCode: .SQLITE_BUSY), path: path)
        #expect(busy == .busy(path: path, reason: "database is locked (another process kept it busy for more than 5 s)"))
        #expect(BoardStore.sqliteError(.init(resultCode: .SQLITE_FULL), path: path) == .database(path: path, reason: "disk is full"))
        _ = try await store.insert([beat(id, .completed, at: 0)])
    }
}

/// Plans carried out with their audit entries, on both stores: what `jobs apply`, the commands and the jobs
/// API write.
@Suite struct StoreJobAuditTests {
    @Test(arguments: StoreKind.allCases) func aPlanIsWrittenWithItsAuditEntriesInOneTransaction(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        try await store.apply(
            JobsPlan(creates: [job("db-prod"), job("files", key: "key-files")]), maintenanceWindows: nil,
            by: "alice (admin token #1)", at: at(1))
        let created = try #require(try await store.job(slug: "db-prod"))
        var changed = created
        changed.grace = 7200
        changed.paused = true
        try await store.apply(JobsPlan(updates: [(created, changed)]), maintenanceWindows: nil, by: "bob@host", at: at(2))
        #expect(try await store.job(slug: "db-prod")?.paused == true)
        let files = try #require(try await store.job(slug: "files"))
        try await store.apply(JobsPlan(removes: [files]), maintenanceWindows: nil, by: "carol", at: at(3))
        #expect(try await store.jobs().map(\.slug) == ["db-prod"])

        let trail = try await store.auditTrail(slug: nil, limit: 10)
        #expect(trail.map(\.slug) == ["files", "db-prod", "files", "db-prod"])
        #expect(trail.map(\.action) == [.remove, .update, .create, .create])
        #expect(trail[1].change == "grace: 1h → 2h, paused: false → true")
        #expect(trail[1].actor == "bob@host")
        #expect(trail[1].at == at(2))
        #expect(trail[3].change == "every 1d")
        #expect(trail[3].actor == "alice (admin token #1)")
        #expect(try await store.auditTrail(slug: "db-prod", limit: 1).map(\.action) == [.update])

        // A plan that fails writes neither its jobs nor its audit entries.
        await #expect(throws: BoardError.duplicateJob("db-prod")) {
            try await store.apply(JobsPlan(creates: [job("new-one"), job("db-prod", key: "other-key")]),
                                  maintenanceWindows: nil, by: "dave", at: at(4))
        }
        #expect(try await store.job(slug: "new-one") == nil)
        #expect(try await store.auditTrail(slug: nil, limit: 10).count == 4)
    }

    @Test(arguments: StoreKind.allCases) func aNewKeyIsAuditedWithoutTheKey(_ kind: StoreKind) async throws {
        let (store, id) = try await storeWithJob(kind)
        let current = try #require(try await store.job(id: id))
        var rotated = current
        rotated.pingKey = "rotated-key-0123456789"
        try await store.apply(JobsPlan(updates: [(current, rotated)]), maintenanceWindows: nil, by: "ops", at: at(1))
        #expect(try await store.job(forKey: "rotated-key-0123456789")?.id == id)
        let entry = try #require(try await store.auditTrail(slug: "db-prod", limit: 1).first)
        #expect(entry.change == "key: (secret) → (new secret)")
        #expect(!entry.change.contains("rotated-key"))
    }

    @Test(arguments: StoreKind.allCases) func maintenanceWindowsAreLeftAloneWhenThePlanHasNone(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let window = MaintenanceWindow(
            name: "patching", days: [.sunday], startMinute: 60, endMinute: 180, timeZone: TimeZone(identifier: "UTC")!,
            jobs: ["*"], tags: [])
        try await store.apply(JobsPlan(creates: [job("db-prod")]), maintenanceWindows: [window], by: "ops", at: at(1))
        try await store.apply(JobsPlan(creates: [job("files", key: "key-files")]), maintenanceWindows: nil, by: "ops", at: at(2))
        #expect(try await store.maintenanceWindows() == [window])
        try await store.apply(JobsPlan(), maintenanceWindows: [], by: "ops", at: at(3))
        #expect(try await store.maintenanceWindows().isEmpty)
    }
}
