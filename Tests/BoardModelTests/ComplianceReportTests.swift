import BoardModel
import Foundation
import Testing
import BoardSQLite

// A fixed start: 2026-10-01T00:00:00Z. Every date is an offset in hours from it.
private let t0 = Date(timeIntervalSince1970: 1_790_812_800)
private func hours(_ h: Double) -> Date { t0.addingTimeInterval(h * 3_600) }
private let day = 24.0

private func job(id: Int64, slug: String, rpo: TimeInterval? = nil, minSize: Int64? = nil, createdAt: Date = hours(-1_000)) -> Job {
    Job(id: id, slug: slug, pingKey: "key-\(slug)", schedule: .interval(6 * 3_600), minSize: minSize, rpo: rpo, createdAt: createdAt)
}

/// A run of job `jobID` starting at `start` (hours) and lasting `length` seconds.
private func run(
    _ jobID: Int64, at start: Double, length: TimeInterval = 600, outcome: RunOutcome = .completed, size: Int64? = nil
) -> Run {
    let started = hours(start)
    return Run(
        jobID: jobID, startedAt: started, endedAt: outcome == .running ? nil : started.addingTimeInterval(length),
        lastHeartbeatAt: started.addingTimeInterval(length), outcome: outcome, sizeBytes: size)
}

private func alert(
    _ kind: AlertKind, job: Int64?, at opened: Double, ackAfter: TimeInterval? = nil, resolvedAfter: TimeInterval? = nil
) -> Alert {
    let openedAt = hours(opened)
    return Alert(
        kind: kind, severity: kind.defaultSeverity, jobID: job, message: kind.rawValue, openedAt: openedAt,
        acknowledgedAt: ackAfter.map { openedAt.addingTimeInterval($0) }, acknowledgedBy: ackAfter == nil ? nil : "ops",
        resolvedAt: resolvedAfter.map { openedAt.addingTimeInterval($0) })
}

@Suite struct ComplianceReportTests {
    let period = DateInterval(start: hours(0), end: hours(10 * day))

    @Test func failureStreakAndSuccessRate() {
        let pattern: [RunOutcome] = [.completed, .completed, .failed, .abandoned, .failed, .completed, .failed, .failed]
        var runs = pattern.enumerated().map { run(1, at: Double($0.offset) * 6, outcome: $0.element, size: 1_000) }
        runs.append(run(1, at: -30, outcome: .failed)) // before the period: not counted
        runs.append(run(1, at: 60, outcome: .running)) // still open: not judged
        runs.append(run(1, at: 66, size: 10)) // completed but below the min size: a failure
        let entry = JobCompliance(job: job(id: 1, slug: "db", minSize: 100), runs: runs, alerts: [], period: period)
        #expect(entry.runs == 9)
        #expect(entry.goodRuns == 3)
        #expect(entry.successRate == 3.0 / 9.0)
        #expect(entry.longestFailureStreak == 3)
        #expect(entry.failureStreakAtEnd == 3) // failed, failed, too small
    }

    @Test func rpoBreachesAreClippedToThePeriodAndOngoingAtItsEnd() {
        // RPO 8h. The last good run before the period ended at -12h, so the backup age passed 8h at -4h:
        // that breach spans the period's start and counts from 0 to the next good end at 6h.
        var runs = [run(1, at: -12.5, length: 1_800)]
        runs += stride(from: 5.5, through: 5 * day - 0.5, by: 6).map { run(1, at: $0, length: 1_800) } // ends every 6h to 120h
        runs.append(run(1, at: 130, outcome: .failed))
        runs += stride(from: 6 * day - 0.5, through: 9 * day - 6.5, by: 6).map { run(1, at: $0, length: 1_800) }
        // ends at 144h (breach 128h–144h), then every 6h to 210h
        runs.append(run(1, at: 9 * day - 0.5, length: 1_800)) // ends at 216h: breach 224h–240h, still open at the end
        let entry = JobCompliance(job: job(id: 1, slug: "db", rpo: 8 * 3_600), runs: runs, alerts: [], period: period)
        #expect(entry.rpoBreaches == [
            DateInterval(start: hours(0), end: hours(6)),
            DateInterval(start: hours(128), end: hours(144)),
            DateInterval(start: hours(224), end: hours(240)),
        ])
        #expect(entry.rpoBreachTime == (6 + 16 + 16) * 3_600)
        #expect(entry.breachingAtEnd)
        #expect(entry.runs == runs.count - 1) // the run before the period is only the backup age's start
    }

    @Test func outagesOfTheMonitorAreNotBreachTime() {
        // Never a good run: the age counts from creation (hour 0), so the breach starts at 8h.
        let created = job(id: 1, slug: "db", rpo: 8 * 3_600, createdAt: hours(0))
        let outage = DateInterval(start: hours(100), end: hours(110))
        let entry = JobCompliance(job: created, runs: [], alerts: [], outages: [outage], period: period)
        #expect(entry.rpoBreaches == [
            DateInterval(start: hours(8), end: hours(100)), DateInterval(start: hours(110), end: hours(240)),
        ])
        #expect(entry.rpoBreachTime == (240 - 8 - 10) * 3_600)
        let noRPO = JobCompliance(job: job(id: 1, slug: "db"), runs: [], alerts: [], period: period)
        #expect(noRPO.rpoBreaches.isEmpty && !noRPO.breachingAtEnd)
    }

    @Test func growingSizeTrendIsProjected() {
        // One good run a day, 100 GB growing by exactly 1 GB a day; the period is 30 days.
        let month = DateInterval(start: hours(0), end: hours(30 * day))
        let runs = (0..<30).map { d in run(1, at: Double(d) * day, length: 3_600, size: 100_000_000_000 + Int64(d) * 1_000_000_000) }
        let entry = JobCompliance(job: job(id: 1, slug: "files"), runs: runs, alerts: [], period: month)
        let size = try! #require(entry.size)
        #expect(size.count == 30)
        #expect(abs(size.mean - 114.5e9) < 1)
        #expect(size.latest == 129e9)
        let trend = try! #require(size.trend)
        #expect(abs(trend.slopePerDay - 1e9) < 1)
        // The line at day 30 + 30 and day 30 + 90.
        #expect(abs(try! #require(size.projected(30 * 86_400, after: month.end)) - 160e9) < 10)
        #expect(abs(try! #require(size.projected(90 * 86_400, after: month.end)) - 220e9) < 10)
        let duration = try! #require(entry.duration)
        #expect(duration.mean == 3_600)
        #expect(duration.trend?.slopePerDay == 0)
    }

    @Test func aShrinkingTrendNeverProjectsBelowZeroAndTwoRunsHaveNoTrend() {
        let runs = (0..<5).map { d in run(1, at: Double(d) * day, size: 10_000 - Int64(d) * 2_000) }
        let entry = JobCompliance(job: job(id: 1, slug: "x"), runs: runs, alerts: [], period: period)
        #expect(entry.size?.projected(90 * 86_400, after: period.end) == 0)
        let two = JobCompliance(job: job(id: 1, slug: "x"), runs: Array(runs.prefix(2)), alerts: [], period: period)
        #expect(two.size?.trend == nil)
        #expect(two.size?.projected(30 * 86_400, after: period.end) == nil)
    }

    @Test func alertCountsAndTimeToAcknowledge() {
        let alerts = [
            alert(.failed, job: 1, at: 10, ackAfter: 600),
            alert(.failed, job: 1, at: 20, ackAfter: 1_800),
            alert(.failed, job: 1, at: 30),
            alert(.delayed, job: 1, at: 40, ackAfter: 7_200),
            alert(.failed, job: 1, at: -5, ackAfter: 60), // opened before the period
            alert(.failed, job: 2, at: 50, ackAfter: 60), // another job
        ]
        let entry = JobCompliance(job: job(id: 1, slug: "db"), runs: [], alerts: alerts, period: period)
        #expect(entry.alerts.total == 4)
        #expect(entry.alerts.countsByKind.map(\.kind) == [.delayed, .failed])
        #expect(entry.alerts.count(of: .failed) == 3)
        #expect(entry.alerts.acknowledged == 3)
        #expect(entry.alerts.medianTimeToAcknowledge == 1_800)
        #expect(entry.alerts.maxTimeToAcknowledge == 7_200)
        let even = AlertSummary(Array(alerts.prefix(2)))
        #expect(even.medianTimeToAcknowledge == 1_200)
    }

    @Test func fleetTotalsAddUpEveryJobAndTheFleetAlerts() {
        let jobs = [job(id: 1, slug: "a", rpo: 8 * 3_600, createdAt: hours(0)), job(id: 2, slug: "b")]
        // a: good runs every 6h with a steady 1 GB; b: two good runs of 500 MB (no trend) and two failures.
        var runs = stride(from: 0.0, to: 240, by: 6).map { run(1, at: $0, size: 1_000_000_000) }
        runs += [run(2, at: 1, size: 500_000_000), run(2, at: 2, outcome: .failed), run(2, at: 3, outcome: .failed),
                 run(2, at: 4, size: 500_000_000)]
        let alerts = [
            alert(.fleet, job: nil, at: 5, ackAfter: 300),
            alert(.failed, job: 2, at: 2, ackAfter: 900),
            alert(.monitorOutage, job: nil, at: 100, resolvedAfter: 3_600),
        ]
        let outages = [DateInterval(start: hours(100), end: hours(101))]
        let report = ComplianceReport(jobs: jobs, runs: runs, alerts: alerts, outages: outages, period: period)
        #expect(report.jobs.map(\.job.slug) == ["a", "b"])
        #expect(report.runs == 44)
        #expect(report.goodRuns == 42)
        #expect(report.jobsBreachingRPO == 0)
        #expect(report.alerts.total == 2) // the outage is listed apart
        #expect(report.alerts.countsByKind.map(\.kind) == [.failed, .fleet])
        #expect(report.alerts.medianTimeToAcknowledge == 600)
        #expect(report.outages == outages)
        #expect(report.latestSizeTotal == 1.5e9)
        #expect(abs(report.projectedSizeTotal(30 * 86_400) - 1.5e9) < 1)
    }
}

@Suite struct ComplianceReportStoreTests {
    /// A started + completed (or failed) pair of heartbeats, `length` seconds apart.
    private func pair(_ jobID: Int64, at start: Double, length: TimeInterval = 1_800, failed: Bool = false, size: Double? = nil) -> [Heartbeat] {
        let started = hours(start)
        return [
            Heartbeat(jobID: jobID, receivedAt: started, report: HeartbeatReport(status: .started)),
            Heartbeat(
                jobID: jobID, receivedAt: started.addingTimeInterval(length),
                report: HeartbeatReport(status: failed ? .failed : .completed, size: size.map { Measured($0, text: "\($0)") })),
        ]
    }

    @Test(arguments: StoreKind.allCases) func theStoreReadsWhatThePureReportNeeds(_ kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        let id = try await store.insert(
            Job(slug: "db", pingKey: "key-db-0123456789", schedule: .interval(6 * 3_600), rpo: 8 * 3_600, createdAt: hours(-100)))
        // Before the period: a good run ending at -12h, then failures (the backup age runs from -12h).
        var beats = pair(id, at: -12.5, size: 1e9) + pair(id, at: -6, failed: true) + pair(id, at: -1, failed: true)
        for h in stride(from: 5.5, to: 200, by: 6) { beats += pair(id, at: h, size: 1e9 + h * 1e6) }
        beats += pair(id, at: 203.5, failed: true)
        _ = try await store.insert(beats)
        let failed = try await store.open(alert(.failed, job: id, at: 204)).alert
        try await store.acknowledgeAlert(id: try #require(failed.id), by: "ops", at: hours(204.5))

        let period = DateInterval(start: hours(0), end: hours(240))
        let report = try await store.complianceReport(over: period)
        let allRuns = try await store.runs(ofJob: id, limit: 1_000)
        let expected = ComplianceReport(
            jobs: try await store.jobs(), runs: allRuns, alerts: try await store.recentAlerts(limit: 100), outages: [], period: period)
        #expect(report == expected)
        let entry = try #require(report.jobs.first)
        #expect(entry.rpoBreaches.first == DateInterval(start: hours(0), end: hours(6)))
        #expect(entry.rpoBreaches.last == DateInterval(start: hours(206), end: hours(240)))
        #expect(entry.runs == 34)
        #expect(entry.alerts.maxTimeToAcknowledge == 1_800)
        #expect(try #require(entry.size?.trend).slopePerDay > 0)
    }
}

/// Restore drills in the report (docs/restore-tests.md): per job the drills of the period against the RTO and
/// the longest stretch without a successful restore; fleet totals of jobs proved, breached and untested.
@Suite struct ComplianceReportRestoreTests {
    let period = DateInterval(start: hours(0), end: hours(60 * day))

    func drill(_ id: Int64, _ slug: String, proves: [String]) -> Job {
        Job(id: id, slug: slug, pingKey: "key-\(slug)", schedule: .interval(30 * 86_400), kind: .restoreTest, tests: proves,
            createdAt: hours(-1_000))
    }

    func withRTO(_ id: Int64, _ slug: String, rto hours: Double) -> Job {
        var job = job(id: id, slug: slug)
        job.rto = hours * 3_600
        return job
    }

    @Test func drillsTheirTimesAndTheLongestUntestedStretch() throws {
        let jobs = [
            withRTO(1, "pg", rto: 1), withRTO(2, "mongo", rto: 2), job(id: 3, slug: "logs"),
            drill(4, "pg-restore", proves: ["pg"]),
        ]
        let runs = [
            run(4, at: -20 * day, length: 1_800),                 // before the period: where the stretch starts
            run(4, at: 10 * day, length: 2_400),                  // within the RTO
            run(4, at: 25 * day, length: 600, outcome: .failed),  // failed: no restore, no time judged
            run(4, at: 50 * day, length: 5_400),                  // 1h30m > RTO 1h
        ]
        let report = ComplianceReport(jobs: jobs, runs: runs, alerts: [], period: period)
        let pg = try #require(report.jobs.first { $0.job.slug == "pg" }?.restore)
        #expect(pg.tests == ["pg-restore"])
        #expect(pg.drills.map(\.good) == [true, false, true])
        #expect(pg.drills.map(\.duration) == [2_400, 600, 5_400])
        #expect(pg.drills.map(\.withinRTO) == [true, nil, false])
        #expect(pg.goodDrills == 2)
        #expect(pg.breached)
        #expect(!pg.provedWithinRTO, "its latest restore of the period was slower than the RTO")
        #expect(!pg.untested)
        // From the period's start (the last success before it ended earlier) to the drill at day 10, then from
        // there to day 50: the longest.
        let firstEnd = hours(10 * day).addingTimeInterval(2_400)
        let lastEnd = hours(50 * day).addingTimeInterval(5_400)
        #expect(pg.longestUntested == lastEnd.timeIntervalSince(firstEnd))

        let mongo = try #require(report.jobs.first { $0.job.slug == "mongo" }?.restore)
        #expect(mongo.tests.isEmpty && mongo.drills.isEmpty && mongo.untested)
        #expect(mongo.longestUntested == period.duration)
        #expect(report.jobs.first { $0.job.slug == "logs" }?.restore == nil, "no RTO, no test: nothing to judge")
        #expect(report.jobs.first { $0.job.slug == "pg-restore" }?.restore == nil)

        #expect(report.jobsProvedWithinRTO == 0)
        #expect(report.jobsBreachingRTO == 1)
        #expect(report.jobsUntested == 1)
    }

    @Test func theStoreReadsTheDrillsOfThePeriod() async throws {
        let store = try BoardStore.inMemory()
        var pg = job(id: 0, slug: "pg", createdAt: hours(-100))
        pg.rto = 3_600
        pg.id = nil
        try await store.insert(pg)
        var test = drill(0, "pg-restore", proves: ["pg"])
        test.id = nil
        let testID = try await store.insert(test)
        _ = try await store.insert([
            Heartbeat(jobID: testID, receivedAt: hours(5 * day), report: HeartbeatReport(status: .started)),
            Heartbeat(jobID: testID, receivedAt: hours(5 * day + 0.5), report: HeartbeatReport(status: .completed)),
        ])
        let report = try await store.complianceReport(over: period)
        let restore = try #require(report.jobs.first { $0.job.slug == "pg" }?.restore)
        #expect(restore.drills.map(\.duration) == [1_800])
        #expect(restore.drills.map(\.withinRTO) == [true])
        #expect(report.jobsProvedWithinRTO == 1)
    }
}
