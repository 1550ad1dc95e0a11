import Foundation
import Testing
@testable import BoardModel

/// Fixed dates: every test states the expected state and times.
private let created = Date(timeIntervalSince1970: 1_780_000_000) // 2026-05-28T20:26:40Z
private func at(_ hours: Double) -> Date { created.addingTimeInterval(hours * 3_600) }

private func sixHourly(minSize: Int64? = nil, maxRuntime: TimeInterval? = nil, paused: Bool = false) -> Job {
    Job(id: 1, slug: "db", pingKey: "k", schedule: .interval(6 * 3_600), grace: 3_600, maxRuntime: maxRuntime,
        minSize: minSize, paused: paused, createdAt: created)
}

private func run(
    start: Double?, end: Double?, _ outcome: RunOutcome, size: Int64? = nil, verification: Verification? = nil
) -> Run {
    Run(jobID: 1, startedAt: start.map(at), endedAt: end.map(at), lastHeartbeatAt: at(end ?? start ?? 0),
        outcome: outcome, verification: verification, sizeBytes: size)
}

private func evaluate(_ job: Job, _ runs: [Run], at hours: Double) -> JobStatus {
    JobEvaluator.evaluate(job, activity: JobActivity(jobID: 1, recentRuns: runs), at: at(hours))
}

@Test func neverSeenJobIsNewThenLateThenOverdueFromCreation() {
    let job = sixHourly()
    // Due at creation + 6 h, overdue at creation + 6 h + 1 h grace.
    #expect(evaluate(job, [], at: 5.9).state == .new)
    #expect(evaluate(job, [], at: 5.9).dueAt == at(6))
    #expect(evaluate(job, [], at: 6.5).state == .late)
    let overdue = evaluate(job, [], at: 7)
    #expect(overdue.state == .overdue)
    #expect(overdue.deadline == at(7))
    #expect(overdue.missedPeriods == 0)
    #expect(!overdue.isCritical)
    // A further whole period past the deadline: critical for `status`.
    let worse = evaluate(job, [], at: 13)
    #expect(worse.missedPeriods == 1)
    #expect(worse.isCritical)
    #expect(worse.level == .critical)
}

@Test func goodRunIsUpUntilItsNextSlot() {
    let job = sixHourly()
    let runs = [run(start: 1, end: 1.5, .completed, size: 100)]
    let status = evaluate(job, runs, at: 2)
    #expect(status.state == .up)
    #expect(status.dueAt == at(7)) // last start + 6 h
    #expect(status.lastGoodAt == at(1.5))
    #expect(status.backupAge == 0.5 * 3_600)
    #expect(status.successRate == 1)
    #expect(evaluate(job, runs, at: 7.5).state == .late)
    #expect(evaluate(job, runs, at: 8).state == .overdue)
}

@Test func openRunIsRunningThenRunningTooLong() {
    // Max runtime defaults to one period (6 h).
    let job = sixHourly()
    let runs = [run(start: 1, end: nil, .running)]
    let status = evaluate(job, runs, at: 3)
    #expect(status.state == .running)
    #expect(status.openRun != nil)
    #expect(status.dueAt == at(7))
    #expect(evaluate(job, runs, at: 7.01).state == .runningTooLong)
    // With an explicit max runtime of 2 h it is too long after 2 h.
    #expect(evaluate(sixHourly(maxRuntime: 7_200), runs, at: 3.01).state == .runningTooLong)
    #expect(evaluate(sixHourly(maxRuntime: 7_200), runs, at: 2.99).state == .running)
}

@Test func abandonedRunShowsFailedWhileTheNextRuns() {
    // A second `started` closed the first run as abandoned: not good, shown as failed.
    let job = sixHourly()
    let runs = [run(start: 1, end: 2, .abandoned), run(start: 2, end: nil, .running)]
    let status = evaluate(job, runs, at: 2.5)
    #expect(status.state == .failed)
    #expect(status.lastGoodAt == nil)
    #expect(status.dueAt == at(8))
}

@Test func completionWithoutStartMeetsTheSlot() {
    let job = sixHourly()
    let runs = [run(start: nil, end: 6.5, .completed)]
    let status = evaluate(job, runs, at: 6.6)
    #expect(status.state == .up)
    #expect(status.dueAt == at(12.5))
}

@Test func completedRunBelowMinSizeIsFailed() {
    let job = sixHourly(minSize: 1_000_000)
    let status = evaluate(job, [run(start: 1, end: 1.1, .completed, size: 20)], at: 2)
    #expect(status.state == .failed)
    #expect(status.lastGoodAt == nil)
    #expect(evaluate(job, [run(start: 1, end: 1.1, .completed, size: 2_000_000)], at: 2).state == .up)
}

@Test func failedVerificationIsWorstOfAll() {
    let job = sixHourly()
    let runs = [run(start: 1, end: 2, .completed, verification: .failed)]
    let status = evaluate(job, runs, at: 9) // also overdue
    #expect(status.state == .verificationFailed)
    #expect(status.isCritical)
}

@Test func failedRunOutranksLateness() {
    let job = sixHourly()
    let runs = [run(start: 1, end: 2, .completed), run(start: 7, end: 7.2, .failed)]
    let status = evaluate(job, runs, at: 14)
    #expect(status.state == .failed)
    #expect(status.lastGoodAt == at(2))
    #expect(status.successRate == 0.5)
}

@Test func pausedOverridesDisplayButKeepsTheEvaluation() {
    let status = evaluate(sixHourly(paused: true), [], at: 20)
    #expect(status.state == .paused)
    #expect(status.evaluated == .overdue)
}

@Test func statesRankWorstFirst() {
    #expect(JobState.allCases.sorted() == [
        .verificationFailed, .failed, .runningTooLong, .overdue, .late, .running, .up, .new, .paused,
    ])
    #expect(JobState.verificationFailed.word == "verification failed")
}
