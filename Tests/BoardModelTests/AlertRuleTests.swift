import Foundation
import Testing
@testable import BoardModel

// The rules of docs/architecture.md §5 beyond a job's own state: anomalies, chains, RPO, the fleet.

/// Monday 2026-06-01 00:00 UTC; jobs are created then.
private let base = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!
private func at(_ hours: Double) -> Date { base.addingTimeInterval(hours * 3_600) }
private let gb: Int64 = 1_000_000_000

/// A job every `every` hours with `grace` hours of grace.
private func job(
    _ id: Int64 = 1, slug: String? = nil, every: Double = 6, grace: Double = 1, kind: BackupKind = .other,
    chainParent: String? = nil, rpo: Double? = nil, paused: Bool = false, alerting: AlertSettings = AlertSettings()
) -> Job {
    Job(id: id, slug: slug ?? String(format: "job-%05d", id), pingKey: "key-\(id)", schedule: .interval(every * 3_600),
        grace: grace * 3_600, kind: kind, chainParent: chainParent, rpo: rpo.map { $0 * 3_600 }, paused: paused,
        alerting: alerting, createdAt: base)
}

private func run(_ jobID: Int64 = 1, _ start: Double, _ end: Double?, _ outcome: RunOutcome = .completed, size: Int64? = nil) -> Run {
    Run(jobID: jobID, startedAt: at(start), endedAt: end.map(at), lastHeartbeatAt: at(end ?? start), outcome: outcome,
        sizeBytes: size)
}

/// Good runs every 6 hours from 00:00, one per size, each lasting `hours[i]` (30 minutes when not given).
private func history(_ jobID: Int64 = 1, sizes: [Int64?], hours: [Double]? = nil) -> [Run] {
    sizes.indices.map { index in
        run(jobID, Double(index) * 6, Double(index) * 6 + (hours?[index] ?? 0.5), size: sizes[index])
    }
}

/// `policy`'s changes for `jobs` and their runs, judged at `hours` as `serve` judges them.
private func judge(
    _ jobs: [(Job, [Run])], at hours: Double, open: [Alert] = [], windows: [MaintenanceWindow] = [],
    outages: [DateInterval] = [], policy: AlertPolicy = .standard
) -> AlertChanges {
    let entries = jobs.map { ($0.0, JobActivity(jobID: $0.0.id!, recentRuns: $0.1)) }
    let fleet = FleetReport(jobs: entries, mutes: [], at: at(hours), skipping: outages)
    return policy.changes(
        for: fleet, openAlerts: open, maintenanceWindows: windows,
        activities: Dictionary(uniqueKeysWithValues: entries.map { ($0.0.id!, $0.1) }), outages: outages)
}

private func kinds(_ alerts: [Alert]) -> Set<AlertKind> { Set(alerts.map(\.kind)) }

@Suite struct SizeAnomalyRuleTests {
    /// Twelve good runs growing 5% a run from 100 GB: 100, 105, … 171 GB.
    private let growing: [Int64?] = (0..<12).map { Int64(100e9 * pow(1.05, Double($0))) }

    @Test func aNinetyPercentCollapseAgainstAGrowingTrend() {
        #expect(judge([(job(), history(sizes: growing))], at: 66.6).isEmpty, "steady growth is no anomaly")
        let collapsed = history(sizes: growing + [Int64(Double(growing.last!!) * 0.1)])
        let result = judge([(job(), collapsed)], at: 72.6)
        #expect(result.opened == [Alert(
            kind: .sizeAnomaly, severity: .warning, jobID: 1,
            message: "job-00001's backup of 00:00 UTC is 17 GB, 88% smaller than the mean of its previous 10 good runs (139 GB)",
            openedAt: at(72.6))])
        // A condition that stays true opens nothing more; the next normal run resolves it.
        let open = applying(result, to: [])
        #expect(judge([(job(), collapsed)], at: 75, open: open).isEmpty)
        let recovered = history(sizes: growing + [Int64(Double(growing.last!!) * 0.1), 180 * gb])
        #expect(judge([(job(), recovered)], at: 78.6, open: open).resolved.map(\.kind) == [.sizeAnomaly])
    }

    @Test func fewerThanThreeGoodRunsGiveNoJudgement() {
        #expect(judge([(job(), history(sizes: [100 * gb, 100 * gb, 1 * gb]))], at: 12.6).isEmpty)
        let three = judge([(job(), history(sizes: [100 * gb, 100 * gb, 100 * gb, 1 * gb]))], at: 18.6)
        #expect(three.opened.map(\.kind) == [.sizeAnomaly], "three good runs before it are enough")
        // Failed runs neither count towards the mean nor are judged.
        var failing = history(sizes: [100 * gb, 100 * gb, 100 * gb, 1 * gb])
        failing[1].outcome = .failed
        #expect(kinds(judge([(job(), failing)], at: 18.6).opened).isEmpty)
        failing[3].outcome = .failed
        #expect(kinds(judge([(job(), failing)], at: 18.6).opened) == [.failed])
    }

    @Test func theFactorAndTheWindowComeFromTheJob() {
        let runs = history(sizes: [100 * gb, 100 * gb, 100 * gb, 100 * gb, 40 * gb])
        #expect(judge([(job(), runs)], at: 24.6).opened.map(\.kind) == [.sizeAnomaly], "60% smaller")
        let lenient = job(alerting: AlertSettings(sizeAnomalyFactor: 0.7, severities: [.sizeAnomaly: .critical]))
        #expect(judge([(lenient, runs)], at: 24.6).isEmpty)
        let grown = history(sizes: [100 * gb, 100 * gb, 100 * gb, 100 * gb, 160 * gb])
        #expect(judge([(lenient, grown)], at: 24.6).isEmpty)
        let louder = history(sizes: [100 * gb, 100 * gb, 100 * gb, 100 * gb, 180 * gb])
        #expect(judge([(lenient, louder)], at: 24.6).opened.map(\.severity) == [.critical])
        let needsFive = job(alerting: AlertSettings(anomalyWindow: 5, anomalyMinRuns: 5))
        #expect(judge([(needsFive, runs)], at: 24.6).isEmpty, "four good runs, five needed")
    }
}

@Suite struct DurationAnomalyRuleTests {
    private let sizes = [Int64?](repeating: 50 * gb, count: 11)

    @Test func twoPointOneTimesTheMean() {
        let slow = history(sizes: sizes, hours: Array(repeating: 1, count: 10) + [2.1])
        let result = judge([(job(), slow)], at: 62.2)
        #expect(result.opened == [Alert(
            kind: .durationAnomaly, severity: .warning, jobID: 1,
            message: "job-00001's run of 12:00 UTC took 2h6m, 2.1× the mean of its previous 10 good runs (1h)",
            openedAt: at(62.2))])
        let twice = history(sizes: sizes, hours: Array(repeating: 1, count: 10) + [2])
        #expect(judge([(job(), twice)], at: 62.2).isEmpty, "exactly twice the mean is not above it")
        let quick = history(sizes: sizes, hours: Array(repeating: 1, count: 10) + [0.4])
        #expect(judge([(job(), quick)], at: 62.2).opened.map(\.kind) == [.durationAnomaly], "under half the mean")
    }

    @Test func fewerThanThreeGoodRunsGiveNoJudgement() {
        #expect(judge([(job(), history(sizes: [nil, nil, nil], hours: [1, 1, 5]))], at: 17).isEmpty)
        #expect(judge([(job(), history(sizes: [nil, nil, nil, nil], hours: [1, 1, 1, 5]))], at: 23).opened.map(\.kind)
            == [.durationAnomaly])
    }
}

@Suite struct AnomalyFlagTests {
    @Test func flagsAreParallelToTheRunsAndMarkOnlyJudgedGoodRuns() {
        var runs = history(sizes: [100 * gb, 100 * gb, 100 * gb, 10 * gb, 100 * gb, 100 * gb, 100 * gb],
                           hours: [1, 1, 1, 1, 3, 1, 1])
        runs[5].outcome = .failed
        runs.append(run(1, 42, nil, .running))
        let flags = AnomalyDetector.flags(runs: runs, settings: AlertSettings(), minSize: nil)
        #expect(flags == [[], [], [], [.size], [.duration], [], [], []])
        // A min size makes the small run a failure: it is neither flagged nor averaged.
        let strict = AnomalyDetector.flags(runs: runs, settings: AlertSettings(), minSize: 50 * gb)
        #expect(strict == [[], [], [], [], [.duration], [], [], []])
        #expect(AnomalyDetector.flags(runs: [], settings: AlertSettings(), minSize: nil).isEmpty)
    }

    @Test func bothAtOnce() {
        let runs = history(sizes: [10 * gb, 10 * gb, 10 * gb, 30 * gb], hours: [1, 1, 1, 3])
        #expect(AnomalyDetector.flags(runs: runs, settings: AlertSettings(), minSize: nil).last == [.size, .duration])
    }
}

@Suite struct ChainBrokenRuleTests {
    private let full = job(1, slug: "db-full", every: 24, kind: .full)
    private let incremental = job(2, slug: "db-incr", kind: .incremental, chainParent: "db-full")

    @Test func anIncrementalFailingAfterItsFullBreaksTheChainUntilTheNextFull() {
        let fullRuns = [run(1, 0, 1)]
        let incrRuns = [run(2, 6, 6.5), run(2, 12, 12.5, .failed)]
        let result = judge([(full, fullRuns), (incremental, incrRuns)], at: 12.6)
        #expect(kinds(result.opened) == [.failed, .chainBroken])
        #expect(result.opened.first { $0.kind == .chainBroken } == Alert(
            kind: .chainBroken, severity: .emergency, jobID: 2,
            message: "db-incr's chain is broken: its run of 12:00 UTC failed after the full db-full of 01:00 UTC; "
                + "later runs lack its changes until the next good full",
            openedAt: at(12.6)))
        // A good incremental afterwards clears `failed`, not the chain.
        let open = applying(result, to: [])
        let next = judge([(full, fullRuns), (incremental, incrRuns + [run(2, 18, 18.5)])], at: 18.6, open: open)
        #expect(next.opened.isEmpty)
        #expect(next.resolved.map(\.kind) == [.failed])
        // The next good full starts a new chain.
        let fresh = judge(
            [(full, fullRuns + [run(1, 24, 25)]), (incremental, incrRuns + [run(2, 18, 18.5)])], at: 25.1,
            open: applying(next, to: open))
        #expect(fresh.resolved.map(\.kind) == [.chainBroken])
        // A failure before the full is not in this chain.
        #expect(kinds(judge([(full, [run(1, 24, 25)]), (incremental, incrRuns)], at: 25.1).opened) == [.failed, .delayed])
    }

    @Test func aFullFailingWithIncrementalsAfterIt() {
        let failedFull = [run(1, -24, -23), run(1, 0, 0.5, .failed)]
        #expect(judge([(full, failedFull), (incremental, [run(2, -6, -5.5)])], at: 0.6).opened.map(\.jobID) == [1],
                "no incremental on top of it yet: only the full's own failure")
        let onTop = [run(2, 6, 6.5), run(2, 12, 12.5)]
        let result = judge([(full, failedFull), (incremental, onTop)], at: 12.6)
        #expect(result.opened.filter { $0.jobID == 2 } == [Alert(
            kind: .chainBroken, severity: .emergency, jobID: 2,
            message: "db-incr's chain is broken: its full db-full of 00:00 UTC failed, and 2 runs of db-incr since build on it",
            openedAt: at(12.6))])
        let repaired = judge(
            [(full, failedFull + [run(1, 24, 25)]), (incremental, onTop)], at: 25.1, open: applying(result, to: []))
        #expect(Set(repaired.resolved.map(\.kind)) == [.failed, .chainBroken])
    }

    @Test func aDifferentialDependsOnTheFullAlone() {
        let differential = job(2, slug: "db-diff", kind: .differential, chainParent: "db-full")
        let runs = [run(2, 6, 6.5, .failed)]
        #expect(kinds(judge([(full, [run(1, 0, 1)]), (differential, runs)], at: 6.6).opened) == [.failed, .chainBroken])
        #expect(judge([(full, [run(1, 0, 1)]), (differential, runs + [run(2, 12, 12.5)])], at: 12.6).isEmpty)
    }

    @Test func aPausedChildOrAnUnknownParentIsNotJudged() {
        let failedFull = [run(1, 0, 1, .failed)]
        let onTop = [run(2, 6, 6.5)]
        let paused = job(2, slug: "db-incr", kind: .incremental, chainParent: "db-full", paused: true)
        #expect(judge([(full, failedFull), (paused, onTop)], at: 6.6).opened.map(\.jobID) == [1])
        let orphan = job(2, slug: "db-incr", kind: .incremental, chainParent: "gone")
        #expect(judge([(full, failedFull), (orphan, onTop)], at: 6.6).opened.map(\.jobID) == [1])
    }
}

@Suite struct RPOBreachRuleTests {
    /// Daily with 6 hours of grace and an RPO of 26 hours: its deadline (30 h after the last start) is later
    /// than the RPO allows.
    private let daily = job(slug: "nas-daily", every: 24, grace: 6, rpo: 26)
    private let good = [run(1, 0, 0.5)]

    @Test func anRPOBreachWhileTheJobIsOnlyLate() {
        #expect(judge([(daily, good)], at: 26.4).isEmpty, "backup age 25h54m")
        let result = judge([(daily, good)], at: 27)
        #expect(result.opened == [Alert(
            kind: .rpoBreach, severity: .critical, jobID: 1,
            message: "nas-daily's latest good backup is 1d2h30m old, older than its RPO 1d2h: it ended Jun 1 00:30 UTC",
            openedAt: at(27))])
        let status = JobEvaluator.evaluate(daily, activity: JobActivity(jobID: 1, recentRuns: good), at: at(27))
        #expect(status.state == .late)
        // A good run brings the backup age back under the RPO.
        let resolved = judge([(daily, good + [run(1, 27.5, 28)])], at: 28.1, open: applying(result, to: []))
        #expect(resolved.resolved.map(\.kind) == [.rpoBreach])
    }

    @Test func aJobNeverGoodIsAgedFromItsCreation() {
        let twelve = job(slug: "fresh", every: 24, grace: 1, rpo: 12)
        #expect(judge([(twelve, [run(1, 1, 1.5, .failed)])], at: 12).opened.map(\.kind) == [.failed])
        let result = judge([(twelve, [run(1, 1, 1.5, .failed)])], at: 12.5)
        #expect(result.opened.first { $0.kind == .rpoBreach }?.message
            == "fresh has had no good backup in the 12h30m since it was created, longer than its RPO 12h")
        #expect(judge([(job(every: 24, grace: 1), [])], at: 100).opened.map(\.kind) == [.delayed], "no RPO, no breach")
    }

    @Test func aBreachInsideAnOutageIsJudgedFromTheFirstDeadlineAfterIt() {
        // Last good run ended 00:30: the RPO (26 h) runs out at 02:30 on day 2, inside the outage 01:00–08:00.
        let outage = [DateInterval(start: at(25), end: at(32))]
        #expect(judge([(daily, good)], at: 32, outages: outage).isEmpty, "no storm on restart")
        // The next due time after the outage is 08:00 on day 3 (interval 24 h), its deadline 14:00.
        #expect(judge([(daily, good)], at: 61.9, outages: outage).isEmpty)
        #expect(kinds(judge([(daily, good)], at: 62, outages: outage).opened) == [.rpoBreach, .delayed])
        // A breach before the outage was judged before it and stands.
        let before = [DateInterval(start: at(27), end: at(32))]
        #expect(judge([(daily, good)], at: 32, outages: before).opened.map(\.kind) == [.rpoBreach])
    }
}

@Suite struct FleetRuleTests {
    /// `count` jobs that last ran well at 00:00; those in `failing` failed at 01:00 instead.
    private func fleet(_ count: Int, failing: Int, paused: Int = 0) -> [(Job, [Run])] {
        (1...count).map { number in
            let id = Int64(number)
            let outcome: RunOutcome = number <= failing ? .failed : .completed
            return (job(id, paused: number > count - paused), [run(id, 1, 1.5, outcome)])
        }
    }

    private func fleetAlerts(_ changes: AlertChanges) -> [Alert] { changes.opened.filter { $0.kind == .fleet } }

    @Test func fourJobsThreeNewlyFailed() {
        #expect(fleetAlerts(judge(fleet(4, failing: 2), at: 1.6)).isEmpty)
        let result = judge(fleet(4, failing: 3), at: 1.6)
        #expect(fleetAlerts(result) == [Alert(
            kind: .fleet, severity: .critical, jobID: nil,
            message: "3 of 4 jobs newly failed or overdue (threshold 3): job-00001, job-00002, job-00003",
            openedAt: at(1.6))])
        #expect(result.opened.filter { $0.kind == .failed }.count == 3, "the job alerts still open, for the board")
        let fleetAlert = applying(result, to: []).first { $0.kind == .fleet }!
        #expect(applying(result, to: []).filter { $0.kind == .failed }
            .allSatisfy { FleetRule.foldsIntoFleet($0, fleetAlert: fleetAlert) })
    }

    @Test func fortyJobsNeedFour() {
        #expect(FleetRule.threshold(unpausedJobs: 40) == 4)
        #expect(fleetAlerts(judge(fleet(40, failing: 3), at: 1.6)).isEmpty)
        let result = judge(fleet(40, failing: 4), at: 1.6)
        #expect(fleetAlerts(result).count == 1)
        #expect(fleetAlerts(result).first?.message.hasPrefix("4 of 40 jobs newly failed or overdue (threshold 4): ") == true)
        // Paused jobs count neither way: 40 jobs of which 30 are paused need 3.
        #expect(fleetAlerts(judge(fleet(40, failing: 3, paused: 30), at: 1.6)).count == 1)
    }

    @Test func tenThousandJobsNeedAThousand() {
        #expect(FleetRule.threshold(unpausedJobs: 10_000) == 1_000)
        #expect(FleetRule.threshold(unpausedJobs: 10_001) == 1_001)
        #expect(fleetAlerts(judge(fleet(10_000, failing: 999), at: 1.6)).isEmpty)
        let result = judge(fleet(10_000, failing: 1_000), at: 1.6)
        #expect(fleetAlerts(result).count == 1)
        #expect(fleetAlerts(result).first?.message.hasSuffix("job-00004, job-00005 and 995 more") == true)
        #expect(result.opened.count == 1_001)
    }

    @Test func newlyMeansOpenedWithinFifteenMinutesOrNow() {
        let jobs = fleet(10, failing: 3)
        func failedAlert(_ id: Int64, minutesAgo: Double) -> Alert {
            Alert(id: id, kind: .failed, severity: .critical, jobID: id, message: "failed",
                  openedAt: at(1.6).addingTimeInterval(-minutesAgo * 60))
        }
        let recent = [failedAlert(1, minutesAgo: 10), failedAlert(2, minutesAgo: 15)]
        #expect(fleetAlerts(judge(jobs, at: 1.6, open: recent)).count == 1)
        let old = [failedAlert(1, minutesAgo: 10), failedAlert(2, minutesAgo: 16)]
        #expect(fleetAlerts(judge(jobs, at: 1.6, open: old)).isEmpty)
    }

    @Test func overdueJobsCountAndTheSeverityIsTheWorstFolded() {
        // Ten jobs never seen: all overdue at 07:00, info.
        let silent = (1...10).map { (job(Int64($0)), [Run]()) }
        let result = judge(silent, at: 7)
        #expect(fleetAlerts(result).map(\.severity) == [.info])
        var louder = silent
        louder[4].0.alerting = AlertSettings(severities: [.delayed: .emergency])
        #expect(fleetAlerts(judge(louder, at: 7)).map(\.severity) == [.emergency])
        // Held back by a maintenance window: no delayed alert, so no fleet alert either.
        let window = MaintenanceWindow(
            name: "patching", days: [.monday], startMinute: 360, endMinute: 540, timeZone: TimeZone(identifier: "UTC")!,
            jobs: ["*"])
        #expect(judge(silent, at: 7, windows: [window]).isEmpty)
        // The severity follows the folded alerts: one more period missed escalates them, and the fleet alert.
        let escalated = judge(silent, at: 13, open: applying(result, to: []))
        #expect(escalated.updated.filter { $0.kind == .fleet }.map(\.severity) == [.critical])
    }

    @Test func itStaysOpenWhileTheFoldedJobsAreDownAndResolvesWhenFewerAre() {
        let down = fleet(10, failing: 4)
        let open = applying(judge(down, at: 1.6), to: [])
        #expect(open.filter { $0.kind == .fleet }.count == 1)
        #expect(judge(down, at: 3, open: open).isEmpty, "an hour later the same jobs are still down: one alert, unchanged")
        // Two recover: two left, below the threshold of 3.
        var better = down
        for index in 0..<2 { better[index].1.append(run(Int64(index + 1), 2.5, 2.8)) }
        let resolved = judge(better, at: 3, open: open)
        #expect(kinds(resolved.resolved) == [.failed, .fleet])
        #expect(resolved.resolved.filter { $0.kind == .fleet }.map(\.resolvedAt) == [at(3)])
    }

    @Test func foldsIntoFleet() {
        let fleetAlert = Alert(id: 9, kind: .fleet, severity: .critical, jobID: nil, message: "many", openedAt: at(2))
        func alert(_ kind: AlertKind, minutes: Double, jobID: Int64? = 1) -> Alert {
            Alert(kind: kind, severity: .critical, jobID: jobID, message: "", openedAt: at(2).addingTimeInterval(minutes * 60))
        }
        #expect(FleetRule.foldsIntoFleet(alert(.failed, minutes: -15), fleetAlert: fleetAlert))
        #expect(!FleetRule.foldsIntoFleet(alert(.failed, minutes: -15.5), fleetAlert: fleetAlert))
        #expect(FleetRule.foldsIntoFleet(alert(.delayed, minutes: 120), fleetAlert: fleetAlert))
        #expect(!FleetRule.foldsIntoFleet(alert(.rpoBreach, minutes: 0), fleetAlert: fleetAlert))
        #expect(!FleetRule.foldsIntoFleet(alert(.failed, minutes: 0, jobID: nil), fleetAlert: fleetAlert))
        var resolved = fleetAlert
        resolved.resolvedAt = at(3)
        #expect(FleetRule.foldsIntoFleet(alert(.failed, minutes: 59), fleetAlert: resolved))
        #expect(!FleetRule.foldsIntoFleet(alert(.failed, minutes: 60), fleetAlert: resolved), "opened after it resolved")
        #expect(!FleetRule.foldsIntoFleet(alert(.failed, minutes: 0), fleetAlert: alert(.failed, minutes: 0)))
    }
}

@Suite struct FlakyRuleTests {
    /// Ten good runs every 6 hours from 00:00; the runs at `retried` took `attempts` attempts.
    private func runs(retried: Set<Int>, count: Int = 10, attempts: Int = 2) -> [Run] {
        (0..<count).map { index in
            var run = run(1, Double(index) * 6, Double(index) * 6 + 0.5)
            if retried.contains(index) { run.attempts = attempts }
            return run
        }
    }

    @Test func threeRetriedRunsInTheLastTenRaiseAWarning() {
        #expect(judge([(job(), runs(retried: [2, 5]))], at: 54.6).isEmpty, "two are not flaky")
        let result = judge([(job(), runs(retried: [2, 5, 9], attempts: 3))], at: 54.6)
        #expect(result.opened == [Alert(
            kind: .flaky, severity: .warning, jobID: 1,
            message: "job-00001 needed a retry in 3 of its last 10 runs; the latest, 06:00 UTC, took 3 attempts",
            openedAt: at(54.6))])
    }

    @Test func itResolvesWhenTheRetriesFallOutOfTheWindow() {
        let flaky = runs(retried: [0, 1, 2], count: 10)
        let open = judge([(job(), flaky)], at: 54.6).opened
        #expect(open.map(\.kind) == [.flaky])
        let opened = open.map { alert -> Alert in
            var alert = alert
            alert.id = 1
            return alert
        }
        // One more clean run pushes the run at 00:00 out of the last ten: two retried runs remain.
        let later = runs(retried: [0, 1, 2], count: 11)
        let result = judge([(job(), later)], at: 60.6, open: opened)
        #expect(result.resolved.map(\.kind) == [.flaky])
        #expect(result.resolved.first?.resolvedAt == at(60.6))
        #expect(result.opened.isEmpty)
    }

    @Test func theOpenRunAndRunsWithoutAttemptsDoNotCount() {
        var history = runs(retried: [7, 8])
        var open = run(1, 60, nil, .running)
        open.attempts = 3
        history.append(open)
        #expect(judge([(job(), history)], at: 60.2).isEmpty)
        var once = runs(retried: [])
        for index in once.indices { once[index].attempts = 1 }
        #expect(judge([(job(), once)], at: 54.6).isEmpty, "one attempt is no retry")
    }

    @Test func failedRunsThatWereRetriedCountToo() {
        var history = runs(retried: [3, 6, 9])
        history[9].outcome = .failed
        let result = judge([(job(), history)], at: 54.6)
        #expect(kinds(result.opened) == [.flaky, .failed])
    }

    @Test func theThresholdWindowAndSeverityComeFromTheJob() {
        let history = runs(retried: [1, 6, 8])
        let strict = job(alerting: AlertSettings(flakyRuns: 2, flakyWindow: 5, severities: [.flaky: .critical]))
        let result = judge([(strict, history)], at: 54.6)
        #expect(result.opened.map(\.kind) == [.flaky])
        #expect(result.opened.first?.severity == .critical)
        #expect(result.opened.first?.message.contains("2 of its last 5 runs") == true)
        let narrow = job(alerting: AlertSettings(flakyRuns: 2, flakyWindow: 1))
        #expect(judge([(narrow, history)], at: 54.6).isEmpty, "only the last run is looked at")
        #expect(judge([(job(), history)], at: 54.6).opened.map(\.kind) == [.flaky], "3 of 10 by default")
        #expect(judge([(job(paused: true), runs(retried: [1, 2, 3]))], at: 54.6).isEmpty, "paused jobs never alert")
    }
}
