import Foundation
import Testing
@testable import BoardModel
@testable import BoardSQLite

/// The simulator, fed its own events through an in-memory store, as `backupboard demo` runs it.
@Suite struct DemoSimulatorTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func storeWithFleet(_ kind: StoreKind) async throws -> (InspectedStore, [String: Int64]) {
        let store = try await StoreUnderTest.make(kind)
        let fleet = DemoFleet.generate(seed: 1, now: now)
        var ids: [String: Int64] = [:]
        for job in fleet.jobs { ids[job.slug] = try await store.insert(job) }
        _ = try await store.insert(fleet.events.map {
            Heartbeat(jobID: ids[$0.slug]!, receivedAt: $0.at, report: $0.report, body: Array($0.body.utf8))
        })
        return (store, ids)
    }

    @Test(arguments: StoreKind.allCases) func runsStartProgressAndFinishWithinMinutes(_ kind: StoreKind) async throws {
        let (store, ids) = try await storeWithFleet(kind)
        var simulator = DemoSimulator(seed: 1)
        var seen: [HeartbeatStatus: Int] = [:]
        var slugs = Set<String>()
        for second in stride(from: 1.0, through: 900, by: 1) {
            let moment = now.addingTimeInterval(second)
            let snapshot = try await store.loadBoard(at: moment)
            let fleet = FleetReport(jobs: snapshot.jobsWithActivity, mutes: [], at: moment)
            let events = simulator.events(at: moment, fleet: fleet)
            for event in events {
                seen[event.report.status, default: 0] += 1
                slugs.insert(event.slug)
                // Every body means what the parser reads in it.
                let parsed = HeartbeatParser.parse(HeartbeatRequest(body: Array(event.body.utf8)))
                #expect(parsed.status == event.report.status)
            }
            _ = try await store.insert(events.map {
                Heartbeat(jobID: ids[$0.slug]!, receivedAt: $0.at, report: $0.report, body: Array($0.body.utf8))
            })
        }
        #expect(seen[.started, default: 0] >= 5)
        #expect(seen[.progress, default: 0] >= 5)
        #expect(seen[.completed, default: 0] + seen[.failed, default: 0] >= 4)
        // The stories stay as they are: only short, healthy jobs are simulated.
        for story in ["mysql-billing", "nas-photos", "fs-gitlab-data", "pg-payments-v2", "mssql-legacy-erp"] {
            #expect(!slugs.contains(story), "\(story)")
        }
        #expect(slugs.allSatisfy { $0.hasSuffix("-incr") || $0.hasSuffix("-binlog") || $0.hasSuffix("-oplog") })
    }

    @Test(arguments: StoreKind.allCases) func neverMoreThanTwoRunsAtOnce(_ kind: StoreKind) async throws {
        let (store, _) = try await storeWithFleet(kind)
        var simulator = DemoSimulator(seed: 7)
        let snapshot = try await store.loadBoard(at: now)
        let fleet = FleetReport(jobs: snapshot.jobsWithActivity, mutes: [], at: now)
        var starts = 0
        for second in stride(from: 0.0, through: 60, by: 1) {
            starts += simulator.events(at: now.addingTimeInterval(second), fleet: fleet)
                .filter { $0.report.status == .started }.count
        }
        #expect(starts == DemoSimulator.concurrentRuns)
    }
}
