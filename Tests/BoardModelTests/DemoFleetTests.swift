import Foundation
import Testing
@testable import BoardModel

/// Wednesday 2025-03-12 14:23:17 UTC: a fixed `now`, away from the weekly archive's Sunday run.
private let now = Date(timeIntervalSince1970: 1_741_789_397)
private let hour: TimeInterval = 3_600
private let day: TimeInterval = 86_400

private let specialSlugs: Set<String> = [
    "mysql-billing", "nas-photos", "fs-gitlab-data", "mysql-orders", "pg-prod-analytics", "pg-payments-v2",
    "mssql-legacy-erp", "restore-fs-home",
]

private func fleet(seed: UInt64 = 1, at date: Date = now) -> DemoFleet {
    DemoFleet.generate(seed: seed, now: date)
}

private func events(_ fleet: DemoFleet, _ slug: String) -> [DemoEvent] {
    fleet.events.filter { $0.slug == slug }
}

private func job(_ fleet: DemoFleet, _ slug: String) throws -> Job {
    try #require(fleet.jobs.first { $0.slug == slug })
}

/// The events of the job's latest run: from its last `started` on.
private func latestRun(_ events: [DemoEvent]) -> ArraySlice<DemoEvent> {
    guard let start = events.lastIndex(where: { $0.report.status == .started }) else { return [] }
    return events[start...]
}

private func intervalSeconds(_ job: Job) -> TimeInterval? {
    if case .interval(let seconds) = job.schedule { return seconds }
    return nil
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// Measured durations (completed − started) of the job's completed runs, oldest first.
private func completedDurations(_ events: [DemoEvent]) -> [Double] {
    var start: Date?
    var durations: [Double] = []
    for event in events {
        switch event.report.status {
        case .started: start = event.at
        case .completed:
            if let start { durations.append(event.at.timeIntervalSince(start)) }
        default: break
        }
    }
    return durations
}

// MARK: Determinism and shape

@Test func sameSeedAndNowGiveTheSameFleet() {
    let a = fleet(seed: 1)
    let b = fleet(seed: 1)
    #expect(a.jobs == b.jobs)
    #expect(a.events == b.events)
}

@Test func differentSeedsGiveDifferentFleets() {
    let a = fleet(seed: 1)
    let b = fleet(seed: 2)
    #expect(a.jobs.map(\.slug) == b.jobs.map(\.slug))
    #expect(a.jobs.map(\.pingKey) != b.jobs.map(\.pingKey))
    #expect(a.events.map(\.body) != b.events.map(\.body))
}

@Test func fleetHasAboutTwentyFiveJobsOfTheFourClassesAndThreeRestoreDrills() throws {
    let jobs = fleet().jobs
    #expect((25...31).contains(jobs.count))
    #expect(Set(jobs.map(\.slug)).count == jobs.count)
    #expect(Set(jobs.map(\.pingKey)).count == jobs.count)

    let databases = jobs.filter {
        guard let interval = intervalSeconds($0) else { return false }
        return $0.tags.contains("db") && $0.kind == .full && (4 * hour...6 * hour).contains(interval) && $0.grace == hour
    }
    let daily = jobs.filter { $0.tags.contains("fs") && $0.grace == 4 * hour && $0.kind != .incremental }
    let weekly = jobs.filter { $0.kind == .archive && $0.grace == day }
    let incrementals = jobs.filter {
        guard let interval = intervalSeconds($0) else { return false }
        return $0.kind == .incremental && (hour...2 * hour).contains(interval) && $0.grace == 2 * hour
    }
    #expect(databases.count >= 6)
    #expect(daily.count >= 6)
    #expect(weekly.count >= 3)
    #expect(incrementals.count >= 5)
    let drills = jobs.filter { $0.kind == .restoreTest && intervalSeconds($0) == 30 * day && $0.grace == 2 * day }
    #expect(drills.map(\.tests) == [["pg-prod-main"], ["mysql-orders"], ["fs-home"]])
    #expect(databases.count + daily.count + weekly.count + incrementals.count + drills.count == jobs.count)

    for job in daily where intervalSeconds(job) != nil {
        #expect(intervalSeconds(job) == day, "\(job.slug)")
    }
    for job in weekly where intervalSeconds(job) != nil {
        #expect(intervalSeconds(job) == 7 * day, "\(job.slug)")
    }
    let cronJobs = jobs.filter { intervalSeconds($0) == nil }
    #expect((1...2).contains(cronJobs.count))
}

@Test func jobsCarryOwnershipTagsAndObjectives() {
    let jobs = fleet().jobs
    for job in jobs {
        #expect(job.owner != nil, "\(job.slug)")
        #expect(!job.protects.isEmpty, "\(job.slug)")
        #expect(job.tags.contains("prod") != job.tags.contains("staging"), "\(job.slug)")
        #expect(job.tags.contains("db") != job.tags.contains("fs"), "\(job.slug)")
        #expect(job.name != job.slug, "\(job.slug)")
        if job.slug != "pg-payments-v2" {
            #expect(now.timeIntervalSince(job.createdAt) >= 40 * day, "\(job.slug)")
        }
    }
    #expect(Set(jobs.map(\.priority)) == Set(JobPriority.allCases))
    #expect(jobs.filter { $0.minSize != nil }.count >= 3)
    #expect(jobs.filter { $0.rpo != nil && $0.rto != nil }.count >= 10)
    #expect(jobs.filter { $0.escalation != nil }.count >= 10)
}

@Test func chainParentsAreFullJobsOfTheFleet() throws {
    let jobs = fleet().jobs
    let incrementals = jobs.filter { $0.kind == .incremental }
    #expect(!incrementals.isEmpty)
    for job in incrementals {
        let parentSlug = try #require(job.chainParent, "\(job.slug)")
        let parent = try #require(jobs.first { $0.slug == parentSlug }, "\(job.slug) → \(parentSlug)")
        #expect(parent.kind == .full)
    }
    #expect(jobs.filter { $0.kind != .incremental }.allSatisfy { $0.chainParent == nil })
}

// MARK: Events

@Test(arguments: [UInt64(1), 2, 7, 42, 0xDEAD_BEEF])
func eventsAreSortedAndNoneInTheFuture(seed: UInt64) {
    // A Sunday morning in Berlin too, while the weekly cron archive is running.
    for date in [now, Date(timeIntervalSince1970: 1_741_502_000), Date(timeIntervalSince1970: 1_700_000_123.75)] {
        let events = fleet(seed: seed, at: date).events
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(events.allSatisfy { $0.at <= date })
        #expect(events.allSatisfy { date.timeIntervalSince($0.at) <= 43 * day })
    }
}

@Test func eventCountStaysInTheTensOfThousands() {
    let count = fleet().events.count
    #expect((5_000...50_000).contains(count))
}

@Test func everyReportingJobHasThirtyDaysOfHistory() {
    let fleet = fleet()
    for job in fleet.jobs where job.slug != "pg-payments-v2" {
        let first = events(fleet, job.slug).first
        #expect(first.map { now.timeIntervalSince($0.at) >= 30 * day } == true, "\(job.slug)")
    }
}

@Test func bodiesAreTheJSONOfTheirReports() throws {
    for event in fleet().events {
        let object = try JSONSerialization.jsonObject(with: Data(event.body.utf8))
        let body = try #require(object as? [String: Any], "\(event.body)")
        #expect(body["status"] as? String == event.report.statusText)
        #expect((body["run_id"] as? String) == event.report.runID)
        if let exitCode = event.report.exitCode {
            #expect(body["exit_code"] as? Int == exitCode)
        }
        if let message = event.report.message {
            #expect(body["error"] as? String == message)
        }
        if let size = event.report.size {
            #expect(size.value > 0, "\(event.body)")
        }
        if event.report.status == .completed {
            #expect(event.report.size != nil, "\(event.body)")
        }
    }
}

@Test func runsPairStartsWithTheirEnds() {
    let fleet = fleet()
    for job in fleet.jobs {
        var open = false
        for event in events(fleet, job.slug) {
            switch event.report.status {
            case .started:
                #expect(!open, "\(job.slug): a start while a run is open")
                open = true
            case .completed, .failed:
                #expect(open, "\(job.slug): an end without a start")
                open = false
            case .progress:
                #expect(open, "\(job.slug): progress outside a run")
            default:
                break
            }
        }
    }
}

@Test func sizesGrowAndDurationsJitterPlausibly() throws {
    let fleet = fleet()
    let main = events(fleet, "pg-prod-main").filter { $0.report.status == .completed }
    let sizes = main.compactMap { $0.report.size?.value }
    let firstWeek = sizes.prefix(28).reduce(0, +) / 28
    let lastWeek = sizes.suffix(28).reduce(0, +) / 28
    // 1.5% a week over four weeks.
    #expect(lastWeek / firstWeek > 1.03)
    #expect(lastWeek / firstWeek < 1.12)

    for slug in ["pg-prod-main", "fs-home", "mongo-sessions", "pg-prod-main-incr"] {
        let durations = completedDurations(events(fleet, slug))
        let usual = median(durations)
        #expect(durations.allSatisfy { (0.55 * usual...1.8 * usual).contains($0) }, "\(slug)")
        let spread = (durations.max() ?? 0) / (durations.min() ?? 1)
        #expect(spread > 1.2, "\(slug) durations should vary")
    }
}

// MARK: The stories

@Test func scatteredFailuresCarryRealErrorsAndExitCodes() {
    let fleet = fleet()
    let failures = fleet.events.filter { $0.report.status == .failed && $0.slug != "mysql-billing" }
    #expect((5...20).contains(failures.count))
    #expect(Set(failures.map(\.slug)).count >= 4)
    for failure in failures {
        #expect(failure.report.message?.isEmpty == false)
        #expect(failure.report.exitCode.map { $0 != 0 } == true)
        #expect(failure.body.contains("\"status\":\"failed\""))
    }
    // Failures are history: the jobs that had them have recovered.
    for slug in Set(failures.map(\.slug)) {
        let latest = latestRun(events(fleet, slug))
        #expect(latest.contains { $0.report.status == .completed }, "\(slug)")
    }
}

@Test(arguments: [UInt64(1), 3, 99])
func exactlyOneJobsLatestRunFailed(seed: UInt64) {
    let fleet = fleet(seed: seed)
    let failedLatest = fleet.jobs.filter { job in
        latestRun(events(fleet, job.slug)).contains { $0.report.status == .failed }
    }
    #expect(failedLatest.map(\.slug) == ["mysql-billing"])
    let last = events(fleet, "mysql-billing").last
    #expect(last?.report.status == .failed)
    #expect(last?.report.exitCode == 2)
    #expect(last?.report.message?.contains("Lost connection") == true)
}

@Test func nasPhotosLatestRunFailedVerification() throws {
    let history = events(fleet(), "nas-photos")
    let last = try #require(history.last)
    #expect(last.report.status == .verificationFailed)
    #expect(last.report.statusText == "verified")
    #expect(last.report.fields["matches_expected"] == "false")
    #expect(last.body.contains("\"matches_expected\":false"))
    #expect(history.dropLast().last?.report.status == .completed)
    // Earlier verifications passed.
    let verifications = history.filter { $0.report.statusText == "verified" }
    #expect(verifications.count >= 25)
    #expect(verifications.dropLast().allSatisfy { $0.report.status == .verified })
}

@Test func fsGitlabDataIsOverdue() throws {
    let fleet = fleet()
    let job = try job(fleet, "fs-gitlab-data")
    let interval = try #require(intervalSeconds(job))
    let last = try #require(events(fleet, job.slug).last)
    #expect(now.timeIntervalSince(last.at) > interval + job.grace + 12 * hour)
    #expect(last.report.status == .completed)
    #expect(!job.paused)
}

@Test func mysqlOrdersLatestDumpCollapsed() throws {
    let completed = events(fleet(), "mysql-orders").filter { $0.report.status == .completed }
    let latest = try #require(completed.last?.report.size?.value)
    let usual = median(completed.dropLast().compactMap { $0.report.size?.value })
    #expect(usual > 10e9)
    #expect(latest < 0.01 * usual)
    #expect(completed.last?.body.contains("\"compressed\":true") == true)
    #expect(events(fleet(), "mysql-orders").last?.report.status == .completed)
}

@Test func pgProdAnalyticsIsRunningNow() throws {
    let history = events(fleet(), "pg-prod-analytics")
    let last = try #require(history.last)
    #expect(last.report.status == .progress)
    #expect(last.report.progress.map { (35...45).contains($0) } == true)
    let run = latestRun(history)
    #expect(!run.contains { $0.report.status.isTerminal })
    #expect(run.filter { $0.report.status == .progress }.count == 4)
    let start = try #require(run.first)
    let usual = median(completedDurations(history))
    let elapsed = now.timeIntervalSince(start.at) / usual
    #expect((0.3...0.5).contains(elapsed))
    #expect(start.report.runID != nil && run.allSatisfy { $0.report.runID == start.report.runID })
}

@Test func pgPaymentsV2NeverReported() throws {
    let fleet = fleet()
    let job = try job(fleet, "pg-payments-v2")
    #expect(events(fleet, job.slug).isEmpty)
    #expect(now.timeIntervalSince(job.createdAt) < day)
    let interval = try #require(intervalSeconds(job))
    #expect(job.createdAt.addingTimeInterval(interval) > now)
}

@Test func mssqlLegacyErpIsTheOnlyPausedJob() throws {
    let fleet = fleet()
    #expect(fleet.jobs.filter(\.paused).map(\.slug) == ["mssql-legacy-erp"])
    let history = events(fleet, "mssql-legacy-erp")
    #expect(history.count > 50)
    let last = try #require(history.last)
    #expect(now.timeIntervalSince(last.at) > 7 * day)
}

@Test(arguments: [UInt64(1), 5, 1234])
func everyOtherJobIsHealthyAndUpToDate(seed: UInt64) throws {
    let fleet = fleet(seed: seed)
    let healthy = fleet.jobs.filter { !specialSlugs.contains($0.slug) }
    #expect(healthy.count >= 15)
    for job in healthy {
        let run = latestRun(events(fleet, job.slug))
        let start = try #require(run.first, "\(job.slug)")
        let end = try #require(run.last { $0.report.status == .completed }, "\(job.slug)")
        #expect(!run.contains { $0.report.status == .failed || $0.report.status == .verificationFailed }, "\(job.slug)")
        #expect(run.last?.report.status.isTerminal == true, "\(job.slug)")
        if let interval = intervalSeconds(job) {
            // The next run is not yet due.
            #expect(start.at.addingTimeInterval(interval) > now, "\(job.slug)")
        } else {
            // Cron: started within one period (a day, or a week for the archive).
            let period = job.kind == .archive ? 7 * day : day
            #expect(now.timeIntervalSince(start.at) < period, "\(job.slug)")
        }
        #expect(end.at <= now)
    }
}

@Test func everyDemoBodyParsesToItsReportedStatus() {
    let fleet = DemoFleet.generate(seed: 3, now: Date(timeIntervalSince1970: 1_790_000_000))
    for event in fleet.events {
        let parsed = HeartbeatParser.parse(HeartbeatRequest(contentType: "application/json", body: Array(event.body.utf8)))
        #expect(parsed.status == event.report.status, "\(event.slug): \(event.body)")
        #expect(parsed.size?.value == event.report.size?.value, "\(event.slug): \(event.body)")
        #expect(parsed.problems.isEmpty, "\(event.slug): \(event.body) → \(parsed.problems)")
    }
}
