import Foundation
import TestSupport
import Testing
@testable import BoardModel
@testable import BoardPostgres

/// The leases of `serve`'s leader roles on PostgreSQL, and the writes they fence (docs/high-availability.md):
/// two stores on one database stand for two instances.
@Suite struct PostgresLeaseTests {
    private let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    private func instances(_ count: Int) async throws -> [PostgresStore] {
        let url = try PostgresTestServer.freshDatabase()
        var stores: [PostgresStore] = []
        for _ in 0..<count {
            stores.append(try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating))
        }
        return stores
    }

    /// One holder at a time; a release lets the other take it in a new term, and the old term can no longer
    /// be renewed.
    @Test func oneHolderAtATimeEachTakingANewTerm() async throws {
        let stores = try await instances(2)
        let first = try await stores[0].acquireLease(.evaluator, instance: "a", ttl: 30)
        #expect(first.lease == Lease(role: .evaluator, holder: stores[0].sessionName, epoch: 1) && first.instance == "a")
        let refused = try await stores[1].acquireLease(.evaluator, instance: "b", ttl: 30)
        #expect(refused.lease == first.lease, "b sees a's lease instead of taking it")
        #expect(try await stores[0].renewLease(first.lease, ttl: 30))
        // The other role is separate.
        #expect(try await stores[1].acquireLease(.outbox, instance: "b", ttl: 30).lease.holder == stores[1].sessionName)

        try await stores[0].releaseLease(first.lease)
        let second = try await stores[1].acquireLease(.evaluator, instance: "b", ttl: 30)
        #expect(second.lease == Lease(role: .evaluator, holder: stores[1].sessionName, epoch: 2) && second.instance == "b")
        #expect(try await stores[0].renewLease(first.lease, ttl: 30) == false)
    }

    /// The database's clock ends a lease not renewed in time; the next taker begins term 2.
    @Test func anExpiredLeaseIsTakenByTheNextInstance() async throws {
        let stores = try await instances(2)
        let first = try await stores[0].acquireLease(.outbox, instance: "a", ttl: 0.3)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await stores[0].renewLease(first.lease, ttl: 30) == false, "expired: not renewed")
        let second = try await stores[1].acquireLease(.outbox, instance: "b", ttl: 30)
        #expect(second.lease.holder == stores[1].sessionName && second.lease.epoch == 2)
        let clock = try await stores[0].databaseClock()
        #expect(abs(clock.timeIntervalSinceNow) < 5)
    }

    /// The board names the instance that holds the evaluator's lease, read by any instance, in a full load and
    /// in an update that finds no data changed; the outbox's lease does not count, and a released or expired
    /// lease names no one.
    @Test func theBoardNamesTheInstanceLeadingTheEvaluator() async throws {
        let stores = try await instances(2)
        let empty = try await stores[1].loadBoard(at: t0)
        #expect(empty.evaluatorLeader == nil)
        _ = try await stores[1].acquireLease(.outbox, instance: "b", ttl: 30)
        let held = try await stores[0].acquireLease(.evaluator, instance: "db-1:8080", ttl: 30)
        #expect(try await stores[1].loadBoard(at: t0).evaluatorLeader == "db-1:8080")
        let updated = try await stores[1].loadBoard(at: t0, updating: empty)
        #expect(updated.dataVersion == empty.dataVersion && updated.evaluatorLeader == "db-1:8080")

        try await stores[0].releaseLease(held.lease)
        #expect(try await stores[1].loadBoard(at: t0, updating: updated).evaluatorLeader == nil)
        let second = try await stores[1].acquireLease(.evaluator, instance: "db-2:8080", ttl: 30)
        #expect(try await stores[0].loadBoard(at: t0).evaluatorLeader == "db-2:8080")
        try await stores[1].releaseLease(second.lease)
        _ = try await stores[0].acquireLease(.evaluator, instance: "db-1:8080", ttl: 0.3)
        try await Task.sleep(for: .seconds(1))
        #expect(try await stores[1].loadBoard(at: t0).evaluatorLeader == nil, "expired by the database's clock")
    }

    /// A round fenced by a term that is over writes nothing — not its transitions, alerts or tick — and says
    /// so with `LeaseLost`; the current term's round is written.
    @Test func aStaleTermsRoundIsRefusedWhole() async throws {
        let stores = try await instances(2)
        let jobID = try await stores[0].insert(Job(slug: "db", pingKey: "key-db", schedule: .interval(3_600), createdAt: t0))
        let old = try await stores[0].acquireLease(.evaluator, instance: "a", ttl: 30).lease
        try await stores[0].releaseLease(old)
        let current = try await stores[1].acquireLease(.evaluator, instance: "b", ttl: 30).lease
        let transition = StateTransition(jobID: jobID, at: t0, from: nil, to: .late)
        let alert = Alert(kind: .delayed, severity: .warning, jobID: jobID, message: "db is late", openedAt: t0)

        await #expect(throws: LeaseLost.self) {
            try await stores[0].recordEvaluation(
                transitions: [transition], alertChanges: AlertChanges(opened: [alert]), tick: t0, notifying: nil, fence: old)
        }
        #expect(try await stores[0].evaluatedStates().isEmpty)
        #expect(try await stores[0].evaluatorLastTick() == nil)
        #expect(try await stores[0].openAlerts().isEmpty)

        let opened = try await stores[1].recordEvaluation(
            transitions: [transition], alertChanges: AlertChanges(opened: [alert]), tick: t0, notifying: nil, fence: current)
        #expect(opened.count == 1)
        #expect(try await stores[0].evaluatedStates()[jobID]?.state == .late)
        #expect(try await stores[0].evaluatorLastTick() == t0)
        let watched = try await stores[0].versionAndLastTick()
        #expect(watched.dataVersion == (try await stores[0].dataVersion()) && watched.evaluatorLastTick == t0)
    }

    /// Notifications are claimed for a term; a newer term claims them again, and the older term's outcome is
    /// then not recorded (the newer delivers again, with the same key). A term that is over claims nothing.
    @Test func outboxClaimsFenceTheRecordOfADelivery() async throws {
        let stores = try await instances(2)
        for index in 0..<3 {
            try await stores[0].enqueue(OutboxMessage(eventID: "e\(index)", channel: "hook", payload: [], createdAt: t0))
        }
        let first = try await stores[0].acquireLease(.outbox, instance: "a", ttl: 30).lease
        let claimed = try await stores[0].deliverableNotifications(at: t0, limit: 10, claimingFor: first)
        #expect(claimed.map(\.eventID) == ["e0", "e1", "e2"])
        #expect(try await stores[0].recordAttempts([OutboxAttempt(id: claimed[0].id!)], at: t0, claimedBy: first) == 1)

        try await stores[0].releaseLease(first)
        let second = try await stores[1].acquireLease(.outbox, instance: "b", ttl: 30).lease
        await #expect(throws: LeaseLost.self) {
            _ = try await stores[0].deliverableNotifications(at: t0, limit: 10, claimingFor: first)
        }
        let reclaimed = try await stores[1].deliverableNotifications(at: t0, limit: 10, claimingFor: second)
        #expect(reclaimed.map(\.eventID) == ["e1", "e2"], "the delivered one is not claimed again")
        #expect(try await stores[0].recordAttempts([OutboxAttempt(id: reclaimed[0].id!)], at: t0, claimedBy: first) == 0)
        #expect(try await stores[0].notification(eventID: "e1", channel: "hook")?.deliveredAt == nil)
        #expect(try await stores[1].recordAttempts(reclaimed.map { OutboxAttempt(id: $0.id!) }, at: t0, claimedBy: second) == 2)
        #expect(try await stores[1].deliverableNotifications(at: t0, limit: 10).isEmpty)
    }
}
