import Foundation
import Synchronization
import Testing
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
@testable import BoardModel

/// Monday 2026-06-01 00:00 UTC; jobs run every 6 hours with 1 hour of grace.
private let base = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!
private func at(_ hours: Double) -> Date { base.addingTimeInterval(hours * 3_600) }

private func job(_ slug: String, maxRuntime: TimeInterval? = nil) -> Job {
    Job(slug: slug, pingKey: "key-\(slug)", schedule: .interval(6 * 3_600), grace: 3_600, maxRuntime: maxRuntime,
        createdAt: base)
}

private func beat(_ jobID: Int64, _ status: HeartbeatStatus, at hours: Double, exitCode: Int? = nil) -> Heartbeat {
    Heartbeat(jobID: jobID, receivedAt: at(hours), report: HeartbeatReport(status: status, exitCode: exitCode))
}

/// A fresh in-memory store with jobs, and an evaluator on it. The interval defaults to a day, so that tests
/// may tick hours apart without the gaps counting as outages of the monitor.
private func setUp(
    _ jobs: [Job] = [job("pg-prod-main")], interval: Duration = .seconds(86_400)
) async throws -> (BoardStore, Evaluator, [Int64]) {
    let store = try BoardStore.inMemory()
    var ids: [Int64] = []
    for job in jobs { ids.append(try await store.insert(job)) }
    return (store, Evaluator(store: store, interval: interval, logger: quietLogger), ids)
}

@Suite struct EvaluatorTickTests {
    @Test func silentJobBecomesLateThenOverdueWithItsTransitionsRecorded() async throws {
        let (store, evaluator, ids) = try await setUp()
        let id = ids[0]
        var report = try await evaluator.tick(at: at(5))
        #expect(report.transitions == [StateTransition(jobID: id, at: at(5), from: nil, to: .new)])
        #expect(try await store.evaluatorLastTick() == at(5))
        let watched = try await store.versionAndLastTick()
        #expect(watched.dataVersion == (try await store.dataVersion()) && watched.evaluatorLastTick == at(5))
        // Ticks every 10 s around the slot (06:00) and the deadline (07:00): no heartbeat arrives.
        report = try await evaluator.tick(at: at(6).addingTimeInterval(5))
        #expect(report.transitions == [StateTransition(jobID: id, at: at(6), from: .new, to: .late)])
        #expect(report.opened.isEmpty)
        try await evaluator.tick(at: at(6).addingTimeInterval(15))
        report = try await evaluator.tick(at: at(7).addingTimeInterval(3))
        #expect(report.transitions == [StateTransition(jobID: id, at: at(7), from: .late, to: .overdue)])
        #expect(report.opened.map(\.kind) == [.delayed])
        #expect(report.opened.first?.id != nil)
        #expect(try await evaluator.tick(at: at(7).addingTimeInterval(13)).opened.isEmpty, "no duplicate")

        #expect(try await store.transitions(ofJob: id) == [
            StateTransition(jobID: id, at: at(7), from: .late, to: .overdue),
            StateTransition(jobID: id, at: at(6), from: .new, to: .late),
            StateTransition(jobID: id, at: at(5), from: nil, to: .new),
        ])
        #expect(try await store.lastEvaluatedStates() == [id: .overdue])
        #expect(try await store.evaluatedStates() == [id: EvaluatedState(state: .overdue, since: at(7))], "overdue since 07:00")
        #expect(try await store.transitions(ofJob: id, limit: 1).count == 1)

        // A further whole period later (13:00) the delayed alert turns critical, still one alert.
        let escalation = try await evaluator.tick(at: at(13).addingTimeInterval(1))
        #expect(escalation.updated.map(\.severity) == [.critical])
        let open = try await store.openAlerts()
        #expect(open.count == 1)
        #expect(open.first?.severity == .critical)
        #expect(open.first?.message.hasSuffix("1 further period missed") == true)
    }

    @Test func failedHeartbeatOpensOneAlertAcrossTicksAndSuccessResolvesIt() async throws {
        let (store, evaluator, ids) = try await setUp()
        let id = ids[0]
        try await evaluator.tick(at: at(1))
        _ = try await store.insert([beat(id, .started, at: 1.1), beat(id, .failed, at: 1.2, exitCode: 3)])
        let first = try await evaluator.tick(at: at(1.21))
        #expect(first.opened.map(\.kind) == [.failed])
        #expect(first.opened.first?.severity == .critical)
        #expect(first.transitions.map(\.to) == [.failed])
        #expect(first.transitions.first?.at == at(1.2), "failed since the run's end")
        for minute in 1...5 {
            let again = try await evaluator.tick(at: at(1.21).addingTimeInterval(Double(minute) * 10))
            #expect(again.opened.isEmpty && again.transitions.isEmpty)
        }
        #expect(try await store.openAlerts().count == 1)

        _ = try await store.insert([beat(id, .started, at: 2), beat(id, .completed, at: 2.5)])
        let fixed = try await evaluator.tick(at: at(2.51))
        #expect(fixed.resolved.map(\.kind) == [.failed])
        #expect(try await store.openAlerts().isEmpty)
        let log = try await store.recentAlerts()
        #expect(log.count == 1)
        #expect(log.first?.resolvedAt == at(2.51))
        #expect(log.first?.openedAt == at(1.21))

        // It fails again later: a new alert, not the old one reopened.
        _ = try await store.insert([beat(id, .started, at: 8), beat(id, .failed, at: 8.2)])
        let relapse = try await evaluator.tick(at: at(8.21))
        #expect(relapse.opened.map(\.kind) == [.failed])
        #expect(relapse.opened.first?.id != log.first?.id)
        #expect(try await store.recentAlerts().count == 2)
    }

    @Test func runningTooLongOpensAWarningAndTheEndResolvesIt() async throws {
        let (store, evaluator, ids) = try await setUp([job("files", maxRuntime: 7_200)])
        let id = ids[0]
        _ = try await store.insert([beat(id, .started, at: 1)])
        #expect(try await evaluator.tick(at: at(2.9)).opened.isEmpty)
        let long = try await evaluator.tick(at: at(3.01))
        #expect(long.opened.map(\.kind) == [.runningTooLong])
        #expect(long.opened.first?.severity == .warning)
        #expect(long.transitions == [StateTransition(jobID: id, at: at(3), from: .running, to: .runningTooLong)])
        _ = try await store.insert([beat(id, .completed, at: 3.5)])
        let done = try await evaluator.tick(at: at(3.51))
        #expect(done.resolved.map(\.kind) == [.runningTooLong])
        #expect(done.transitions.map(\.to) == [.up])
    }

    @Test func pausingResolvesTheJobsAlerts() async throws {
        let (store, evaluator, _) = try await setUp()
        try await evaluator.tick(at: at(7.5))
        #expect(try await store.openAlerts().map(\.kind) == [.delayed])
        try await store.pause(slug: "pg-prod-main")
        let paused = try await evaluator.tick(at: at(7.6))
        #expect(paused.resolved.map(\.kind) == [.delayed])
        #expect(paused.transitions.map(\.to) == [.paused])
        #expect(try await store.openAlerts().isEmpty)
    }

    @Test func monitorDownSixHoursJudgesNoSlotInsideAndRecordsOneOutage() async throws {
        let jobs = (1...10).map { job(String(format: "job-%02d", $0)) }
        let (store, evaluator, ids) = try await setUp(jobs, interval: .seconds(600))
        // Every job ran at 00:30 (due again 06:30, overdue from 07:30); the monitor's last tick is 02:00.
        for id in ids { _ = try await store.insert([beat(id, .started, at: 0.5), beat(id, .completed, at: 0.75)]) }
        try await evaluator.tick(at: at(2))

        let restart = try await evaluator.tick(at: at(8))
        #expect(restart.outage == DateInterval(start: at(2), end: at(8)))
        #expect(restart.opened.map(\.kind) == [.monitorOutage])
        #expect(restart.transitions.isEmpty)
        #expect(try await store.openAlerts().isEmpty, "the outage pages nobody")
        let log = try await store.recentAlerts()
        #expect(log.count == 1)
        #expect(log.first?.message == "monitor was down from 02:00 UTC to 08:00 UTC (6h); slots inside were not judged")
        #expect(log.first?.openedAt == at(2) && log.first?.resolvedAt == at(8) && log.first?.jobID == nil)
        #expect(try await store.monitorOutages() == [DateInterval(start: at(2), end: at(8))])
        #expect(try await store.loadBoard(at: at(8)).monitorOutages == [DateInterval(start: at(2), end: at(8))])

        // Ticks go on every 10 minutes; the outage is remembered, so the old slots stay unjudged. One job runs
        // after the outage; the other nine stay silent one period + grace after its end (15:00).
        _ = try await store.insert([beat(ids[0], .started, at: 10)])
        for tick in 1..<42 {
            let report = try await evaluator.tick(at: at(8 + Double(tick) / 6))
            #expect(report.opened.isEmpty && report.outage == nil)
        }
        let judged = try await evaluator.tick(at: at(15))
        let delayed = judged.opened.filter { $0.kind == .delayed }
        #expect(delayed.count == 9)
        #expect(delayed.allSatisfy { $0.jobID != ids[0] })
        // Nine of ten jobs silent after the outage is a fleet-wide problem: one fleet alert beside them.
        #expect(judged.opened.filter { $0.kind != .delayed }.map(\.kind) == [.fleet])
        #expect(try await store.openAlerts().count == 10)
    }

    @Test func aStoreThatCannotBeWrittenFailsTheTickAndWritesNothing() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaluator-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try BoardStore(path: folder + "/board.sqlite")
        _ = try await writer.insert(job("pg-prod-main"))
        let readOnly = try BoardStore(path: folder + "/board.sqlite", readOnly: true)
        let evaluator = Evaluator(store: readOnly, interval: .seconds(10), logger: quietLogger)
        await #expect(throws: BoardError.self) { try await evaluator.tick(at: at(8)) }
        #expect(try await writer.evaluatorLastTick() == nil)
        #expect(try await writer.openAlerts().isEmpty)
    }
}

@Suite struct EvaluatorLoopTests {
    /// Sleeps taken, shared with the loop.
    final class Recorder: Sendable {
        let sleeps = Mutex(0)
    }

    @Test func failingTicksAreLoggedAndRetriedUntilCancelled() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaluator-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try BoardStore(path: folder + "/board.sqlite")
        _ = try await writer.insert(job("pg-prod-main"))
        let readOnly = try BoardStore(path: folder + "/board.sqlite", readOnly: true)
        let recorder = Recorder()
        let log = LogRecorder()
        let evaluator = Evaluator(
            store: readOnly, interval: .seconds(10), logger: log.logger,
            clock: { at(8) },
            sleep: { _ in
                // The third sleep ends the loop as a cancelled Task.sleep would.
                let count = recorder.sleeps.withLock { $0 += 1; return $0 }
                if count == 3 { throw CancellationError() }
            })
        await evaluator.run()
        let lines = log.lines
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.level == .error })
        #expect(lines.allSatisfy { $0.message.hasPrefix("evaluator: tick failed (") && $0.message.contains("read-only") })
        #expect(lines.last?.message.contains("(3 in a row), trying again in 10s") == true)
    }

    @Test func loopTicksOncePerIntervalAndLogsNothingWhenWell() async throws {
        let store = try BoardStore.inMemory()
        _ = try await store.insert(job("pg-prod-main"))
        let recorder = Recorder()
        let log = LogRecorder()
        let evaluator = Evaluator(
            store: store, interval: .seconds(10), logger: log.logger,
            clock: { at(Double(recorder.sleeps.withLock { $0 }) / 360) },
            sleep: { interval in
                #expect(interval == .seconds(10))
                let count = recorder.sleeps.withLock { $0 += 1; return $0 }
                if count == 4 { throw CancellationError() }
            })
        await evaluator.run()
        #expect(try await store.evaluatorLastTick() == at(3.0 / 360))
        #expect(log.lines.isEmpty)
    }

    @Test func cancellingTheTaskEndsTheLoop() async throws {
        let store = try BoardStore.inMemory()
        let evaluator = Evaluator(store: store, interval: .milliseconds(1), logger: quietLogger)
        let task = Task { await evaluator.run() }
        while try await store.evaluatorLastTick() == nil { await Task.yield() }
        task.cancel()
        await task.value
    }
}

@Suite struct EvaluatorFlakyTests {
    /// One run every 6 hours from 00:00, ending with `completed` after `attempts[i]` attempts, as `run
    /// --attempts` reports it (a `progress` per retry, `attempts` on the end).
    private func runs(_ id: Int64, attempts: [Int]) -> [Heartbeat] {
        attempts.indices.flatMap { index -> [Heartbeat] in
            let start = Double(index) * 6
            var beats = [Heartbeat(jobID: id, receivedAt: at(start), report: HeartbeatReport(status: .started, runID: "r\(index)"))]
            for attempt in stride(from: 2, through: attempts[index], by: 1) {
                beats.append(Heartbeat(jobID: id, receivedAt: at(start + 0.1 * Double(attempt)), report: HeartbeatReport(
                    status: .progress, runID: "r\(index)", fields: ["attempt": "\(attempt)", "attempt_exit_code": "1"])))
            }
            beats.append(Heartbeat(jobID: id, receivedAt: at(start + 0.5), report: HeartbeatReport(
                status: .completed, runID: "r\(index)", exitCode: 0, fields: ["attempts": "\(attempts[index])"])))
            return beats
        }
    }

    @Test func aJobRetriedInThreeOfItsLastTenRunsIsFlakyUntilItSettles() async throws {
        let (store, evaluator, ids) = try await setUp()
        let id = ids[0]
        _ = try await store.insert(runs(id, attempts: [1, 2, 1, 1, 3, 1, 1, 1, 1]))
        #expect(try await evaluator.tick(at: at(48.6)).opened.isEmpty, "two retried runs")
        _ = try await store.insert(Array(runs(id, attempts: [1, 2, 1, 1, 3, 1, 1, 1, 1, 2]).suffix(3)))
        let flaky = try await evaluator.tick(at: at(54.6))
        #expect(flaky.opened.map(\.kind) == [.flaky])
        #expect(flaky.opened.first?.severity == .warning)
        #expect(flaky.opened.first?.message == "pg-prod-main needed a retry in 3 of its last 10 runs; the latest, 06:00 UTC, took 2 attempts")
        #expect(try await store.runs(ofJob: id, limit: 1).first?.attempts == 2)

        // Two clean runs later the retry at 06:00 on the first day has left the last ten: resolved.
        var later: [Heartbeat] = []
        for index in [10, 11] {
            later += [
                Heartbeat(jobID: id, receivedAt: at(Double(index) * 6), report: HeartbeatReport(status: .started, runID: "s\(index)")),
                Heartbeat(jobID: id, receivedAt: at(Double(index) * 6 + 0.5), report: HeartbeatReport(status: .completed, runID: "s\(index)", exitCode: 0)),
            ]
        }
        _ = try await store.insert(later)
        let settled = try await evaluator.tick(at: at(66.6))
        #expect(settled.resolved.map(\.kind) == [.flaky])
        #expect(try await store.openAlerts().isEmpty)
    }
}
