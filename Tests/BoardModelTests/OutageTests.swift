import Foundation
import Testing
@testable import BoardModel

/// Monday 2026-06-01 00:00 UTC. Jobs run every 6 hours with 1 hour of grace.
private let base = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!
private func at(_ hours: Double) -> Date { base.addingTimeInterval(hours * 3_600) }
private func outage(_ from: Double, _ to: Double) -> DateInterval { DateInterval(start: at(from), end: at(to)) }

private func job(_ id: Int64 = 1, createdAt: Date = base) -> Job {
    Job(id: id, slug: String(format: "job-%02d", id), pingKey: "key-\(id)", schedule: .interval(6 * 3_600),
        grace: 3_600, createdAt: createdAt)
}

private func goodRun(_ jobID: Int64, at hours: Double) -> Run {
    Run(jobID: jobID, startedAt: at(hours), endedAt: at(hours + 0.5), lastHeartbeatAt: at(hours + 0.5), outcome: .completed)
}

@Suite struct OutageSlotTests {
    @Test func aDeadlineInsideAnOutageMovesToTheFirstSlotAfterIt() {
        // Never seen: due 06:00, deadline 07:00 — inside the outage 02:00–08:00.
        let status = JobEvaluator.evaluate(job(), activity: JobActivity(jobID: 1), at: at(8), skipping: [outage(2, 8)])
        #expect(status.dueAt == at(14))
        #expect(status.deadline == at(15))
        #expect(status.state == .new)
        let silent = JobEvaluator.evaluate(job(), activity: JobActivity(jobID: 1), at: at(15), skipping: [outage(2, 8)])
        #expect(silent.state == .overdue)
        #expect(silent.missedPeriods == 0)
    }

    @Test func aDeadlineBeforeTheOutageWasJudgedAndStays() {
        let status = JobEvaluator.evaluate(job(), activity: JobActivity(jobID: 1), at: at(14), skipping: [outage(8, 14)])
        #expect(status.deadline == at(7))
        #expect(status.state == .overdue)
        #expect(status.missedPeriods == 1)
    }

    @Test func aDeadlineAtTheOutagesStartWasJudgedItsEndWasNot() {
        let atStart = JobEvaluator.evaluate(job(), activity: JobActivity(jobID: 1), at: at(9), skipping: [outage(7, 9)])
        #expect(atStart.deadline == at(7))
        let atEnd = JobEvaluator.evaluate(job(), activity: JobActivity(jobID: 1), at: at(9), skipping: [outage(5, 7)])
        #expect(atEnd.deadline == at(14))
    }

    @Test func aMovedDeadlineInsideALaterOutageMovesAgain() {
        // 07:00 is inside the first outage → due 14:00, deadline 15:00, inside the second → due 22:00.
        let status = JobEvaluator.evaluate(
            job(), activity: JobActivity(jobID: 1), at: at(16), skipping: [outage(14.5, 16), outage(6, 8)])
        #expect(status.dueAt == at(22))
    }

    @Test func cronSlotsMoveToTheNextFireAfterTheOutage() throws {
        let nightly = Job(
            id: 1, slug: "nightly", pingKey: "k", schedule: try Schedule.parse("0 2 * * *", timeZone: "UTC"),
            grace: 3_600, createdAt: at(-12))
        // Due 02:00, deadline 03:00, inside 01:00–09:00: the next fire after 09:00 is tomorrow 02:00.
        let status = JobEvaluator.evaluate(nightly, activity: JobActivity(jobID: 1), at: at(9), skipping: [outage(1, 9)])
        #expect(status.dueAt == at(26))
        #expect(status.state == .new)
    }

    @Test func runsAndFailuresAreStillJudged() {
        let failed = Run(jobID: 1, startedAt: at(3), endedAt: at(3.5), lastHeartbeatAt: at(3.5), outcome: .failed)
        let status = JobEvaluator.evaluate(
            job(), activity: JobActivity(jobID: 1, recentRuns: [failed]), at: at(8), skipping: [outage(2, 8)])
        #expect(status.state == .failed)
    }
}

@Suite struct OutageRoundTests {
    /// Ten jobs that ran at 00:30 and were last judged at 02:00: due 06:30, overdue from 07:30.
    private func fleet(lastTick: Date?, outages: [DateInterval] = [], openAlerts: [Alert] = []) -> BoardSnapshot {
        BoardSnapshot(
            entries: (1...10).map { id in
                BoardSnapshot.Entry(job: job(id), activity: JobActivity(jobID: id, recentRuns: [goodRun(id, at: 0.5)]))
            },
            openAlerts: openAlerts, activeMutes: [], unknownKeys: [], evaluatorLastTick: lastTick, dataVersion: 1,
            monitorOutages: outages)
    }

    private func upStates() -> [Int64: EvaluatedState] {
        Dictionary(uniqueKeysWithValues: (1...10).map { (Int64($0), EvaluatedState(state: .up, since: at(1))) })
    }

    @Test func sixHoursDownWithTenJobsThatWouldBeOverdue() {
        // Without the outage, all ten would be overdue at 08:00.
        let unaware = FleetReport(jobs: fleet(lastTick: at(2)).jobsWithActivity, mutes: [], at: at(8))
        #expect(unaware.jobs.allSatisfy { $0.status.state == .overdue })

        let restart = EvaluationRound(
            snapshot: fleet(lastTick: at(2)), previousStates: upStates(), maintenanceWindows: [], interval: 10, at: at(8))
        #expect(restart.outage == outage(2, 8))
        #expect(restart.alertChanges.opened == [Alert(
            kind: .monitorOutage, severity: .info, jobID: nil,
            message: "monitor was down from 02:00 UTC to 08:00 UTC (6h); slots inside were not judged",
            openedAt: at(2), resolvedAt: at(8))])
        #expect(restart.alertChanges.updated.isEmpty && restart.alertChanges.resolved.isEmpty)
        #expect(restart.transitions.isEmpty, "every job is still up: due again at 14:00")
        #expect(restart.fleet.jobs.allSatisfy { $0.status.dueAt == at(14) })

        // The outage is stored; ticks go on every 10 s.
        let next = EvaluationRound(
            snapshot: fleet(lastTick: at(8), outages: [outage(2, 8)]), previousStates: upStates(),
            maintenanceWindows: [], interval: 10, at: at(8).addingTimeInterval(10))
        #expect(next.outage == nil)
        #expect(next.alertChanges.isEmpty)

        // One period + grace after the outage's end, a job still silent is delayed; one that ran is not.
        var snapshot = fleet(lastTick: at(14.999), outages: [outage(2, 8)])
        snapshot.entries[0].activity.recentRuns.append(goodRun(1, at: 14.1))
        let judged = EvaluationRound(
            snapshot: snapshot, previousStates: upStates(), maintenanceWindows: [], interval: 10, at: at(15))
        #expect(judged.outage == nil)
        let delayed = judged.alertChanges.opened.filter { $0.kind == .delayed }
        #expect(delayed.count == 9)
        #expect(delayed.allSatisfy { $0.jobID != 1 })
        // Nine of ten jobs really missed a slot after the outage: that is a fleet-wide problem, one alert.
        #expect(judged.alertChanges.opened.filter { $0.kind != .delayed }.map(\.kind) == [.fleet])
        #expect(judged.transitions.count == 9)
        #expect(judged.transitions.allSatisfy { $0.to == .overdue && $0.at == at(15) })
    }

    @Test func sixHoursDownIsAnOutageEntryNotAStorm() {
        // 200 jobs with an RPO of 5 hours that ran at 00:30 and ended at 01:00: every RPO runs out at 06:00 and
        // every deadline falls at 07:30, both inside the outage 02:00–08:00. A quarter failed at 01:00, before
        // the outage: their alerts were open already.
        let ids = 1...200
        let rpoJob = { (id: Int64) in
            Job(id: id, slug: String(format: "job-%03d", id), pingKey: "key-\(id)", schedule: .interval(6 * 3_600),
                grace: 3_600, rpo: 5 * 3_600, createdAt: base)
        }
        let entries = ids.map { number in
            let id = Int64(number)
            var last = goodRun(id, at: 0.5)
            if number % 4 == 0 { last.outcome = .failed }
            return BoardSnapshot.Entry(job: rpoJob(id), activity: JobActivity(jobID: id, recentRuns: [last]))
        }
        let failedAlerts = ids.filter { $0 % 4 == 0 }.map { number in
            Alert(id: Int64(number), kind: .failed, severity: .critical, jobID: Int64(number), message: "failed",
                  openedAt: at(1))
        }
        let snapshot = BoardSnapshot(
            entries: entries, openAlerts: failedAlerts, activeMutes: [], unknownKeys: [], evaluatorLastTick: at(2),
            dataVersion: 1)
        let states = Dictionary(uniqueKeysWithValues: entries.map { entry in
            (entry.job.id!, EvaluatedState(state: entry.activity.recentRuns[0].outcome == .failed ? .failed : .up, since: at(1)))
        })
        let restart = EvaluationRound(
            snapshot: snapshot, previousStates: states, maintenanceWindows: [], interval: 10, at: at(8))
        #expect(restart.alertChanges.opened.map(\.kind) == [.monitorOutage], "no delayed, no rpo_breach, no fleet")
        #expect(restart.alertChanges.updated.isEmpty && restart.alertChanges.resolved.isEmpty)
        #expect(restart.transitions.isEmpty)

        // Without the outage, the same restart would have been a storm.
        let unaware = AlertPolicy.standard.changes(
            for: FleetReport(jobs: snapshot.jobsWithActivity, mutes: [], at: at(8)), openAlerts: failedAlerts,
            maintenanceWindows: [], activities: Dictionary(uniqueKeysWithValues: entries.map { ($0.job.id!, $0.activity) }))
        #expect(unaware.opened.count == 401, "200 delayed, 200 rpo_breach and a fleet alert")
    }

    @Test func aGapOfThreeIntervalsOrLessIsNoOutage() {
        let round = EvaluationRound(
            snapshot: fleet(lastTick: at(2)), previousStates: upStates(), maintenanceWindows: [], interval: 10,
            at: at(2).addingTimeInterval(30))
        #expect(round.outage == nil)
        #expect(round.alertChanges.isEmpty)
        let firstEver = EvaluationRound(
            snapshot: fleet(lastTick: nil), previousStates: [:], maintenanceWindows: [], interval: 10, at: at(2))
        #expect(firstEver.outage == nil, "no tick stored: nothing to compare with")
        #expect(firstEver.transitions.count == 10)
        #expect(firstEver.transitions.allSatisfy { $0.from == nil && $0.to == .up && $0.at == at(1) })
    }

    @Test func anOverdueAlertOpenBeforeTheOutageStaysOpen() {
        // Judged overdue at 07:45, then down 08:00–12:00: its deadline (07:30) was judged before the outage.
        let open = (1...10).map { id in
            Alert(id: Int64(id), kind: .delayed, severity: .info, jobID: Int64(id), message: "overdue", openedAt: at(7.5))
        }
        let states = Dictionary(uniqueKeysWithValues: (1...10).map { (Int64($0), EvaluatedState(state: .overdue, since: at(7.5))) })
        let round = EvaluationRound(
            snapshot: fleet(lastTick: at(8), openAlerts: open), previousStates: states, maintenanceWindows: [],
            interval: 10, at: at(12))
        #expect(round.outage == outage(8, 12))
        #expect(round.alertChanges.resolved.isEmpty)
        #expect(round.alertChanges.opened.map(\.kind) == [.monitorOutage])
        #expect(round.transitions.isEmpty)
    }
}

@Suite struct OutageTransitionTimeTests {
    private let silent = job()

    private func status(at hours: Double, runs: [Run] = []) -> JobStatus {
        JobEvaluator.evaluate(silent, activity: JobActivity(jobID: 1, recentRuns: runs), at: at(hours))
    }

    @Test func aTransitionIsDatedWhenTheNewStateBegan() {
        let late = StateTransition.detect(
            from: EvaluatedState(state: .new, since: at(0)), to: status(at: 6.5), of: silent, at: at(6.5), notBefore: at(6.49))
        #expect(late == StateTransition(jobID: 1, at: at(6.49), from: .new, to: .late), "kept after the previous tick")
        let overdue = StateTransition.detect(
            from: EvaluatedState(state: .late, since: at(6)), to: status(at: 7.01), of: silent, at: at(7.01), notBefore: at(6.9))
        #expect(overdue == StateTransition(jobID: 1, at: at(7), from: .late, to: .overdue))
        #expect(StateTransition.detect(
            from: EvaluatedState(state: .overdue, since: at(7)), to: status(at: 9), of: silent, at: at(9), notBefore: at(8.9)) == nil)
        let started = StateTransition.detect(
            from: EvaluatedState(state: .overdue, since: at(7)),
            to: status(at: 9.2, runs: [Run(jobID: 1, startedAt: at(9.1), lastHeartbeatAt: at(9.1), outcome: .running)]),
            of: silent, at: at(9.2), notBefore: at(9.0))
        #expect(started == StateTransition(jobID: 1, at: at(9.1), from: .overdue, to: .running))
    }

    @Test func pausedIsAStateOfItsOwn() {
        var paused = silent
        paused.paused = true
        let status = JobEvaluator.evaluate(paused, activity: JobActivity(jobID: 1), at: at(9))
        #expect(StateTransition.detect(
            from: EvaluatedState(state: .overdue, since: at(7)), to: status, of: paused, at: at(9), notBefore: at(8.99))
            == StateTransition(jobID: 1, at: at(9), from: .overdue, to: .paused))
    }
}
