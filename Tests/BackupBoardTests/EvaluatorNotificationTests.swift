import Foundation
import Testing
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
@testable import BoardModel

/// 2026-06-01 00:00 UTC; the job runs every 6 hours with 1 hour of grace.
private let base = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!
private func at(_ hours: Double) -> Date { base.addingTimeInterval(hours * 3_600) }

/// The evaluator with the real policy and a planner: each tick's alert changes become outbox rows.
@Suite struct EvaluatorNotificationTests {
    @Test func delayedIsPagedEscalatedAndResolvedThroughTheOutbox() async throws {
        let store = try BoardStore.inMemory()
        let id = try await store.insert(Job(slug: "pg", pingKey: "key-pg", schedule: .interval(6 * 3_600), grace: 3_600, createdAt: base))
        let planner = NotificationPlanner(routing: NotificationRouting(
            routes: [NotificationRoute(name: "late", events: ["delayed"], channels: ["pd"])], closingChannels: ["pd"]))
        let evaluator = Evaluator(store: store, interval: .seconds(86_400), notifications: planner, logger: quietLogger)
        try await evaluator.tick(at: at(5))
        let overdue = try await evaluator.tick(at: at(7).addingTimeInterval(3))
        let alert = try #require(overdue.opened.first?.id)
        try await evaluator.tick(at: at(13).addingTimeInterval(1))  // a further period missed: critical
        try await store.insert([
            Heartbeat(jobID: id, receivedAt: at(14), report: HeartbeatReport(status: .started)),
            Heartbeat(jobID: id, receivedAt: at(14.5), report: HeartbeatReport(status: .completed)),
        ])
        try await evaluator.tick(at: at(15))
        let rows = try await store.dueNotifications(at: at(16))
        #expect(rows.map(\.eventID) == ["alert-\(alert)-opened", "alert-\(alert)-escalated-critical", "alert-\(alert)-resolved"])
        #expect(try rows.map { try NotificationEvent.decode($0.payload).action } == [.trigger, .trigger, .resolve])
        #expect(Set(rows.map(\.channel)) == ["pd"])
    }
}
