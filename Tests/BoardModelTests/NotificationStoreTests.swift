import Foundation
import Testing
@testable import BoardModel
@testable import BoardSQLite

private let t0 = Date(timeIntervalSince1970: 1_700_000_000)
private func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

private let planner = NotificationPlanner(routing: NotificationRouting(
    routes: [NotificationRoute(name: "failures", events: ["failed", "resolved"], channels: ["slack"])]))

@Suite struct NotificationStoreTests {
    private func store(_ kind: StoreKind) async throws -> (InspectedStore, Int64) {
        let store = try await StoreUnderTest.make(kind)
        let id = try await store.insert(Job(slug: "db-prod", pingKey: "key-db", schedule: .interval(86_400), tags: ["db"], createdAt: t0))
        return (store, id)
    }

    private func failed(_ jobID: Int64) -> Alert {
        Alert(kind: .failed, severity: .critical, jobID: jobID, message: "backup failed", openedAt: at(1))
    }

    @Test(arguments: StoreKind.allCases) func anOpenedAlertIsEnqueuedOnceInTheRoundThatOpensIt(_ kind: StoreKind) async throws {
        let (store, jobID) = try await store(kind)
        let opened = try await store.recordEvaluation(
            transitions: [], alertChanges: AlertChanges(opened: [failed(jobID)]), tick: at(1), notifying: planner)
        let id = try #require(opened.first?.id)
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(2), notifying: planner)
        let due = try await store.dueNotifications(at: at(3))
        #expect(due.map(\.eventID) == ["alert-\(id)-opened"])
        #expect(due.first?.channel == "slack")
        #expect(due.first?.alertID == id)
        #expect(try NotificationEvent.decode(due[0].payload).jobSlug == "db-prod")
    }

    @Test(arguments: StoreKind.allCases) func aMutedAlertIsEnqueuedOnceTheMuteIsRemoved(_ kind: StoreKind) async throws {
        let (store, jobID) = try await store(kind)
        try await store.add(Mute(scope: .job("db-prod"), until: at(600), createdBy: "ann", reason: "restore test", createdAt: at(0)))
        let opened = try await store.recordEvaluation(
            transitions: [], alertChanges: AlertChanges(opened: [failed(jobID)]), tick: at(1), notifying: planner)
        #expect(try await store.dueNotifications(at: at(2)).isEmpty)
        try await store.removeMutes(scope: .job("db-prod"))
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(3), notifying: planner)
        #expect(try await store.dueNotifications(at: at(4)).map(\.eventID) == ["alert-\(opened[0].id!)-opened"])
        var resolved = opened[0]
        resolved.resolvedAt = at(5)
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(resolved: [resolved]), tick: at(5), notifying: planner)
        #expect(try await store.dueNotifications(at: at(6)).map(\.eventID) == ["alert-\(opened[0].id!)-opened", "alert-\(opened[0].id!)-resolved"])
    }

    @Test(arguments: StoreKind.allCases) func outboxHealthCountsPendingFailedAndTheLastError(_ kind: StoreKind) async throws {
        let (store, _) = try await store(kind)
        for (index, channel) in ["slack", "slack", "pager"].enumerated() {
            try await store.enqueue(OutboxMessage(eventID: "e\(index)", channel: channel, payload: [], createdAt: at(Double(index))))
        }
        let due = try await store.dueNotifications(at: at(10))
        try await store.recordAttempts([OutboxAttempt(id: due[0].id!)], at: at(11), claimedBy: nil)
        try await store.recordAttempts([OutboxAttempt(id: due[1].id!, error: "HTTP 503 from slack", retryAt: at(20))], at: at(12), claimedBy: nil)
        try await store.recordAttempts([OutboxAttempt(id: due[2].id!, error: "HTTP 400 from pager", retryAt: nil)], at: at(12), claimedBy: nil)
        let health = try await store.outboxHealth()
        #expect(health == [
            OutboxChannelHealth(channel: "pager", pending: 0, oldestPendingSince: nil, failed: 1, lastError: "HTTP 400 from pager", lastDeliveredAt: nil),
            OutboxChannelHealth(channel: "slack", pending: 1, oldestPendingSince: at(1), failed: 0, lastError: "HTTP 503 from slack", lastDeliveredAt: at(11)),
        ])
    }

    @Test(arguments: StoreKind.allCases) func aGoodRunSinceThePreviousTickIsSucceededAndASmallOneIsNot(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let good = try await store.insert(Job(slug: "good", pingKey: "key-good", schedule: .interval(86_400), createdAt: t0))
        let small = try await store.insert(Job(slug: "small", pingKey: "key-small", schedule: .interval(86_400), minSize: 1_000, createdAt: t0))
        let optIn = NotificationPlanner(routing: NotificationRouting(
            routes: [NotificationRoute(name: "ok", events: ["succeeded"], channels: ["mail"])]))
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(0), notifying: optIn)
        func beat(_ job: Int64, _ status: HeartbeatStatus, _ minute: Double, size: Double? = nil) async -> Heartbeat {
            Heartbeat(jobID: job, receivedAt: at(minute), report: HeartbeatReport(status: status, size: size.map { Measured($0, text: "\($0)") }))
        }
        try await store.insert([
            beat(good, .started, 1), beat(good, .completed, 2, size: 5_000),
            beat(small, .started, 1), beat(small, .completed, 2, size: 10),
        ])
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(3), notifying: optIn)
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(4), notifying: optIn)
        let due = try await store.dueNotifications(at: at(5))
        #expect(due.count == 1)
        #expect(due.first.map { $0.eventID.hasPrefix("run-") && $0.eventID.hasSuffix("-succeeded") } == true)
        #expect(try due.first.map { try NotificationEvent.decode($0.payload).jobSlug } == "good")
    }

    @Test(arguments: StoreKind.allCases) func theDailyDigestIsEnqueuedOncePerDay(_ kind: StoreKind) async throws {
        let (store, jobID) = try await store(kind)
        let digest = NotificationPlanner(routing: NotificationRouting(
            routes: [NotificationRoute(name: "digest", events: ["digest"], channels: ["mail"])], digestMinute: 0))
        try await store.recordEvaluation(
            transitions: [], alertChanges: AlertChanges(opened: [failed(jobID)]), tick: at(1), notifying: digest)
        for minute in [2.0, 3, 4] {
            try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(minute), notifying: digest)
        }
        let due = try await store.dueNotifications(at: at(5))
        #expect(due.map(\.eventID) == ["digest-2023-11-14"])
        #expect(try NotificationEvent.decode(due[0].payload).message.hasPrefix("Daily digest: 1 open alert (1 critical)"))
    }

    @Test(arguments: StoreKind.allCases) func pausedJobsNeverNotify(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let id = try await store.insert(Job(slug: "old", pingKey: "key-old", schedule: .interval(86_400), paused: true, createdAt: t0))
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(opened: [failed(id)]), tick: at(1), notifying: planner)
        try await store.recordEvaluation(transitions: [], alertChanges: AlertChanges(), tick: at(2), notifying: planner)
        #expect(try await store.dueNotifications(at: at(3)).isEmpty)
    }
}
