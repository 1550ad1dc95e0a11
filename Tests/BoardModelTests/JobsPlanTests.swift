import Foundation
import Testing
@testable import BoardModel

private let created = Date(timeIntervalSince1970: 1_700_000_000)
private let now = Date(timeIntervalSince1970: 1_750_000_000)

private func file(_ text: String) throws -> JobsFile {
    try JobsFile.parse(text, path: "jobs.toml")
}

/// Fresh keys `key-1`, `key-2`, … and a count of how many were asked for.
private final class KeyMaker {
    var made = 0
    func next() -> String {
        made += 1
        return "key-\(made)"
    }
}

private func stored(_ slug: String, schedule: Schedule = .interval(21_600), grace: TimeInterval = 3600, paused: Bool = false) -> Job {
    Job(id: 7, slug: slug, pingKey: "stored-key-\(slug)", schedule: schedule, grace: grace, paused: paused, createdAt: created)
}

@Suite struct JobsPlanTests {
    @Test func createsNewJobsWithAFreshKeyUnlessTheFileGivesOne() throws {
        let keys = KeyMaker()
        let plan = JobsPlan(
            current: [],
            file: try file("""
                [jobs.db-prod]
                schedule = "6h"
                [jobs.fs-daily]
                schedule = "0 1 * * *"
                timezone = "Europe/Berlin"
                key = "given-key-123"
                """),
            prune: false, now: now, makeKey: keys.next)
        #expect(plan.creates.map(\.slug) == ["db-prod", "fs-daily"])
        #expect(plan.creates.map(\.pingKey) == ["key-1", "given-key-123"])
        #expect(keys.made == 1)
        #expect(plan.creates.allSatisfy { $0.createdAt == now && !$0.paused && $0.id == nil })
        #expect(plan.lines == [
            "+ create db-prod (every 6h)",
            "+ create fs-daily (cron 0 1 * * * Europe/Berlin)",
        ])
        #expect(!plan.isEmpty)
    }

    @Test func createsPausedWhenTheFileSaysSo() throws {
        let plan = JobsPlan(
            current: [], file: try file("[jobs.a]\nschedule = \"1h\"\npaused = true\n"), prune: false, now: now,
            makeKey: { "k" })
        #expect(plan.creates.first?.paused == true)
    }

    @Test func updatesListEachChangedField() throws {
        let current = [stored("fs-daily", schedule: .interval(86_400), grace: 4 * 3600)]
        let plan = JobsPlan(
            current: current,
            file: try file("""
                [jobs.fs-daily]
                schedule = "1d"
                grace = "6h"
                min_size = "50GB"
                tags = ["files"]
                owner = "infra"
                [jobs.fs-daily.alerts.severity]
                failed = "emergency"
                """),
            prune: false, now: now, makeKey: { "unused" })
        #expect(plan.creates.isEmpty && plan.unchanged.isEmpty && plan.removes.isEmpty)
        let update = try #require(plan.updates.first)
        #expect(update.changes.map(\.description) == [
            "grace: 4h → 6h",
            "min_size: none → 50GB",
            "owner: none → \"infra\"",
            "tags: [] → [\"files\"]",
            "alerts.severity.failed: critical → emergency",
        ])
        #expect(update.updated.id == 7)
        #expect(update.updated.createdAt == created)
        #expect(update.updated.pingKey == "stored-key-fs-daily")
        #expect(plan.lines == [
            "~ update fs-daily: grace 4h → 6h, min_size none → 50GB, owner none → \"infra\", tags [] → [\"files\"], alerts.severity.failed critical → emergency",
        ])
    }

    @Test func unchangedWhenTheFileMatches() throws {
        let current = [stored("db-prod")]
        let plan = JobsPlan(
            current: current, file: try file("[jobs.db-prod]\nschedule = \"6h\"\ngrace = 3600\n"), prune: false,
            now: now, makeKey: { "unused" })
        #expect(plan.isEmpty)
        #expect(plan.unchanged == current)
        #expect(plan.lines == ["no changes"])
    }

    @Test func severityOverrideEqualToTheDefaultIsNoChange() throws {
        let plan = JobsPlan(
            current: [stored("db-prod")],
            file: try file("[jobs.db-prod]\nschedule = \"6h\"\n[jobs.db-prod.alerts.severity]\nfailed = \"critical\"\n"),
            prune: false, now: now, makeKey: { "unused" })
        #expect(plan.isEmpty)
    }

    @Test func removesOnlyWhenPruning() throws {
        let current = [stored("db-prod"), stored("old-job"), stored("another-old")]
        let spec = try file("[jobs.db-prod]\nschedule = \"6h\"\n")

        let keeping = JobsPlan(current: current, file: spec, prune: false, now: now, makeKey: { "unused" })
        #expect(keeping.removes.isEmpty)
        #expect(keeping.untouched.map(\.slug) == ["another-old", "old-job"])
        #expect(keeping.isEmpty)
        #expect(keeping.lines == [
            "no changes",
            "2 jobs not in the file left as they are (prune removes them): another-old, old-job",
        ])

        let pruning = JobsPlan(current: current, file: spec, prune: true, now: now, makeKey: { "unused" })
        #expect(pruning.removes.map(\.slug) == ["another-old", "old-job"])
        #expect(pruning.lines == ["- remove another-old", "- remove old-job"])
        #expect(pruning.jobs.map(\.slug) == ["db-prod"])
    }

    @Test func keepsKeyAndPauseStateUnlessTheFileSetsThem() throws {
        let paused = stored("db-prod", paused: true)
        let silent = JobsPlan(
            current: [paused], file: try file("[jobs.db-prod]\nschedule = \"6h\"\n"), prune: false, now: now,
            makeKey: { "unused" })
        #expect(silent.isEmpty)
        #expect(silent.jobs == [paused])

        let explicit = JobsPlan(
            current: [paused],
            file: try file("[jobs.db-prod]\nschedule = \"6h\"\npaused = false\nkey = \"rotated-key-1\"\n"),
            prune: false, now: now, makeKey: { "unused" })
        let update = try #require(explicit.updates.first)
        #expect(update.changes.map(\.description) == ["key: (secret) → (new secret)", "paused: true → false"])
        #expect(update.updated.pingKey == "rotated-key-1")
        #expect(!update.updated.paused)
        #expect(!explicit.description.contains("stored-key") && !explicit.description.contains("rotated-key"))
    }

    @Test func applyingThePlanThenPlanningAgainChangesNothing() throws {
        let spec = try file("""
            [defaults]
            owner = "ops"
            [jobs.db-prod]
            schedule = "0 */6 * * *"
            timezone = "Europe/Berlin"
            grace = "1h"
            [jobs.db-prod.alerts]
            anomaly_window = 14
            [jobs.fs-daily]
            schedule = "1d"
            grace = "4h"
            tags = ["files"]
            [jobs.fs-incr]
            schedule = "2h"
            kind = "incremental"
            chain_parent = "fs-daily"
            """)
        let current = [stored("fs-daily", grace: 3600), stored("old-job")]
        let keys = KeyMaker()
        let first = JobsPlan(current: current, file: spec, prune: true, now: now, makeKey: keys.next)
        #expect(first.creates.count == 2 && first.updates.count == 1 && first.removes.count == 1)

        let second = JobsPlan(current: first.jobs, file: spec, prune: true, now: now.addingTimeInterval(60), makeKey: keys.next)
        #expect(second.isEmpty)
        #expect(second.unchanged == first.jobs)
        #expect(keys.made == 2, "no new keys the second time")
    }

    @Test func printsTheWholePlan() throws {
        let current = [stored("fs-daily", schedule: .interval(86_400), grace: 4 * 3600), stored("old-job")]
        let plan = JobsPlan(
            current: current,
            file: try file("""
                [jobs.db-prod]
                schedule = "6h"
                [jobs.fs-daily]
                schedule = "1d"
                grace = "6h"
                """),
            prune: true, now: now, makeKey: { "k" })
        #expect(plan.description == """
            + create db-prod (every 6h)
            ~ update fs-daily: grace 4h → 6h
            - remove old-job
            """)
    }

    @Test func exactSizesNeverPrintAlike() {
        #expect(JobsPlan.exactSize(1_000_000_000) == "1GB")
        #expect(JobsPlan.exactSize(1 << 30) == "1GiB")
        #expect(JobsPlan.exactSize(1_040_000_000) == "1040MB")
        #expect(JobsPlan.exactSize(1234) == "1234 bytes")
        #expect(JobsPlan.exactSize(0) == "0 bytes")
    }
}
