import Foundation
import Testing
@testable import BoardModel

/// Feeds heartbeats to a tracker the way the store does, keeping every saved run by id.
private struct Harness {
    var tracker: RunTracker
    var runs: [Int64: Run] = [:]
    var nextID: Int64 = 1
    var steps: [RunTracker.Step] = []

    init(minSize: Int64? = nil, activity: JobActivity = JobActivity(jobID: 7), openRuns: [Run] = []) {
        tracker = RunTracker(activity: activity, openRuns: openRuns, minSize: minSize)
        for run in openRuns { runs[run.id!] = run }
        nextID = (openRuns.compactMap(\.id).max() ?? 0) + 1
    }

    @discardableResult
    mutating func send(
        _ status: HeartbeatStatus, at minute: Double, rid: String? = nil, exitCode: Int? = nil,
        size: Double? = nil, progress: Double? = nil, message: String? = nil, isTest: Bool = false
    ) -> RunTracker.Step {
        let report = HeartbeatReport(
            status: status, runID: rid, exitCode: exitCode, size: size.map { Measured($0, text: "\($0)") },
            progress: progress, message: message, isTest: isTest)
        let heartbeat = Heartbeat(jobID: 7, receivedAt: Self.date(minute), report: report)
        var next = nextID
        let step = tracker.apply(heartbeat) {
            defer { next += 1 }
            return next
        }
        nextID = next
        for run in step.created + step.updated { runs[run.id!] = run }
        steps.append(step)
        return step
    }

    static func date(_ minute: Double) -> Date { Date(timeIntervalSince1970: 1_700_000_000 + minute * 60) }

    var allRuns: [Run] { runs.values.sorted { $0.id! < $1.id! } }
}

@Suite struct RunTrackerTests {
    @Test func startThenCompletedIsOneGoodRun() {
        var h = Harness()
        h.send(.started, at: 0)
        h.send(.progress, at: 5, progress: 40)
        h.send(.completed, at: 10, size: 1_000)
        #expect(h.allRuns.count == 1)
        let run = h.allRuns[0]
        #expect(run.outcome == .completed)
        #expect(run.startedAt == Harness.date(0))
        #expect(run.endedAt == Harness.date(10))
        #expect(run.duration == 600)
        #expect(run.sizeBytes == 1_000)
        #expect(run.heartbeatCount == 3)
        #expect(h.tracker.activity.lastStartAt == Harness.date(0))
        #expect(h.tracker.activity.lastGoodAt == Harness.date(10))
        #expect(h.tracker.activity.recentRuns == [run])
        #expect(h.tracker.openRuns.isEmpty)
    }

    @Test func progressUpdatesTheOpenRun() {
        var h = Harness()
        h.send(.started, at: 0)
        let step = h.send(.progress, at: 3, progress: 45, message: "copying")
        #expect(step.updated.count == 1)
        #expect(h.tracker.openRuns.first?.progress == 45)
        #expect(h.tracker.openRuns.first?.message == "copying")
        #expect(h.tracker.activity.openRun?.progress == 45)
    }

    @Test func secondStartedAbandonsTheFirst() {
        var h = Harness()
        h.send(.started, at: 0)
        let step = h.send(.started, at: 60)
        #expect(step.updated.map(\.outcome) == [.abandoned])
        #expect(step.created.count == 1)
        #expect(h.allRuns.map(\.outcome) == [.abandoned, .running])
        #expect(!h.allRuns[0].isGood(minSize: nil))
        #expect(h.tracker.activity.lastStartAt == Harness.date(60))
        h.send(.completed, at: 70)
        #expect(h.allRuns.map(\.outcome) == [.abandoned, .completed])
        #expect(h.allRuns[1].duration == 600)
    }

    @Test func startedAfterPreparingContinuesTheRun() {
        var h = Harness()
        h.send(.preparing, at: 0)
        h.send(.started, at: 2)
        h.send(.verifying, at: 20)
        h.send(.completed, at: 25)
        #expect(h.allRuns.count == 1)
        #expect(h.allRuns[0].outcome == .completed)
        #expect(h.allRuns[0].startedAt == Harness.date(0))
        #expect(h.allRuns[0].lastStatus == .completed)
    }

    @Test func completedWithNoOpenRunIsARunWithoutAStart() {
        var h = Harness()
        let step = h.send(.completed, at: 10, size: 500)
        #expect(step.created.count == 1)
        let run = h.allRuns[0]
        #expect(run.startedAt == nil)
        #expect(run.endedAt == Harness.date(10))
        #expect(run.outcome == .completed)
        #expect(h.tracker.activity.lastStartAt == nil)
        #expect(h.tracker.activity.lastGoodAt == Harness.date(10))
    }

    @Test func failedWithNoOpenRunIsAFailedRun() {
        var h = Harness()
        h.send(.failed, at: 10, message: "disk full")
        #expect(h.allRuns.map(\.outcome) == [.failed])
        #expect(h.allRuns[0].message == "disk full")
        #expect(h.tracker.activity.lastGoodAt == nil)
    }

    @Test func completedWithNonZeroExitCodeIsFailed() {
        var h = Harness()
        h.send(.started, at: 0)
        h.send(.completed, at: 5, exitCode: 2)
        #expect(h.allRuns[0].outcome == .failed)
        #expect(h.allRuns[0].exitCode == 2)
    }

    @Test func verifiedAfterCompletionAttachesToThatRun() {
        var h = Harness()
        h.send(.started, at: 0)
        h.send(.completed, at: 10)
        let step = h.send(.verified, at: 15)
        #expect(step.created.isEmpty)
        #expect(step.runID == 1)
        #expect(h.allRuns.count == 1)
        #expect(h.allRuns[0].verification == .passed)
        #expect(h.allRuns[0].endedAt == Harness.date(10))
        #expect(h.allRuns[0].heartbeatCount == 3)
    }

    @Test func verificationFailureAfterCompletionSpoilsTheLastGoodRun() {
        var h = Harness()
        h.send(.completed, at: 0)
        h.send(.started, at: 60)
        h.send(.completed, at: 70)
        #expect(h.tracker.activity.lastGoodAt == Harness.date(70))
        h.send(.verificationFailed, at: 75, message: "hash mismatch")
        #expect(h.allRuns.count == 2)
        #expect(h.allRuns[1].verification == .failed)
        #expect(h.allRuns[1].outcome == .completed)
        #expect(!h.allRuns[1].isGood(minSize: nil))
        #expect(h.tracker.activity.lastGoodAt == Harness.date(0))
        #expect(!h.tracker.needsLastGoodLookup)
    }

    @Test func lostLastGoodOutsideTheWindowAsksForALookup() {
        var h = Harness()
        h.send(.completed, at: 10)
        h.send(.verificationFailed, at: 11)
        #expect(h.tracker.activity.lastGoodAt == nil)
        #expect(h.tracker.needsLastGoodLookup)
        h.tracker.resolveLastGood(Harness.date(-500))
        #expect(h.tracker.activity.lastGoodAt == Harness.date(-500))
        #expect(!h.tracker.needsLastGoodLookup)
    }

    @Test func verificationWithNoRunAtAllIsNoRun() {
        var h = Harness()
        let step = h.send(.verified, at: 0)
        #expect(step == RunTracker.Step())
        #expect(h.allRuns.isEmpty)
    }

    @Test func verifiedWhileOpenClosesAsCompletedAndPassed() {
        var h = Harness()
        h.send(.started, at: 0)
        h.send(.verified, at: 9)
        #expect(h.allRuns[0].outcome == .completed)
        #expect(h.allRuns[0].verification == .passed)
        h.send(.started, at: 20)
        h.send(.verificationFailed, at: 29)
        #expect(h.allRuns[1].outcome == .completed)
        #expect(h.allRuns[1].verification == .failed)
        #expect(h.tracker.activity.lastGoodAt == Harness.date(9))
    }

    @Test func runIDsPairTwoConcurrentRuns() {
        var h = Harness()
        h.send(.started, at: 0, rid: "a")
        h.send(.started, at: 1, rid: "b")
        #expect(h.tracker.openRuns.count == 2)
        h.send(.progress, at: 2, rid: "a", progress: 50)
        h.send(.completed, at: 5, rid: "b", size: 200)
        h.send(.failed, at: 8, rid: "a", message: "boom")
        let runs = h.allRuns
        #expect(runs.count == 2)
        #expect(runs[0].clientRunID == "a")
        #expect(runs[0].outcome == .failed)
        #expect(runs[0].progress == 50)
        #expect(runs[0].heartbeatCount == 3)
        #expect(runs[1].clientRunID == "b")
        #expect(runs[1].outcome == .completed)
        #expect(runs[1].duration == 240)
        #expect(h.tracker.openRuns.isEmpty)
    }

    @Test func heartbeatWithoutRunIDGoesToTheLatestOpenRun() {
        var h = Harness()
        h.send(.started, at: 0, rid: "a")
        h.send(.started, at: 1, rid: "b")
        h.send(.completed, at: 3)
        #expect(h.allRuns.map(\.outcome) == [.running, .completed])
    }

    @Test func testPingIsNeverARun() {
        var h = Harness()
        let step = h.send(.test, at: 0, message: "hello")
        #expect(step == RunTracker.Step())
        h.send(.completed, at: 1, isTest: true)
        #expect(h.allRuns.isEmpty)
        #expect(h.tracker.activity.lastHeartbeatAt == Harness.date(1))
        #expect(h.tracker.activity.recentRuns.isEmpty)
    }

    @Test func testPingLeavesAnOpenRunAlone() {
        var h = Harness()
        h.send(.started, at: 0)
        h.send(.completed, at: 1, isTest: true)
        #expect(h.tracker.openRuns.count == 1)
        #expect(h.allRuns.map(\.outcome) == [.running])
    }

    @Test func progressWithNoOpenRunIsNoRun() {
        var h = Harness()
        let step = h.send(.progress, at: 0, progress: 10)
        #expect(step == RunTracker.Step())
        #expect(h.tracker.activity.lastHeartbeatAt == Harness.date(0))
    }

    @Test func smallCompletedRunIsNotGood() {
        var h = Harness(minSize: 1_000_000)
        h.send(.started, at: 0)
        h.send(.completed, at: 1, size: 20)
        #expect(h.allRuns[0].outcome == .completed)
        #expect(h.allRuns[0].isBelowMinSize(1_000_000))
        #expect(h.tracker.activity.lastGoodAt == nil)
    }

    @Test func recentWindowKeepsTheLatestThirtyOldestFirst() {
        var h = Harness()
        for index in 0..<40 {
            h.send(.started, at: Double(index * 10))
            h.send(.completed, at: Double(index * 10 + 5))
        }
        let recent = h.tracker.activity.recentRuns
        #expect(recent.count == 30)
        #expect(recent.first?.startedAt == Harness.date(100))
        #expect(recent.last?.startedAt == Harness.date(390))
        #expect(recent.map(\.id!) == recent.map(\.id!).sorted())
    }

    @Test func lateDeliveredRunIsPlacedInTimeOrder() {
        var h = Harness()
        h.send(.completed, at: 100)
        h.send(.completed, at: 50)
        #expect(h.tracker.activity.recentRuns.map(\.endedAt) == [Harness.date(50), Harness.date(100)])
        #expect(h.tracker.activity.lastGoodAt == Harness.date(100))
    }

    @Test func problemsOfTheLatestHeartbeatAreKept() {
        var tracker = RunTracker(activity: JobActivity(jobID: 7), openRuns: [], minSize: nil)
        let broken = HeartbeatReport(status: .completed, problems: ["invalid JSON at byte 40"])
        _ = tracker.apply(Heartbeat(jobID: 7, receivedAt: Harness.date(0), report: broken)) { 1 }
        #expect(tracker.activity.lastProblems == ["invalid JSON at byte 40"])
        _ = tracker.apply(Heartbeat(jobID: 7, receivedAt: Harness.date(1), report: HeartbeatReport(status: .started))) { 2 }
        #expect(tracker.activity.lastProblems.isEmpty)
    }

    @Test func openRunLoadedFromTheStoreIsClosed() {
        let open = Run(id: 41, jobID: 7, startedAt: Harness.date(0), lastHeartbeatAt: Harness.date(0), outcome: .running, lastStatus: .started)
        var h = Harness(activity: JobActivity(jobID: 7, lastStartAt: Harness.date(0), recentRuns: [open]), openRuns: [open])
        let step = h.send(.completed, at: 30)
        #expect(step.created.isEmpty)
        #expect(step.updated.map(\.id) == [41])
        #expect(h.tracker.activity.recentRuns.map(\.outcome) == [.completed])
    }
}
