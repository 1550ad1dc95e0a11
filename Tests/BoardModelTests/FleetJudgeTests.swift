import Foundation
import Testing
@testable import BoardModel
@testable import BoardLive
@testable import BoardSQLite

/// `FleetJudge` judges again only what changed or what time made stale, and must always agree with a
/// fresh `FleetReport` of the same snapshot at the same moment.
@Suite struct FleetJudgeTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// The demo fleet (interval and cron jobs, failures, a running job, a weekly archive) in a store, with
    /// a tag mute that ends five hours from `now`.
    func demoStore(_ kind: StoreKind) async throws -> (InspectedStore, [String: Int64]) {
        let store = try await StoreUnderTest.make(kind)
        let fleet = DemoFleet.generate(seed: 3, now: now)
        var ids: [String: Int64] = [:]
        for job in fleet.jobs { ids[job.slug] = try await store.insert(job) }
        _ = try await store.insert(fleet.events.map {
            Heartbeat(jobID: ids[$0.slug]!, receivedAt: $0.at, report: $0.report, body: Array($0.body.utf8))
        })
        let tag = try #require(fleet.jobs.flatMap(\.tags).first)
        _ = try await store.add(Mute(
            scope: .tag(tag), until: now.addingTimeInterval(5 * 3_600), createdBy: "ops@jump", reason: "disk swap",
            createdAt: now))
        return (store, ids)
    }

    /// The first job whose judgement differs, for a readable failure.
    func difference(_ judged: FleetReport, _ fresh: FleetReport) -> String? {
        guard judged != fresh else { return nil }
        guard judged.jobs.count == fresh.jobs.count else { return "\(judged.jobs.count) jobs, not \(fresh.jobs.count)" }
        for (a, b) in zip(judged.jobs, fresh.jobs) where a != b {
            return "\(a.job.slug): \(a.status.state) muted \(a.muted), fresh \(b.job.slug): \(b.status.state) muted \(b.muted)"
        }
        return "now \(judged.now) vs \(fresh.now)"
    }

    @Test(arguments: StoreKind.allCases) func agreesWithAFreshJudgementAsTimePassesForThreeDays(_ kind: StoreKind) async throws {
        let (store, _) = try await demoStore(kind)
        let snapshot = try await store.loadBoard(at: now)
        var judge = FleetJudge(snapshot, at: now)
        var rejudged = 0
        var moments = 0
        // An odd step, so that moments fall on every side of slots, deadlines and the mute's end.
        for moment in stride(from: now, through: now.addingTimeInterval(3 * 86_400), by: 433) {
            judge.advance(to: moment)
            rejudged += judge.lastJudged
            moments += 1
            #expect(difference(judge.report, FleetReport(snapshot, at: moment)) == nil, "at \(moment)")
        }
        // The point of it: far fewer judgements than jobs × moments.
        #expect(rejudged < moments * snapshot.entries.count / 4)
    }

    @Test(arguments: StoreKind.allCases) func nothingToJudgeBeforeTheFirstThresholdPasses(_ kind: StoreKind) async throws {
        let (store, _) = try await demoStore(kind)
        let snapshot = try await store.loadBoard(at: now)
        var judge = FleetJudge(snapshot, at: now)
        let first = judge.report.jobs.map(\.status.validUntil).min()!
        #expect(first > now)
        let changed = judge.advance(to: min(first, now.addingTimeInterval(5 * 3_600)).addingTimeInterval(-0.5))
        #expect(!changed)
        #expect(judge.lastJudged == 0)
    }

    @Test(arguments: StoreKind.allCases) func aClockThatMovesBackJudgesEverythingAgain(_ kind: StoreKind) async throws {
        let (store, _) = try await demoStore(kind)
        let snapshot = try await store.loadBoard(at: now)
        var judge = FleetJudge(snapshot, at: now.addingTimeInterval(86_400))
        judge.advance(to: now)
        #expect(judge.lastJudged == snapshot.entries.count)
        #expect(difference(judge.report, FleetReport(snapshot, at: now)) == nil)
    }

    @Test(arguments: StoreKind.allCases) func newDataIsJudgedForTheChangedJobOnly(_ kind: StoreKind) async throws {
        let (store, ids) = try await demoStore(kind)
        let old = try await store.loadBoard(at: now)
        var judge = FleetJudge(old, at: now)
        let slug = try #require(judge.report.jobs.first { $0.status.state == .up }?.job.slug)
        _ = try await store.insert([Heartbeat(
            jobID: ids[slug]!, receivedAt: now, report: HeartbeatReport(status: .failed, message: "disk full"), body: [])])
        let new = try await store.loadBoard(at: now, updating: old)
        let changed = judge.update(new, at: now)
        #expect(changed)
        #expect(judge.lastJudged == 1)
        #expect(judge.job(slug: slug)?.status.state == .failed)
        #expect(difference(judge.report, FleetReport(new, at: now)) == nil)
    }

    @Test(arguments: StoreKind.allCases) func addedRemovedAndMutedJobsAreFollowed(_ kind: StoreKind) async throws {
        let (store, _) = try await demoStore(kind)
        var snapshot = try await store.loadBoard(at: now)
        var judge = FleetJudge(snapshot, at: now)
        let victim = judge.report.jobs[3].job.slug
        try await store.removeJob(slug: victim)
        _ = try await store.insert(Job(slug: "aaa-new", pingKey: "new-job-key-0123456789", schedule: .interval(3_600), createdAt: now))
        _ = try await store.add(Mute(
            scope: .fleet, until: now.addingTimeInterval(600), createdBy: "ops@jump", reason: "migration", createdAt: now))
        for moment in [now.addingTimeInterval(1), now.addingTimeInterval(601), now.addingTimeInterval(7_200)] {
            snapshot = try await store.loadBoard(at: moment, updating: snapshot)
            judge.update(snapshot, at: moment)
            #expect(difference(judge.report, FleetReport(snapshot, at: moment)) == nil, "at \(moment)")
        }
        #expect(judge.job(slug: victim) == nil)
        #expect(judge.job(slug: "aaa-new")?.status.state == .overdue)
    }
}

/// `serve`'s tick remembers the board and the judged fleet between ticks; it must write exactly what an
/// evaluator that reads and judges everything afresh each tick writes — also when the fleet it remembers is the
/// server's, which the API refreshes between ticks.
@Suite struct FleetEvaluatorTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: StoreKind.allCases) func aRememberingEvaluatorWritesWhatAFreshOneWrites(_ kind: StoreKind) async throws {
        let fleet = DemoFleet.generate(seed: 5, now: now)
        var stores: [InspectedStore] = []
        var ids: [String: Int64] = [:]
        for _ in 0..<3 {
            let store = try await StoreUnderTest.make(kind)
            for job in fleet.jobs { ids[job.slug] = try await store.insert(job) }
            _ = try await store.insert(fleet.events.map {
                Heartbeat(jobID: ids[$0.slug]!, receivedAt: $0.at, report: $0.report, body: Array($0.body.utf8))
            })
            stores.append(store)
        }
        let remembering = FleetEvaluator(store: stores[0], interval: 60)
        // As `serve` wires it: the API's fleet (monotonic), read by requests between the ticks.
        let served = LiveFleet(store: stores[2], monotonic: true)
        let sharing = FleetEvaluator(store: stores[2], fleet: served, interval: 60)
        var simulator = DemoSimulator(seed: 5)
        // Six hours, a tick a minute, simulated runs starting, failing and finishing in between, and a
        // 20-minute outage of the monitor.
        for minute in stride(from: 0.0, through: 360, by: 1) where !(100..<120).contains(minute) {
            let moment = now.addingTimeInterval(minute * 60)
            let first = try await remembering.tick(at: moment)
            let second = try await FleetEvaluator(store: stores[1], interval: 60).tick(at: moment)
            let third = try await sharing.tick(at: moment)
            #expect(first.transitions == second.transitions, "minute \(minute)")
            #expect(first.opened.map(\.message) == second.opened.map(\.message), "minute \(minute)")
            #expect(first.resolved.map(\.id) == second.resolved.map(\.id), "minute \(minute)")
            #expect(third.transitions == second.transitions, "minute \(minute)")
            #expect(third.opened.map(\.message) == second.opened.map(\.message), "minute \(minute)")
            #expect(third.resolved.map(\.id) == second.resolved.map(\.id), "minute \(minute)")
            // The API between ticks: the board, every other minute what changed since a version.
            let request = moment.addingTimeInterval(30)
            if Int(minute) % 2 == 0 {
                let judged = try await served.refresh(at: request)
                #expect(FleetJudgeTests().difference(judged.report, FleetReport(try await stores[2].loadBoard(at: request), at: request)) == nil)
            } else {
                _ = try await served.refresh(at: request, changesSince: 0)
            }
            let events = simulator.events(at: moment, fleet: FleetReport(try await stores[0].loadBoard(at: moment), at: moment))
            for store in stores {
                _ = try await store.insert(events.map {
                    Heartbeat(jobID: ids[$0.slug]!, receivedAt: $0.at, report: $0.report, body: Array($0.body.utf8))
                })
            }
        }
        #expect(try await stores[0].recentAlerts(limit: 500) == stores[1].recentAlerts(limit: 500))
        #expect(try await stores[0].evaluatedStates() == stores[1].evaluatedStates())
        #expect(try await stores[2].recentAlerts(limit: 500) == stores[1].recentAlerts(limit: 500))
        #expect(try await stores[2].evaluatedStates() == stores[1].evaluatedStates())
        #expect(try await !stores[0].recentAlerts(limit: 500).isEmpty)
    }
}
