import BoardModel
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

/// The feed's polling against a source that fails: it backs off instead of hammering a dead server, says
/// why, and comes back as soon as the source answers.
@Suite struct BoardFeedTests {
    /// A source that fails until told otherwise, counting the loads asked of it.
    final class FlakySource: BoardSource {
        let failing = Mutex(true)
        let loads = Mutex(0)

        func load(after previous: BoardLoad?, at now: Date) throws -> BoardLoad? {
            loads.withLock { $0 += 1 }
            if failing.withLock({ $0 }) { throw BoardAPIClient.Failure(description: "Cannot reach the server at http://127.0.0.1:9.") }
            return BoardLoad(snapshot: BoardSnapshot(
                entries: [], openAlerts: [], activeMutes: [], unknownKeys: [], evaluatorLastTick: nil, dataVersion: 7))
        }

        func detail(jobID: Int64) throws -> JobDetail { JobDetail(jobID: jobID, runs: [], lastHeartbeat: nil) }
        func perform(_ effect: BoardEffect, who: String, at now: Date) throws -> String { "" }
    }

    @Test func aFailingSourceIsAskedLessOftenUntilItAnswers() async throws {
        let source = FlakySource()
        // Polling every 50 ms: without backoff, 1.5 s would be about 30 loads. A loaded machine only makes
        // it fewer.
        let feed = BoardFeed(source: source, who: "tester", interval: 0.05)
        defer { feed.stop() }
        let started = ContinuousClock.now
        // The first poll comes after 50 ms, or later while the rest of the suite keeps every thread busy.
        let firstPoll = ContinuousClock.now + .seconds(30)
        while source.loads.withLock({ $0 }) == 0 && ContinuousClock.now < firstPoll {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(1_500))
        // The feed posts a failure just after the load counted above throws; a busy machine may hold it back.
        var failure = feed.take()?.failure
        let posted = ContinuousClock.now + .seconds(30)
        while failure == nil && ContinuousClock.now < posted {
            try await Task.sleep(for: .milliseconds(20))
            failure = feed.take()?.failure
        }
        let failures = source.loads.withLock { $0 }
        try #require(failure != nil, "no failure was posted after \(failures) loads")
        // The k-th failure comes 2 + 4 + … + 2^(k-1) s after the first: on a busy machine, where the sleep
        // above took longer, a few more are fine; polling without backoff would be one every 50 ms.
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        #expect(failures >= 1 && failures <= Int(log2(elapsed + 2)) + 1, "\(failures) loads in \(elapsed) s")
        #expect(failure == "Cannot reach the server at http://127.0.0.1:9. (next try in \(min(30, 1 << failures)) s)")

        // The server is back: a reload (the `r` key) does not wait for the backoff, and polling resumes.
        source.failing.withLock { $0 = false }
        feed.reload()
        var update: BoardFeed.Update?
        let deadline = ContinuousClock.now + .seconds(30)
        while update?.load == nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            update = feed.take()
        }
        #expect(update?.load?.snapshot.dataVersion == 7)
        #expect(update?.failure == nil)
        // Polling resumed at its own pace: more loads come without another reload.
        let before = source.loads.withLock { $0 }
        while source.loads.withLock({ $0 }) <= before + 3 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(source.loads.withLock { $0 } > before + 3)
    }
}

/// The local board's detail reads the job's audit trail from the store, newest first.
@Suite struct LocalBoardDetailTests {
    @Test func theDetailCarriesTheLatestChanges() async throws {
        let store = try BoardStore.inMemory()
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let job = Job(slug: "db-prod", pingKey: "db-prod-key-0123456789", schedule: .interval(86_400), createdAt: created)
        try await store.apply(JobsPlan(creates: [job]), maintenanceWindows: nil, by: "ann@laptop", at: created)
        let stored = try #require(try await store.job(slug: "db-prod"))
        var paused = stored
        paused.paused = true
        try await store.apply(JobsPlan(updates: [(stored, paused)]), maintenanceWindows: nil, by: "bob", at: created.addingTimeInterval(60))
        let detail = try await LocalBoard(store: store).detail(jobID: try #require(stored.id))
        #expect(detail.changes.map { "\($0.action.rawValue) \($0.change) by \($0.actor)" } == [
            "update paused: false → true by bob", "create every 1d by ann@laptop",
        ])
    }
}
