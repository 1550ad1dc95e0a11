import BoardModel
import Foundation
import Synchronization
import Testing
@testable import BackupBoard

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

    @Test func aFailingSourceIsAskedLessOftenUntilItAnswers() throws {
        let source = FlakySource()
        // Polling every 50 ms: without backoff, 1.5 s would be about 30 loads.
        let feed = BoardFeed(source: source, who: "tester", interval: 0.05)
        defer { feed.stop() }
        Thread.sleep(forTimeInterval: 1.5)
        #expect(source.loads.withLock { $0 } <= 2)
        let failure = try #require(feed.take()?.failure)
        #expect(failure == "Cannot reach the server at http://127.0.0.1:9. (next try in 2 s)")

        // The server is back: a reload (the `r` key) does not wait for the backoff, and polling resumes.
        source.failing.withLock { $0 = false }
        feed.reload()
        var update: BoardFeed.Update?
        for _ in 0..<100 where update?.load == nil {
            Thread.sleep(forTimeInterval: 0.02)
            update = feed.take()
        }
        #expect(update?.load?.snapshot.dataVersion == 7)
        #expect(update?.failure == nil)
        let before = source.loads.withLock { $0 }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(source.loads.withLock { $0 } > before + 3)
    }
}
