import Foundation
import Testing
@testable import BoardModel

// Jobs created by a ping by slug (`JobCatalog.create`), on both stores: one job per slug whoever races, the
// creator's hourly limit counted in the audit trail, and the alert a refusal leaves.

private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

private func newJob(_ slug: String, tags: [String] = ["fleet"]) -> Job {
    Job(slug: slug, pingKey: PingKey.generate(), schedule: .interval(86_400), tags: tags, createdAt: t0)
}

private let roomy = CreationLimit(count: 20, since: t0.addingTimeInterval(-3_600))

@Suite struct JobCreationStoreTests {
    @Test(arguments: StoreKind.allCases) func aSlugIsCreatedOnceWithItsAuditEntry(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        guard case .created(let created) = try await store.create(newJob("web-01"), by: "ping key fleet", at: t0, limit: roomy)
        else { Issue.record("not created"); return }
        let id = try #require(created.id)
        #expect(try await store.job(slug: "web-01")?.id == id)
        #expect(try await store.job(slug: "web-01")?.tags == ["fleet"])
        #expect(try await store.create(newJob("web-01"), by: "ping key fleet", at: t0, limit: roomy) == .existing(created))
        let trail = try await store.auditTrail(slug: "web-01", limit: 10)
        #expect(trail.map(\.action) == [.create])
        #expect(trail.first?.actor == "ping key fleet")
        #expect(trail.first?.change == "every 1d")
    }

    @Test(arguments: StoreKind.allCases) func theLimitCountsTheActorsCreatesOfThePeriodOnly(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let limit = CreationLimit(count: 2, since: t0.addingTimeInterval(-3_600))
        // An hour and a minute ago: outside the period.
        #expect(try await store.create(newJob("old"), by: "ping key fleet", at: t0.addingTimeInterval(-3_660), limit: limit) != .limited)
        // Another actor's creates do not count; nor do jobs made otherwise.
        #expect(try await store.create(newJob("theirs"), by: "ping key lab", at: t0, limit: limit) != .limited)
        try await store.apply(JobsPlan(creates: [newJob("by-hand")]), maintenanceWindows: nil, by: "ann", at: t0)
        #expect(try await store.create(newJob("a"), by: "ping key fleet", at: t0, limit: limit) != .limited)
        #expect(try await store.create(newJob("b"), by: "ping key fleet", at: t0, limit: limit) != .limited)
        #expect(try await store.create(newJob("c"), by: "ping key fleet", at: t0, limit: limit) == .limited)
        #expect(try await store.job(slug: "c") == nil)
        // An existing slug is answered whatever the limit.
        guard case .existing = try await store.create(newJob("a"), by: "ping key fleet", at: t0, limit: limit) else {
            Issue.record("an existing job was not answered")
            return
        }
        #expect(try await store.create(newJob("zero"), by: "ping key none", at: t0, limit: .init(count: 0, since: t0)) == .limited)
    }

    @Test(arguments: StoreKind.allCases) func racingCreatesOfOneSlugMakeOneJob(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let outcomes = try await withThrowingTaskGroup(of: JobCreation.self) { group in
            // Six, not more: each holds a pooled connection while it waits for the writers' lock, and on a loaded
            // machine a dozen queued writers outlast the store's 5 s wait for a connection.
            for _ in 0..<6 {
                group.addTask { try await store.create(newJob("db-07"), by: "ping key fleet", at: t0, limit: roomy) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = outcomes.compactMap { outcome -> Job? in
            if case .created(let job) = outcome { return job }
            return nil
        }
        #expect(created.count == 1)
        let id = try #require(created.first?.id)
        #expect(outcomes.count == 6)
        #expect(outcomes.compactMap(outcomeJob).count == 6)
        #expect(outcomes.compactMap(outcomeJob).allSatisfy { $0.id == id })
        #expect(try await store.jobs().map(\.slug) == ["db-07"])
        #expect(try await store.auditTrail(slug: "db-07", limit: 10).count == 1)
    }

    @Test(arguments: StoreKind.allCases) func aRecordedAlertShowsInTheLogAndIsNotOpen(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let before = try await store.dataVersion()
        let id = try await store.record(Alert(
            kind: .autoCreateLimit, severity: .warning, jobID: nil, message: "ping key fleet reached max_creates_per_hour (20)",
            openedAt: t0, resolvedAt: t0))
        #expect(id > 0)
        #expect(try await store.dataVersion() > before)
        #expect(try await store.openAlerts().isEmpty)
        let logged = try #require(try await store.recentAlerts(limit: 5).first)
        #expect(logged.kind == .autoCreateLimit)
        #expect(logged.jobID == nil)
        #expect(logged.resolvedAt == t0)
    }

    @Test(arguments: StoreKind.allCases) func anUnknownSlugIsListedByWhatIsShown(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let key = "fleet-server-key-0123456789/web-99"
        try await store.recordUnknownKey(key, shownAs: "fleet/web-99", source: "127.0.0.1", userAgent: "curl/8", at: t0)
        try await store.recordUnknownKey(key, shownAs: "fleet/web-99", source: "127.0.0.1", userAgent: "curl/8", at: t0.addingTimeInterval(5))
        let listed = try await store.unknownKeys(limit: 10)
        #expect(listed.map(\.keyPrefix) == ["fleet/web-99"])
        #expect(listed.first?.count == 2)
    }
}

private func outcomeJob(_ outcome: JobCreation) -> Job? {
    switch outcome {
    case .created(let job), .existing(let job): job
    case .limited: nil
    }
}
