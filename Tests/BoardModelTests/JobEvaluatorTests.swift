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
    #expect(status.backupAge(at: at(2)) == 0.5 * 3_600)
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

// MARK: Cron schedules across DST and short months

private func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

private func dailyBerlin() throws -> Job {
    Job(id: 1, slug: "nightly", pingKey: "k", schedule: try Schedule.parse("30 2 * * *", timeZone: "Europe/Berlin"),
        grace: 3_600, createdAt: utc("2026-01-01T00:00:00Z"))
}

private func evaluate(_ job: Job, lastStart: String, at now: String) -> JobStatus {
    let start = utc(lastStart)
    let run = Run(jobID: 1, startedAt: start, endedAt: start.addingTimeInterval(600),
                  lastHeartbeatAt: start.addingTimeInterval(600), outcome: .completed)
    return JobEvaluator.evaluate(job, activity: JobActivity(jobID: 1, recentRuns: [run]), at: utc(now))
}

@Test func dailyBerlinJobOnSpringForwardDayIsDueJustAfterTheGap() throws {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist; the slot is 03:00 CEST = 01:00Z.
    let job = try dailyBerlin()
    let lastStart = "2026-03-28T01:30:05Z" // 02:30 CET the day before
    let before = evaluate(job, lastStart: lastStart, at: "2026-03-29T00:59:00Z")
    #expect(before.state == .up)
    #expect(before.dueAt == utc("2026-03-29T01:00:00Z"))
    #expect(before.deadline == utc("2026-03-29T02:00:00Z"))
    #expect(evaluate(job, lastStart: lastStart, at: "2026-03-29T01:30:00Z").state == .late)
    #expect(evaluate(job, lastStart: lastStart, at: "2026-03-29T02:00:00Z").state == .overdue)
    // A run at the shifted slot makes the next one the usual 02:30 CEST = 00:30Z.
    let met = evaluate(job, lastStart: "2026-03-29T01:00:20Z", at: "2026-03-29T12:00:00Z")
    #expect(met.state == .up)
    #expect(met.dueAt == utc("2026-03-30T00:30:00Z"))
}

@Test func dailyBerlinJobOnFallBackDayIsDueOnce() throws {
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice; only the first (00:30Z) is a slot.
    let job = try dailyBerlin()
    let before = evaluate(job, lastStart: "2026-10-24T00:30:00Z", at: "2026-10-25T00:00:00Z")
    #expect(before.state == .up)
    #expect(before.dueAt == utc("2026-10-25T00:30:00Z"))
    #expect(evaluate(job, lastStart: "2026-10-24T00:30:00Z", at: "2026-10-25T01:30:00Z").state == .overdue)
    // The run at the first 02:30 meets the day's only slot: the second 02:30 (01:30Z) is not due.
    let met = evaluate(job, lastStart: "2026-10-25T00:31:00Z", at: "2026-10-25T01:45:00Z")
    #expect(met.state == .up)
    #expect(met.dueAt == utc("2026-10-26T01:30:00Z")) // 02:30 CET
}

@Test func monthlyOnThe31stSkipsShortMonths() throws {
    let job = Job(id: 1, slug: "month-end", pingKey: "k", schedule: try Schedule.parse("0 3 31 * *", timeZone: "UTC"),
                  grace: 3_600, createdAt: utc("2026-01-01T00:00:00Z"))
    let lastStart = "2026-01-31T03:00:10Z"
    let february = evaluate(job, lastStart: lastStart, at: "2026-02-28T12:00:00Z")
    #expect(february.state == .up)
    #expect(february.dueAt == utc("2026-03-31T03:00:00Z"))
    #expect(evaluate(job, lastStart: lastStart, at: "2026-03-31T03:30:00Z").state == .late)
    #expect(evaluate(job, lastStart: lastStart, at: "2026-03-31T04:00:00Z").state == .overdue)
    // After the March run, April (30 days) is skipped: next is May 31st.
    #expect(evaluate(job, lastStart: "2026-03-31T03:00:05Z", at: "2026-04-30T12:00:00Z").dueAt
        == utc("2026-05-31T03:00:00Z"))
}

@Test func cronJobNeverSeenIsDueAtTheFirstFireAfterCreation() throws {
    var job = try dailyBerlin()
    job.createdAt = utc("2026-06-01T10:00:00Z")
    let fresh = JobEvaluator.evaluate(job, activity: JobActivity(jobID: 1), at: utc("2026-06-01T23:00:00Z"))
    #expect(fresh.state == .new)
    #expect(fresh.dueAt == utc("2026-06-02T00:30:00Z"))
    let overdue = JobEvaluator.evaluate(job, activity: JobActivity(jobID: 1), at: utc("2026-06-02T01:30:00Z"))
    #expect(overdue.state == .overdue)
}

@Test func completedRunWithoutASizeFailsAJobWithAMinSize() {
    // The seed's mysqldump script on Linux: `stat -f%z` prints nothing, so no size reaches the server.
    let job = sixHourly(minSize: 1_000)
    #expect(evaluate(job, [run(start: 1, end: 1.1, .completed)], at: 2).state == .failed)
    #expect(evaluate(sixHourly(), [run(start: 1, end: 1.1, .completed)], at: 2).state == .up)
}

// MARK: Calendar events and several schedules

@Test func calendarJobExpectsNoRunAtATimeTheSpringChangeSkips() throws {
    // systemd never starts `*-*-* 02:30:00 Europe/Berlin` on 2026-03-29: the next slot is 02:30 CEST on the 30th.
    let job = Job(id: 1, slug: "timer", pingKey: "k", schedule: try Schedule.parse("*-*-* 02:30:00 Europe/Berlin", timeZone: nil),
                  grace: 3_600, createdAt: utc("2026-01-01T00:00:00Z"))
    let lastStart = "2026-03-28T01:30:05Z" // 02:30 CET the day before
    let sunday = evaluate(job, lastStart: lastStart, at: "2026-03-29T12:00:00Z")
    #expect(sunday.state == .up)
    #expect(sunday.dueAt == utc("2026-03-30T00:30:00Z"))
    #expect(evaluate(job, lastStart: lastStart, at: "2026-03-30T01:30:00Z").state == .overdue)
    // The same wall time as cron is due just after the gap, as cron runs it.
    #expect(evaluate(try dailyBerlin(), lastStart: lastStart, at: "2026-03-29T12:00:00Z").state == .overdue)
}

@Test func severalSchedulesAreDueAtTheEarliestAndRunAtMostTheShortestGap() throws {
    let job = Job(id: 1, slug: "mixed", pingKey: "k",
                  schedule: try Schedule.parse(entries: ["Mon..Fri 02:30", "Sat 06:00"], timeZone: "UTC"),
                  grace: 3_600, createdAt: utc("2026-01-01T00:00:00Z"))
    // Friday 2026-06-05 02:30 ran; the next slot is Saturday 06:00, then Monday 02:30.
    let friday = evaluate(job, lastStart: "2026-06-05T02:30:10Z", at: "2026-06-05T12:00:00Z")
    #expect(friday.dueAt == utc("2026-06-06T06:00:00Z"))
    let saturday = evaluate(job, lastStart: "2026-06-06T06:00:10Z", at: "2026-06-06T12:00:00Z")
    #expect(saturday.dueAt == utc("2026-06-08T02:30:00Z"))
    #expect(saturday.state == .up)
    // Max runtime defaults to the shortest gap between consecutive due times: Mon→Tue, 24 hours.
    #expect(JobEvaluator.maxRuntime(of: job, at: utc("2026-06-05T12:00:00Z")) == 86_400)
    #expect(job.schedule.fireTimes(after: utc("2026-06-05T03:00:00Z"), count: 3) == [
        utc("2026-06-06T06:00:00Z"), utc("2026-06-08T02:30:00Z"), utc("2026-06-09T02:30:00Z"),
    ])
}
