import Foundation
import Testing
@testable import BoardModel

// Restore tests (docs/restore-tests.md): jobs of kind `restore_test` prove the jobs they name; the proved
// job carries `restore_overdue`, `rto_breach` and `restore_failed`. Judged at fixed dates.

/// Monday 2026-06-01 00:00 UTC; jobs are created then.
private let base = instant("2026-06-01T00:00:00Z")
private func at(_ hours: Double) -> Date { base.addingTimeInterval(hours * 3_600) }
private let month: Double = 720

/// `pg-prod`, every 6 hours, RTO 4 hours.
private func proved(
    rto: Double? = 4, require: Bool = false, paused: Bool = false, alerting: AlertSettings = AlertSettings()
) -> Job {
    Job(id: 1, slug: "pg-prod", pingKey: "key-pg-prod", schedule: .interval(6 * 3_600), rto: rto.map { $0 * 3_600 },
        requireRestoreTest: require, paused: paused, alerting: alerting, createdAt: base)
}

/// A monthly restore drill with a day of grace proving `tests`.
private func drill(_ id: Int64 = 2, slug: String = "pg-prod-restore", tests: [String] = ["pg-prod"]) -> Job {
    Job(id: id, slug: slug, pingKey: "key-\(slug)", schedule: .interval(month * 3_600), grace: 24 * 3_600,
        kind: .restoreTest, tests: tests, createdAt: base)
}

private func run(_ jobID: Int64, _ start: Double, _ end: Double, _ outcome: RunOutcome = .completed) -> Run {
    Run(jobID: jobID, startedAt: at(start), endedAt: at(end), lastHeartbeatAt: at(end), outcome: outcome,
        exitCode: outcome == .failed ? 3 : nil, message: outcome == .failed ? "pg_restore: error: could not read dump" : nil)
}

/// The fleet judged at `hours`.
private func fleet(_ jobs: [(Job, [Run])], at hours: Double) -> FleetReport {
    FleetReport(jobs: jobs.map { ($0.0, JobActivity(jobID: $0.0.id!, recentRuns: $0.1)) }, mutes: [], at: at(hours))
}

/// The restore rule's changes for `jobs` at `hours` (with `policy`, the restore rule alone by default).
private func judge(
    _ jobs: [(Job, [Run])], at hours: Double, open: [Alert] = [], policy: AlertPolicy = AlertPolicy(rules: [RestoreTestRule()])
) -> AlertChanges {
    let report = fleet(jobs, at: hours)
    let activities = Dictionary(uniqueKeysWithValues: jobs.map { ($0.0.id!, JobActivity(jobID: $0.0.id!, recentRuns: $0.1)) })
    return policy.changes(for: report, openAlerts: open, maintenanceWindows: [], activities: activities)
}

@Suite struct RestoreTestRuleTests {
    @Test func aRestoreWithinTheRTOProvesTheJob() throws {
        let jobs = [(proved(), [Run]()), (drill(), [run(2, 10, 10.7)])]
        #expect(judge(jobs, at: 100).isEmpty)
        let state = try #require(fleet(jobs, at: 100).restoreStates[proved()])
        #expect(state.verdict == .proved)
        #expect(state.tests == ["pg-prod-restore"])
        #expect(state.lastRestoredAt == at(10.7))
        #expect(state.restoreDuration.map { $0.rounded() } == 2_520.0)
        #expect(state.dueBy == at(10.7 + month + 24), "due again one period plus grace after the last success")
        #expect(state.restoreAge(at: at(100)) == (100 - 10.7) * 3_600)
        #expect(fleet(jobs, at: 100).restoreStates[drill()] == nil, "a restore test has no restore state")
        #expect(fleet([(proved(), [run(1, 99, 99.5)]), jobs[1]], at: 100).level == .ok)
    }

    @Test func anOverdueRestoreWarnsThenTurnsCriticalAfterASecondPeriod() {
        let jobs = [(proved(), [Run]()), (drill(), [run(2, 10, 10.7)])]
        let due = 10.7 + month + 24
        #expect(judge(jobs, at: due).isEmpty, "due by that moment, not yet past it")
        let late = judge(jobs, at: due + 1)
        #expect(late.opened == [Alert(
            kind: .restoreOverdue, severity: .warning, jobID: 1,
            message: "pg-prod's latest successful restore ended Jun 1 10:42 UTC, 4w3d1h ago: a restore was due by 10:42 UTC",
            openedAt: at(due + 1))])
        func fresh(_ hours: Double) -> FleetReport { fleet([(proved(), [run(1, hours - 1, hours - 0.5)]), jobs[1]], at: hours) }
        #expect(fresh(due + 1).level == .warning, "a warning in status's exit code")
        let open = late.opened.map { alert -> Alert in
            var alert = alert
            alert.id = 7
            return alert
        }
        let escalated = judge(jobs, at: due + month + 1, open: open)
        #expect(escalated.updated.map(\.severity) == [.critical])
        #expect(escalated.updated.first?.message.hasSuffix("; 1 further period missed") == true)
        #expect(fresh(due + month + 1).level == .critical)
        // A successful drill resolves it.
        let restored = [(proved(), [Run]()), (drill(), [run(2, 10, 10.7), run(2, due + month + 2, due + month + 3)])]
        #expect(judge(restored, at: due + month + 4, open: open).resolved.map(\.kind) == [.restoreOverdue])
    }

    @Test func aRestoreSlowerThanTheRTOIsABreach() throws {
        let jobs = [(proved(), [Run]()), (drill(), [run(2, 10, 15)])]
        let result = judge(jobs, at: 20)
        #expect(result.opened == [Alert(
            kind: .rtoBreach, severity: .critical, jobID: 1,
            message: "pg-prod's latest restore (pg-prod-restore, ended 15:00 UTC) took 5h, longer than its RTO 4h",
            openedAt: at(20))])
        #expect(try #require(fleet(jobs, at: 20).restoreStates[proved()]).verdict == .rtoBreach)
        #expect(fleet([(proved(), [run(1, 19, 19.5)]), jobs[1]], at: 20).level == .critical)
        // Without an RTO, the same drill proves the job.
        #expect(judge([(proved(rto: nil), []), (drill(), [run(2, 10, 15)])], at: 20).isEmpty)
    }

    @Test func aFailedRestoreIsCarriedByTheProvedJobNotTheTest() throws {
        let jobs = [(proved(), [run(1, 0, 0.5)]), (drill(), [run(2, 10, 10.7), run(2, 30, 30.5, .failed)])]
        let result = judge(jobs, at: 31)
        #expect(result.opened == [Alert(
            kind: .restoreFailed, severity: .critical, jobID: 1,
            message: "pg-prod's restore test pg-prod-restore failed at 06:30 UTC (exit 3): pg_restore: error: could not read dump",
            openedAt: at(31))])
        // The standard policy raises no `failed` on the restore test itself.
        let standard = judge(jobs, at: 31, policy: .standard)
        #expect(!standard.opened.contains { $0.kind == .failed && $0.jobID == 2 })
        #expect(standard.opened.contains { $0.kind == .restoreFailed && $0.jobID == 1 })
        let state = try #require(fleet(jobs, at: 31).restoreStates[proved()])
        #expect(state.conditions == [.failed])
        #expect(state.lastRestoredAt == at(10.7), "the last success still counts for the restore age")
        #expect(state.restoreDuration == nil, "its time is not judged against the RTO once a newer drill failed")
    }

    @Test func ofSeveralTestsTheNewestCounts() throws {
        let other = drill(3, slug: "pg-prod-restore-pitr")
        let failedThenGood = [(proved(), [Run]()), (drill(), [run(2, 20, 20.5, .failed)]), (other, [run(3, 30, 31)])]
        #expect(judge(failedThenGood, at: 40).isEmpty)
        let state = try #require(fleet(failedThenGood, at: 40).restoreStates[proved()])
        #expect(state.tests == ["pg-prod-restore", "pg-prod-restore-pitr"])
        #expect(state.lastTestSlug == "pg-prod-restore-pitr")
        let goodThenFailed = [(proved(), [Run]()), (drill(), [run(2, 20, 20.5)]), (other, [run(3, 30, 31, .failed)])]
        #expect(judge(goodThenFailed, at: 40).opened.map(\.kind) == [.restoreFailed])
        // One test one job, another test another: each job has its own.
        let second = Job(id: 4, slug: "mysql", pingKey: "key-mysql", schedule: .interval(3_600), rto: 3_600, createdAt: base)
        let both = drill(5, slug: "both-restore", tests: ["pg-prod", "mysql"])
        let states = fleet([(proved(), []), (second, []), (both, [run(5, 10, 12)])], at: 20).restoreStates
        #expect(states[proved()]?.verdict == .proved)
        #expect(states[second]?.verdict == .rtoBreach)
    }

    @Test func aTestThatNeverSucceededIsDueFromItsCreation() throws {
        let jobs = [(proved(), [Run]()), (drill(), [Run]())]
        #expect(judge(jobs, at: month + 24).isEmpty)
        let waiting = try #require(fleet(jobs, at: 1).restoreStates[proved()])
        #expect(waiting.verdict == .untested, "nothing proves it yet")
        #expect(waiting.tests == ["pg-prod-restore"])
        #expect(fleet(jobs, at: 1).restoreStates.untested == 1)
        #expect(judge(jobs, at: month + 25).opened.map(\.message) == [
            "pg-prod has never been restored successfully: a restore was due by 00:00 UTC",
        ])
    }

    @Test func anUntestedJobIsCountedButRaisesNothingUnlessRequired() throws {
        let untested = [(proved(), [run(1, 0, 0.5)])]
        #expect(judge(untested, at: 1).isEmpty)
        let states = fleet(untested, at: 1).restoreStates
        #expect(states[proved()]?.verdict == .untested)
        #expect(states.untested == 1)
        #expect(fleet(untested, at: 1).level == .ok, "no change to status's exit code")
        #expect(fleet([(proved(rto: nil), [])], at: 1).restoreStates[proved(rto: nil)] == nil, "no RTO, no test: no state")

        let required = [(proved(require: true), [run(1, 0, 0.5)])]
        #expect(judge(required, at: 1).opened.map(\.message) == [
            "pg-prod has no restore test: no job of kind restore_test names it in its tests, so nothing proves its RTO 4h",
        ])
        #expect(fleet(required, at: 1).level == .warning)
    }

    @Test func severitiesAndEscalationComeFromTheProvedJob() {
        var alerting = AlertSettings(restoreEscalationPeriods: 3)
        alerting.severities[.restoreOverdue] = .info
        alerting.severities[.rtoBreach] = .emergency
        let slow = judge([(proved(alerting: alerting), []), (drill(), [run(2, 10, 15)])], at: 20)
        #expect(slow.opened.map(\.severity) == [.emergency])
        let overdue = judge([(proved(alerting: alerting), []), (drill(), [run(2, 10, 10.5)])], at: 10.5 + 3 * month + 25)
        #expect(overdue.opened.map(\.severity) == [.info], "two further periods, escalation after three")
        let later = judge([(proved(alerting: alerting), []), (drill(), [run(2, 10, 10.5)])], at: 10.5 + 4 * month + 25)
        #expect(later.opened.map(\.severity) == [.critical])
    }

    @Test func pausedJobsRaiseNothing() {
        #expect(judge([(proved(paused: true), []), (drill(), [run(2, 10, 15)])], at: 20).isEmpty)
        #expect(judge([(proved(require: true, paused: true), [])], at: 20).isEmpty)
    }

    @Test func theStatesKnowWhenTheyNextChange() {
        let jobs = [(proved(), [Run]()), (drill(), [run(2, 10, 10.7)])]
        let due = at(10.7 + month + 24)
        #expect(fleet(jobs, at: 100).restoreStates.validUntil == due)
        #expect(fleet(jobs, at: 10.7 + month + 25).restoreStates.validUntil == due.addingTimeInterval(month * 3_600))
    }
}
