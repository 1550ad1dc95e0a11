import Foundation
import Testing
@testable import BoardModel

/// Monday 2026-06-01 00:00 UTC; every job below is created then, every 6 hours with 1 hour of grace, so a job
/// never seen is due at 06:00 and overdue from 07:00.
private let base = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!
private func at(_ hours: Double) -> Date { base.addingTimeInterval(hours * 3_600) }
private let utc = TimeZone(identifier: "UTC")!

private func job(
    _ id: Int64 = 1, slug: String = "pg-prod-main", minSize: Int64? = nil, maxRuntime: TimeInterval? = nil,
    tags: [String] = [], paused: Bool = false, alerting: AlertSettings = AlertSettings()
) -> Job {
    Job(id: id, slug: slug, pingKey: "key-\(id)", schedule: .interval(6 * 3_600), grace: 3_600, maxRuntime: maxRuntime,
        minSize: minSize, tags: tags, paused: paused, alerting: alerting, createdAt: base)
}

private func run(
    _ jobID: Int64 = 1, start: Double?, end: Double?, _ outcome: RunOutcome, size: Int64? = nil,
    verification: Verification? = nil, exitCode: Int? = nil, message: String? = nil
) -> Run {
    Run(jobID: jobID, startedAt: start.map(at), endedAt: end.map(at), lastHeartbeatAt: at(end ?? start ?? 0),
        outcome: outcome, verification: verification, exitCode: exitCode, sizeBytes: size, message: message)
}

/// The standard policy's changes for `jobs` (with their runs) judged at `hours`.
private func changes(
    _ jobs: [(Job, [Run])], at hours: Double, open: [Alert] = [], windows: [MaintenanceWindow] = [],
    mutes: [Mute] = []
) -> AlertChanges {
    let fleet = FleetReport(
        jobs: jobs.map { ($0.0, JobActivity(jobID: $0.0.id!, recentRuns: $0.1)) }, mutes: mutes, at: at(hours))
    return AlertPolicy.standard.changes(for: fleet, openAlerts: open, maintenanceWindows: windows)
}

/// The alerts after applying `changes` to `open`, as the store would (ids given in order).
func applying(_ changes: AlertChanges, to open: [Alert]) -> [Alert] {
    var alerts = open.filter { alert in !changes.resolved.contains { $0.id == alert.id } }
    for update in changes.updated {
        if let index = alerts.firstIndex(where: { $0.id == update.id }) { alerts[index] = update }
    }
    var nextID = (open.compactMap(\.id).max() ?? 0) + 1
    for var alert in changes.opened {
        alert.id = nextID
        nextID += 1
        alerts.append(alert)
    }
    return alerts
}

@Suite struct AlertPolicyDelayedTests {
    @Test func overdueJobOpensOneInfoAlertWithASentence() {
        #expect(changes([(job(), [])], at: 6.99).isEmpty, "late is not delayed")
        let first = changes([(job(), [])], at: 7)
        #expect(first.opened == [Alert(
            kind: .delayed, severity: .info, jobID: 1,
            message: "pg-prod-main is overdue: due 06:00 UTC, no start for 1h", openedAt: at(7))])
        #expect(first.updated.isEmpty && first.resolved.isEmpty)
        let later = changes([(job(), [])], at: 8.1667, open: applying(first, to: []))
        #expect(later.isEmpty, "a condition that stays true never opens a duplicate, and its message alone never writes")
    }

    @Test func delayedEscalatesToCriticalOnceAFurtherWholePeriodIsMissed() {
        let open = applying(changes([(job(), [])], at: 7), to: [])
        #expect(changes([(job(), [])], at: 12.99, open: open).isEmpty)
        let escalation = changes([(job(), [])], at: 13, open: open)
        #expect(escalation.opened.isEmpty && escalation.resolved.isEmpty)
        #expect(escalation.updated.count == 1)
        #expect(escalation.updated.first?.id == open[0].id)
        #expect(escalation.updated.first?.severity == .critical)
        #expect(escalation.updated.first?.message
            == "pg-prod-main is overdue: due 06:00 UTC, no start for 7h; 1 further period missed")
        #expect(changes([(job(), [])], at: 20, open: applying(escalation, to: open)).isEmpty, "critical stays critical")
    }

    @Test func escalationPeriodsAndSeverityOverrideComeFromTheJob() {
        let patient = job(alerting: AlertSettings(delayedEscalationPeriods: 2, severities: [.delayed: .warning]))
        let opened = changes([(patient, [])], at: 7)
        #expect(opened.opened.map(\.severity) == [.warning])
        let open = applying(opened, to: [])
        #expect(changes([(patient, [])], at: 13, open: open).isEmpty, "one further period: still a warning")
        #expect(changes([(patient, [])], at: 19, open: open).updated.map(\.severity) == [.critical])
        let loud = job(alerting: AlertSettings(severities: [.delayed: .emergency]))
        let emergency = applying(changes([(loud, [])], at: 7), to: [])
        #expect(emergency.map(\.severity) == [.emergency])
        #expect(changes([(loud, [])], at: 13, open: emergency).isEmpty, "escalation never lowers a severity")
    }

    @Test func aStartResolvesDelayedWithTheTimeAndARelapseOpensANewAlert() {
        let open = applying(changes([(job(), [])], at: 7.5), to: [])
        let started = [run(start: 8, end: nil, .running)]
        let cleared = changes([(job(), started)], at: 8.01, open: open)
        #expect(cleared.opened.isEmpty)
        #expect(cleared.resolved.map(\.id) == [open[0].id])
        #expect(cleared.resolved.first?.resolvedAt == at(8.01))
        // The run finishes; the next slot (14:00) passes with no start: a new alert, not the old one.
        let done = [run(start: 8, end: 8.5, .completed)]
        let again = changes([(job(), done)], at: 15, open: applying(cleared, to: open))
        #expect(again.opened.count == 1)
        #expect(again.opened.first?.message == "pg-prod-main is overdue: due 14:00 UTC, no start for 1h")
        #expect(again.opened.first?.openedAt == at(15))
    }

    @Test func maintenanceWindowHoldsDelayedBack() {
        // Mondays 06:30–09:00 UTC covers jobs tagged `db`.
        let window = MaintenanceWindow(
            name: "patching", days: [.monday], startMinute: 390, endMinute: 540, timeZone: utc, tags: ["db"])
        let covered = job(tags: ["db"])
        #expect(changes([(covered, [])], at: 7, windows: [window]).isEmpty, "no delayed alert inside the window")
        #expect(changes([(job(tags: ["web"]), [])], at: 7, windows: [window]).opened.count == 1, "the window covers db only")
        // Still overdue when the window closes: the alert opens then.
        let after = changes([(covered, [])], at: 9, windows: [window])
        #expect(after.opened.map(\.kind) == [.delayed])
        // An alert already open when a window starts is kept as it is: neither resolved nor escalated.
        let open = applying(changes([(covered, [])], at: 6.2 + 0.8), to: [])
        let allDay = MaintenanceWindow(
            name: "all-day", days: [.monday], startMinute: 0, endMinute: 1440, timeZone: utc, jobs: ["*"])
        #expect(changes([(covered, [])], at: 13.5, open: open, windows: [allDay]).isEmpty)
        // A failure inside the window still alerts: windows only hold `delayed` back.
        let failed = changes([(covered, [run(start: 6.5, end: 7, .failed)])], at: 7.2, windows: [window])
        #expect(failed.opened.map(\.kind) == [.failed])
    }
}

@Suite struct AlertPolicyRunTests {
    @Test func failedRunOpensCriticalAtOnceAndSuccessResolvesIt() {
        let failed = [run(start: 1, end: 1.5, .failed, exitCode: 2, message: "pg_dump: connection refused\n")]
        let first = changes([(job(), failed)], at: 1.51)
        #expect(first.opened == [Alert(
            kind: .failed, severity: .critical, jobID: 1,
            message: "pg-prod-main failed at 01:30 UTC (exit 2): pg_dump: connection refused", openedAt: at(1.51))])
        let open = applying(first, to: [])
        // Another failure while the alert is open: still one alert.
        let twice = failed + [run(start: 7, end: 7.2, .failed, exitCode: 1)]
        #expect(changes([(job(), twice)], at: 7.3, open: open).isEmpty)
        let fixed = twice + [run(start: 8, end: 8.5, .completed)]
        let resolved = changes([(job(), fixed)], at: 8.6, open: open)
        #expect(resolved.resolved.map(\.kind) == [.failed])
        #expect(resolved.resolved.first?.resolvedAt == at(8.6))
        #expect(resolved.opened.isEmpty)
    }

    @Test func abandonedAndUndersizedRunsAreFailures() {
        let abandoned = changes([(job(), [run(start: 1, end: 2, .abandoned), run(start: 2, end: nil, .running)])], at: 2.1)
        #expect(abandoned.opened.map(\.message) == [
            "pg-prod-main's run started 01:00 UTC was abandoned: a new run started before it reported an end",
        ])
        let small = changes([(job(minSize: 1_000_000_000), [run(start: 1, end: 1.2, .completed, size: 20_480)])], at: 1.3)
        #expect(small.opened.count == 1)
        #expect(small.opened.first?.kind == .failed)
        #expect(small.opened.first?.message.hasPrefix("pg-prod-main's run at 01:12 UTC completed below its min size: ") == true)
    }

    @Test func failedSeverityOverride() {
        let loud = job(alerting: AlertSettings(severities: [.failed: .emergency]))
        #expect(changes([(loud, [run(start: 1, end: 2, .failed)])], at: 2).opened.map(\.severity) == [.emergency])
    }

    @Test func failedVerificationIsItsOwnEmergencyAlert() {
        let runs = [run(start: 1, end: 2, .completed, verification: .failed, message: "hash mismatch")]
        let result = changes([(job(), runs)], at: 2.5)
        #expect(result.opened == [Alert(
            kind: .verificationFailed, severity: .emergency, jobID: 1,
            message: "pg-prod-main's backup of 01:00 UTC failed verification: hash mismatch", openedAt: at(2.5))])
        // The next good, verified run clears it.
        let open = applying(result, to: [])
        let next = runs + [run(start: 7, end: 8, .completed, verification: .passed)]
        #expect(changes([(job(), next)], at: 8.1, open: open).resolved.map(\.kind) == [.verificationFailed])
    }

    @Test func runningTooLongIsAWarningUntilTheRunEnds() {
        let open = [run(start: 1, end: nil, .running)]
        #expect(changes([(job(maxRuntime: 7_200), open)], at: 3).isEmpty)
        let long = changes([(job(maxRuntime: 7_200), open)], at: 3.25)
        #expect(long.opened == [Alert(
            kind: .runningTooLong, severity: .warning, jobID: 1,
            message: "pg-prod-main has been running for 2h15m since 01:00 UTC, longer than its max runtime 2h",
            openedAt: at(3.25))])
        let ended = changes([(job(maxRuntime: 7_200), [run(start: 1, end: 3.5, .completed)])], at: 3.6,
                            open: applying(long, to: []))
        #expect(ended.resolved.map(\.kind) == [.runningTooLong])
    }

    @Test func aFailedJobThatIsAlsoOverdueRaisesBoth() {
        let result = changes([(job(), [run(start: 1, end: 1.5, .failed)])], at: 8)
        #expect(Set(result.opened.map(\.kind)) == [.failed, .delayed])
    }
}

@Suite struct AlertPolicyScopeTests {
    @Test func pausedJobsNeverAlertAndTheirOpenAlertsResolve() {
        let failing = [run(start: 1, end: 1.5, .failed)]
        #expect(changes([(job(paused: true), failing)], at: 20).isEmpty)
        let open = applying(changes([(job(), failing)], at: 20), to: [])
        #expect(Set(open.map(\.kind)) == [.failed, .delayed])
        let paused = changes([(job(paused: true), failing)], at: 20.1, open: open)
        #expect(paused.opened.isEmpty)
        #expect(Set(paused.resolved.map(\.kind)) == [.failed, .delayed])
        #expect(paused.resolved.allSatisfy { $0.resolvedAt == at(20.1) })
    }

    @Test func mutesDoNotStopAlertsOpening() {
        let mute = Mute(scope: .fleet, until: at(48), createdBy: "ana", reason: "migration", createdAt: base)
        #expect(changes([(job(), [])], at: 7, mutes: [mute]).opened.map(\.kind) == [.delayed])
    }

    @Test func alertsOfKindsNoRuleOwnsAreLeftAlone() {
        let outage = Alert(
            id: 7, kind: .monitorOutage, severity: .info, jobID: nil, message: "monitor was down", openedAt: at(1))
        let fleet = Alert(id: 8, kind: .fleet, severity: .critical, jobID: nil, message: "many failed", openedAt: at(1))
        #expect(changes([(job(), [])], at: 2, open: [outage]).isEmpty)
        // A policy without the fleet rule leaves a fleet alert alone; the standard policy resolves it (one job).
        let fleetReport = FleetReport(jobs: [(job(), JobActivity(jobID: 1))], mutes: [], at: at(2))
        let jobRules = AlertPolicy(rules: [DelayedRule(), FailedRule()])
        #expect(jobRules.changes(for: fleetReport, openAlerts: [outage, fleet], maintenanceWindows: []).isEmpty)
        #expect(changes([(job(), [])], at: 2, open: [outage, fleet]).resolved.map(\.id) == [8])
    }

    @Test func eachJobIsJudgedOnItsOwn() {
        let jobs = [
            (job(1, slug: "a"), [run(1, start: 1, end: 1.5, .completed)]),
            (job(2, slug: "b"), [run(2, start: 1, end: 1.5, .failed)]),
            (job(3, slug: "c"), [Run]()),
        ]
        let open = [Alert(id: 1, kind: .failed, severity: .critical, jobID: 1, message: "a failed", openedAt: at(0.5))]
        let result = changes(jobs, at: 7.5, open: open)
        #expect(Set(result.opened.map { AlertKey(kind: $0.kind, jobID: $0.jobID) })
            == [AlertKey(kind: .failed, jobID: 2), AlertKey(kind: .delayed, jobID: 3)])
        #expect(result.resolved.map(\.id) == [1])
    }

    @Test func aRuleAddedToThePolicyOwnsItsKind() {
        /// A stand-in for a later rule: every job with a tag `noisy` has a size anomaly.
        struct NoisyRule: JobAlertRule {
            var kind: AlertKind { .sizeAnomaly }
            func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
                report.job.tags.contains("noisy")
                    ? AlertFinding(kind: .sizeAnomaly, jobID: report.job.id, severity: .warning, message: "noisy") : nil
            }
        }
        let policy = AlertPolicy(rules: [DelayedRule(), FailedRule(), VerificationFailedRule(), RunningTooLongRule(), NoisyRule()])
        #expect(policy.kinds == [.delayed, .failed, .verificationFailed, .runningTooLong, .sizeAnomaly])
        #expect(AlertPolicy.standard.kinds == Set(AlertKind.allCases).subtracting([.monitorOutage, .autoCreateLimit]))
        let fleet = FleetReport(
            jobs: [(job(tags: ["noisy"]), JobActivity(jobID: 1)), (job(2, slug: "quiet"), JobActivity(jobID: 2))],
            mutes: [], at: at(1))
        let stale = Alert(id: 3, kind: .sizeAnomaly, severity: .warning, jobID: 2, message: "noisy", openedAt: at(0))
        let result = policy.changes(for: fleet, openAlerts: [stale], maintenanceWindows: [])
        #expect(result.opened.map(\.jobID) == [1])
        #expect(result.resolved.map(\.id) == [3])
    }
}

@Suite struct AlertPolicyTextTests {
    @Test func timesOnAnotherDayOrInACronZoneSayWhich() throws {
        #expect(AlertText.time(at(6), in: utc, now: at(7)) == "06:00 UTC")
        #expect(AlertText.time(at(-1), in: utc, now: at(7)) == "May 31 23:00 UTC")
        #expect(AlertText.time(at(-24 * 200), in: utc, now: at(7)) == "Nov 13 2025 00:00 UTC")
        let nightly = Job(
            id: 1, slug: "nightly", pingKey: "k", schedule: try Schedule.parse("30 2 * * *", timeZone: "Europe/Berlin"),
            createdAt: base)
        #expect(AlertText.time(at(0.5), for: nightly, now: at(1)) == "02:30 Europe/Berlin")
    }

    @Test func detailsAreOneShortLine() {
        #expect(AlertText.detail(" disk full\n\n  retry later ") == "disk full retry later")
        #expect(AlertText.detail("  \n") == nil)
        #expect(AlertText.detail(String(repeating: "x", count: 300))?.count == 200)
    }
}
