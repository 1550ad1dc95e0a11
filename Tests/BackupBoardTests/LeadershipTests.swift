import BoardModel
import BoardPostgres
@testable import BoardServe
import Foundation
import TestSupport
import Synchronization
import Testing

/// `serve`'s leadership among instances on one PostgreSQL database (docs/high-availability.md): two
/// `Leadership`s, each on its own store, stand for two instances.
@Suite struct LeadershipTests {
    /// Leases that last a minute: long enough that a loaded machine never lets one run out within a test
    /// that is not about running out.
    private static var lasting: Leadership.Settings {
        var settings = Leadership.Settings()
        settings.ttl = 60
        return settings
    }

    private func instances(
        _ settings: Leadership.Settings = lasting, clocks: [@Sendable () -> Date] = [{ Date() }, { Date() }],
        logs: [LogRecorder] = [LogRecorder(), LogRecorder()]
    ) async throws -> [Leadership] {
        let url = try PostgresTestServer.freshDatabase()
        var leaderships: [Leadership] = []
        for (index, name) in ["a", "b"].enumerated() {
            let store = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating)
            leaderships.append(Leadership(store: store, instance: name, settings: settings, logger: logs[index].logger, clock: clocks[index]))
        }
        return leaderships
    }

    @Test func theFirstToTryLeadsBothRolesAndTheOtherKnowsWho() async throws {
        let log = LogRecorder()
        let leaderships = try await instances(logs: [log, LogRecorder()])
        await leaderships[0].attempt()
        await leaderships[1].attempt()
        for role in Lease.Role.allCases {
            #expect(leaderships[0].lease(role)?.epoch == 1)
            #expect(leaderships[1].lease(role) == nil)
            #expect(leaderships[0].status()[role] == Leadership.RoleStatus(held: true, epoch: 1, leader: "a"))
            #expect(leaderships[1].status()[role] == Leadership.RoleStatus(held: false, epoch: 1, leader: "a"))
        }
        #expect(log.lines.contains { $0.message.contains("a leads the evaluator role (term 1)") })
    }

    /// A holder that stops renewing (a paused process) stops using its lease by its own clock, before the
    /// database lets the other take it; when it wakes it finds its term over.
    @Test func aHolderThatCannotRenewStepsDownAndTheOtherTakesOver() async throws {
        var settings = Leadership.Settings()
        settings.ttl = 6
        settings.renewEvery = 3
        let log = LogRecorder()
        let leaderships = try await instances(settings, logs: [log, LogRecorder()])
        // A machine busy enough may fail an attempt (its clock check or its statement); the instance tries again.
        let leading = ContinuousClock.now + .seconds(30)
        repeat {
            await leaderships[0].attempt()
        } while leaderships[0].lease(.evaluator) == nil && ContinuousClock.now < leading
        let first = try #require(leaderships[0].lease(.evaluator), "\(log.lines.map(\.message))")
        try await Task.sleep(for: .milliseconds(3_200))
        #expect(leaderships[0].lease(.evaluator) == nil, "stepped down after ttl − renewEvery without a renewal")
        try await Task.sleep(for: .milliseconds(3_000))
        await leaderships[1].attempt()
        #expect(leaderships[1].lease(.evaluator)?.epoch == first.epoch + 1)
        await leaderships[0].attempt()
        #expect(leaderships[0].lease(.evaluator) == nil)
        #expect(leaderships[0].status()[.evaluator] == Leadership.RoleStatus(held: false, epoch: first.epoch + 1, leader: "b"))
        #expect(log.lines.contains { $0.message.contains("ran out before it was renewed") })
    }

    /// An instance whose clock is 5 s ahead of the database's does not lead, says why, and leads once the
    /// clocks agree.
    @Test func anInstanceWhoseClockIsOffRefusesToLead() async throws {
        let skew = Mutex(5.0)
        let log = LogRecorder()
        let leaderships = try await instances(
            clocks: [{ Date().addingTimeInterval(skew.withLock { $0 }) }, { Date() }], logs: [log, LogRecorder()])
        // A round trip slow enough (a machine loaded to the hilt) leaves the offset unknown, and the instance may
        // lead meanwhile; its next attempt that can tell steps down.
        let told = ContinuousClock.now + .seconds(30)
        repeat {
            await leaderships[0].attempt()
        } while leaderships[0].clockProblem == nil && ContinuousClock.now < told
        #expect(leaderships[0].lease(.evaluator) == nil)
        let problem = try #require(leaderships[0].clockProblem)
        #expect(problem.contains("ahead of the database's") && problem.contains("will not lead"))
        #expect(log.lines.contains { $0.message.contains("will not lead") })
        await leaderships[1].attempt()
        #expect(leaderships[1].lease(.evaluator) != nil)

        skew.withLock { $0 = 0 }
        await leaderships[0].attempt()
        #expect(leaderships[0].clockProblem == nil)
    }

    /// A graceful stop hands the leases over: the other instance takes them at its next attempt, in a new term.
    @Test func aGracefulStopHandsTheLeasesOver() async throws {
        let leaderships = try await instances()
        let running = Task { try await leaderships[0].run() }
        for _ in 0..<100 where leaderships[0].lease(.outbox) == nil {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(leaderships[0].lease(.outbox)?.epoch == 1)
        running.cancel()
        try await running.value
        await leaderships[1].attempt()
        #expect(leaderships[1].lease(.evaluator)?.epoch == 2)
        #expect(leaderships[1].lease(.outbox)?.epoch == 2)
    }
}
