import Foundation
import Testing
@testable import BoardModel

/// The error lines a jobs file produces, as a user would read them (`jobs.toml:3: …`).
private func errors(_ text: String) -> [String] {
    do {
        _ = try JobsFile.parse(text, path: "jobs.toml")
        return []
    } catch let error as BoardError {
        return error.description.components(separatedBy: "\n")
    } catch {
        return ["unexpected error: \(error)"]
    }
}

private func parse(_ text: String) throws -> JobsFile {
    try JobsFile.parse(text, path: "jobs.toml")
}

private let berlin = TimeZone(identifier: "Europe/Berlin")!
private let utc = TimeZone(identifier: "UTC")!

@Suite struct JobsFileTests {
    // MARK: Hostile files

    @Test func aNulByteIsAnErrorAtItsLineAndNothingIsApplied() {
        // TOMLKit's parser stopped at a NUL: the part before it was applied and the rest, errors included, ignored.
        let text = "[jobs.a]\nschedule = \"1d\"\n\u{0}\n[jobs.b]\nschedule = \"nonsense\"\n"
        #expect(errors(text) == ["jobs.toml:3: a NUL byte: TOML allows no control character but tab and newline"])
        #expect(errors("[jobs.a]\nschedule = \"1d\u{1B}[31m\"\n") == [
            "jobs.toml:2: a control character (U+001B): TOML allows none but tab and newline",
        ])
        #expect(errors("[jobs.a]\r\nschedule = \"1d\"\t# tab and CRLF are fine\r\n") == [])
    }

    @Test func aHeaderOfAHundredThousandDottedPartsIsRefusedAtItsLine() {
        // Once 120 s and 18.9 GB before it was killed; the reading is linear in the text now.
        let header = "[" + Array(repeating: "a", count: 100_000).joined(separator: ".") + "]\nx = 1\n"
        #expect(errors("# deep\n" + header) == ["jobs.toml:2: a key path more than 32 parts deep (this one has 100000)"])
        let key = "[jobs.a]\n" + Array(repeating: "k", count: 40).joined(separator: ".") + " = 1\n"
        #expect(errors(key) == ["jobs.toml:2: a key path more than 32 parts deep (this one has 42)"])
    }

    @Test func aHeaderWithoutANameIsAnErrorNotACrash() {
        // Found by the parser fuzz test: TOMLKit's parser aborted the process (release builds too) on these.
        for header in ["[", "[[", "[ *a]", "[[*a]]", "[.a]", "[=]", "[é]", "\t[ \t-x]x[*"] {
            #expect(errors("[jobs.a]\nschedule = \"1d\"\n" + header + "\n").first?.hasPrefix("jobs.toml:3: ") == true, "\(header)")
        }
        #expect(errors("[jobs.a]\nschedule = \"1d\"\n[ *a]\n") == ["jobs.toml:3: a table header must start with a name: [name] or [\"a name\"]"])
        #expect(errors("[jobs.a]\ntags = [\n  \"x\",\n  }\n") == ["jobs.toml:4: '}' closes the '[' opened on line 2"])
        #expect(errors("[jobs.a]\nschedule = \"1d\"\nalerts = { x = [ 1 } ]\n") == ["jobs.toml:3: '}' closes the '[' opened on line 3"])
        // Brackets inside values and strings are not headers.
        #expect(errors("[jobs.a]\nschedule = \"1d\"\ntags = [\n  \"[*x\",\n]\ndescription = \"\"\"\n[ *not a header\n\"\"\"\n") == [])
    }

    @Test func aFileOverTheSizeLimitIsRefusedWhole() {
        let text = "# " + String(repeating: "x", count: TOMLSource.maxBytes) + "\n"
        #expect(errors(text) == ["jobs.toml: the file is 17 MB, more than the 16 MiB allowed"])
    }

    // MARK: Keys and values

    @Test func readsEveryKey() throws {
        let file = try parse("""
            [jobs.db-prod]
            name = "Production database"
            key = "abcdefgh12345678"
            schedule = "0 */6 * * *"
            timezone = "Europe/Berlin"
            grace = "1h"
            max_runtime = "2h30m"
            kind = "full"
            chain_parent = "db-base"
            priority = "critical"
            min_size = "1GB"
            rpo = "6h"
            rto = "1h"
            owner = "dba-team"
            escalation = "dba-oncall"
            protects = ["orders", "billing"]
            tags = ["db", "prod"]
            description = "pg_dump of orders"
            paused = true

            [jobs.db-prod.alerts]
            size_anomaly_factor = 0.3
            duration_anomaly_high = 3
            duration_anomaly_low = 0.25
            anomaly_window = 20
            anomaly_min_runs = 5
            delayed_escalation_periods = 2

            [jobs.db-prod.alerts.severity]
            failed = "emergency"
            delayed = "warning"

            [jobs.db-base]
            schedule = "7d"
            """)
        let expected = JobSpec(
            slug: "db-prod", name: "Production database", key: "abcdefgh12345678",
            schedule: .cron(try CronExpression("0 */6 * * *"), timeZone: berlin), grace: 3600, maxRuntime: 9000,
            kind: .full, chainParent: "db-base", priority: .critical, minSize: 1_000_000_000, rpo: 21_600, rto: 3600,
            owner: "dba-team", escalation: "dba-oncall", protects: ["orders", "billing"], tags: ["db", "prod"],
            description: "pg_dump of orders", paused: true,
            alerting: AlertSettings(
                sizeAnomalyFactor: 0.3, durationAnomalyHigh: 3, durationAnomalyLow: 0.25, anomalyWindow: 20,
                anomalyMinRuns: 5, delayedEscalationPeriods: 2, severities: [.failed: .emergency, .delayed: .warning]))
        #expect(file.jobs.count == 2)
        #expect(file.jobs[0] == expected)
        #expect(file.jobs[1] == JobSpec(slug: "db-base", schedule: .interval(604_800)))
    }

    @Test func unsetKeysTakeTheJobDefaults() throws {
        let spec = try #require(try parse("[jobs.nightly]\nschedule = \"1d\"\n").jobs.first)
        #expect(spec.name == "nightly")
        #expect(spec.key == nil)
        #expect(spec.paused == nil)
        #expect(spec.grace == 3600)
        #expect(spec.maxRuntime == nil)
        #expect(spec.kind == .other)
        #expect(spec.priority == .medium)
        #expect(spec.alerting == AlertSettings())
    }

    @Test func durationsAndSizesAlsoTakePlainNumbers() throws {
        let spec = try #require(try parse("""
            [jobs.raw]
            schedule = 3600
            grace = 900
            max_runtime = 1800.5
            min_size = 1048576
            rpo = "PT2H"
            rto = "1h30m"
            """).jobs.first)
        #expect(spec.schedule == .interval(3600))
        #expect(spec.grace == 900)
        #expect(spec.maxRuntime == 1800.5)
        #expect(spec.minSize == 1_048_576)
        #expect(spec.rpo == 7200)
        #expect(spec.rto == 5400)
    }

    @Test func cronReadsInUTCUnlessATimeZoneIsGiven() throws {
        let file = try parse("""
            [jobs.a]
            schedule = "@daily"
            [jobs.b]
            schedule = "30 2 * * *"
            timezone = "America/New_York"
            """)
        #expect(file.jobs[0].schedule == .cron(try CronExpression("@daily"), timeZone: utc))
        #expect(file.jobs[1].schedule == .cron(try CronExpression("30 2 * * *"), timeZone: TimeZone(identifier: "America/New_York")!))
    }

    @Test func jobsKeepFileOrder() throws {
        let file = try parse("""
            [jobs.zeta]
            schedule = "1h"
            [jobs.alpha]
            schedule = "1h"
            [jobs.mid]
            schedule = "1h"
            """)
        #expect(file.jobs.map(\.slug) == ["zeta", "alpha", "mid"])
    }

    @Test func enumValuesIgnoreCase() throws {
        let spec = try #require(try parse("[jobs.a]\nschedule = \"1h\"\nkind = \"Snapshot\"\npriority = \"LOW\"\n").jobs.first)
        #expect(spec.kind == .snapshot)
        #expect(spec.priority == .low)
    }

    // MARK: Defaults

    @Test func defaultsApplyToEveryJobThatDoesNotSetTheKey() throws {
        let file = try parse("""
            [defaults]
            schedule = "0 3 * * *"
            timezone = "Europe/Berlin"
            grace = "4h"
            owner = "ops"
            tags = ["prod"]
            paused = false
            [defaults.alerts]
            anomaly_window = 14
            [defaults.alerts.severity]
            delayed = "warning"

            [jobs.plain]

            [jobs.custom]
            schedule = "6h"
            grace = "30m"
            tags = ["db"]
            [jobs.custom.alerts]
            anomaly_min_runs = 5
            [jobs.custom.alerts.severity]
            failed = "emergency"
            """)
        let plain = file.jobs[0], custom = file.jobs[1]
        #expect(plain.schedule == .cron(try CronExpression("0 3 * * *"), timeZone: berlin))
        #expect(plain.grace == 14_400)
        #expect(plain.owner == "ops")
        #expect(plain.tags == ["prod"])
        #expect(plain.paused == false)
        #expect(plain.alerting.anomalyWindow == 14)
        #expect(plain.alerting.severities == [.delayed: .warning])

        #expect(custom.schedule == .interval(21_600))
        #expect(custom.grace == 1800)
        #expect(custom.owner == "ops")
        #expect(custom.tags == ["db"], "arrays replace the default, never merge with it")
        #expect(custom.alerting.anomalyWindow == 14)
        #expect(custom.alerting.anomalyMinRuns == 5)
        #expect(custom.alerting.severities == [.delayed: .warning, .failed: .emergency])
    }

    @Test func defaultsCannotHoldPerJobKeys() {
        #expect(errors("""
            [defaults]
            name = "x"
            key = "abcdefgh12345678"
            [jobs.a]
            schedule = "1h"
            """) == [
                "jobs.toml:2: key 'name' cannot be set in [defaults]: it belongs to one job",
                "jobs.toml:3: key 'key' cannot be set in [defaults]: it belongs to one job",
            ])
    }

    // MARK: Maintenance windows

    @Test func readsMaintenanceWindows() throws {
        let file = try parse("""
            [jobs.db-prod]
            schedule = "6h"

            [[maintenance]]
            name = "sunday-patching"
            days = ["sun"]
            start = "01:00"
            end = "03:00"
            timezone = "Europe/Berlin"
            jobs = ["db-prod"]
            tags = ["linux"]

            [[maintenance]]
            name = "weeknights"
            days = ["Monday", "tue", "WED"]
            start = 22:30:00
            end = "24:00"
            jobs = ["*"]
            """)
        #expect(file.maintenanceWindows == [
            MaintenanceWindow(
                name: "sunday-patching", days: [.sunday], startMinute: 60, endMinute: 180, timeZone: berlin,
                jobs: ["db-prod"], tags: ["linux"]),
            MaintenanceWindow(
                name: "weeknights", days: [.monday, .tuesday, .wednesday], startMinute: 1350, endMinute: 1440,
                timeZone: utc, jobs: ["*"]),
        ])
    }

    // MARK: The example

    @Test func exampleFileCoversTheFourClasses() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/jobs.toml")
        let file = try JobsFile.parse(String(contentsOf: url, encoding: .utf8), path: "examples/jobs.toml")
        let bySlug = Dictionary(uniqueKeysWithValues: file.jobs.map { ($0.slug, $0) })
        #expect(file.jobs.map(\.slug) == ["db-prod", "fs-daily", "fs-incr", "archive-weekly", "db-prod-restore"])
        let drill = try #require(bySlug["db-prod-restore"])
        #expect(drill.kind == .restoreTest)
        #expect(drill.tests == ["db-prod"])
        #expect(drill.schedule == .interval(30 * 86_400))

        let db = try #require(bySlug["db-prod"])
        #expect(db.schedule == .cron(try CronExpression("0 */6 * * *"), timeZone: berlin))
        #expect(db.grace == 3600)
        #expect(db.priority == .critical)
        #expect(db.escalation == "dba-oncall")
        #expect(try #require(bySlug["fs-daily"]).grace == 4 * 3600)
        #expect(try #require(bySlug["archive-weekly"]).grace == 24 * 3600)
        let incremental = try #require(bySlug["fs-incr"])
        #expect(incremental.schedule == .interval(7200))
        #expect(incremental.grace == 7200)
        #expect(incremental.kind == .incremental)
        #expect(incremental.chainParent == "fs-daily")
        for job in file.jobs where job.kind != .restoreTest {
            #expect(job.rpo != nil && job.rto != nil && job.owner != nil && job.escalation != nil && !job.protects.isEmpty, "\(job.slug)")
        }
        #expect(bySlug["fs-daily"]?.escalation == "ops-oncall", "from [defaults]")
        #expect(file.maintenanceWindows == [
            MaintenanceWindow(
                name: "sunday-patching", days: [.sunday], startMinute: 60, endMinute: 180, timeZone: berlin, tags: ["files"]),
        ])
    }

    // MARK: Errors, one kind at a time

    @Test func unknownKeySuggestsTheClosestOne() {
        #expect(errors("""
            [jobs.db-prod]
            schedule = "6h"
            grase = "1h"
            """) == ["jobs.toml:3: unknown key 'grase' in job 'db-prod' (did you mean 'grace'?)"])
    }

    @Test func unknownKeyWithNothingCloseHasNoSuggestion() {
        #expect(errors("[jobs.a]\nschedule = \"1h\"\ncolour = \"red\"\n") == ["jobs.toml:3: unknown key 'colour' in job 'a'"])
    }

    @Test func unknownKeysInAlertsDefaultsWindowsAndTopLevel() {
        #expect(errors("""
            jobz = 1
            [defaults]
            ownr = "ops"
            [jobs.a]
            schedule = "1h"
            [jobs.a.alerts]
            anomaly_windw = 3
            [jobs.a.alerts.severity]
            faild = "critical"
            fleet = "info"
            [[maintenance]]
            name = "w"
            dayz = ["sun"]
            days = ["sun"]
            start = "01:00"
            end = "02:00"
            jobs = ["a"]
            """) == [
                "jobs.toml:1: unknown top-level key 'jobz' (did you mean 'jobs'?)",
                "jobs.toml:3: unknown key 'ownr' in [defaults] (did you mean 'owner'?)",
                "jobs.toml:7: unknown key 'alerts.anomaly_windw' in job 'a' (did you mean 'alerts.anomaly_window'?)",
                "jobs.toml:9: unknown key 'alerts.severity.faild' in job 'a' (did you mean 'alerts.severity.failed'?)",
                "jobs.toml:10: unknown key 'alerts.severity.fleet' in job 'a'",
                "jobs.toml:13: unknown key 'dayz' in maintenance window 'w' (did you mean 'days'?)",
            ])
    }

    @Test func wrongTypes() {
        #expect(errors("""
            [jobs.a]
            schedule = true
            paused = "yes"
            tags = "prod"
            protects = ["x", 3]
            owner = ""
            alerts = 5
            """) == [
                "jobs.toml:2: invalid schedule true in job 'a': expected an interval such as \"6h\", a cron expression such as \"0 */6 * * *\", a calendar event such as \"Mon..Fri 02:30\", or an array of cron expressions and calendar events",
                "jobs.toml:3: invalid paused \"yes\" in job 'a': expected true or false",
                "jobs.toml:4: invalid tags \"prod\" in job 'a': expected an array of strings such as [\"a\", \"b\"]",
                "jobs.toml:5: invalid protects 3 in job 'a': expected an array of non-empty strings",
                "jobs.toml:6: invalid owner \"\" in job 'a': expected a non-empty string",
                "jobs.toml:7: invalid alerts 5 in job 'a': expected a table such as [jobs.a.alerts]",
            ])
    }

    @Test func badDurationsAndSizes() {
        #expect(errors("""
            [jobs.a]
            schedule = "6 hourz"
            grace = "4 hourz"
            max_runtime = 0
            rpo = -5
            min_size = "lots"
            """) == [
                "jobs.toml:2: invalid schedule \"6 hourz\" in job 'a': not an interval such as 15m, 6h, 1d or 1w, a 5-field cron expression, nor a systemd calendar event such as 'Mon..Fri 02:30': 'hourz' is not a weekday, date, time or known time zone; a time zone is an IANA name such as Europe/Berlin or UTC",
                "jobs.toml:3: invalid grace \"4 hourz\" in job 'a': expected a duration such as \"4h\" or a number of seconds",
                "jobs.toml:4: invalid max_runtime 0 in job 'a': expected a duration longer than zero, such as \"4h\" or a number of seconds",
                "jobs.toml:5: invalid rpo -5 in job 'a': expected a duration longer than zero, such as \"4h\" or a number of seconds",
                "jobs.toml:6: invalid min_size \"lots\" in job 'a': expected a size such as \"500MB\" or a number of bytes",
            ])
    }

    @Test func zeroInterval() {
        #expect(errors("[jobs.a]\nschedule = \"0s\"\n") == ["jobs.toml:2: invalid schedule \"0s\" in job 'a': the interval must be longer than zero"])
        #expect(errors("[jobs.a]\nschedule = 0\n") == ["jobs.toml:2: invalid schedule 0 in job 'a': expected an interval longer than zero"])
    }

    @Test func cronWithTheWrongNumberOfFieldsIsNotASchedule() {
        #expect(errors("[jobs.a]\nschedule = \"0 */6 * *\"\n") == [
            "jobs.toml:2: invalid schedule \"0 */6 * *\" in job 'a': expected 5 fields (minute hour day-of-month month day-of-week) but found 4",
        ])
    }

    @Test func badTimeZoneSuggestsAKnownOne() {
        #expect(errors("[jobs.a]\nschedule = \"@daily\"\ntimezone = \"Europe/Berln\"\n") == [
            "jobs.toml:3: invalid timezone \"Europe/Berln\" in job 'a': expected an IANA time zone such as \"Europe/Berlin\" (did you mean 'Europe/Berlin'?)",
        ])
    }

    @Test func badEnumValues() {
        #expect(errors("""
            [jobs.a]
            schedule = "1h"
            kind = "ful"
            priority = "urgent"
            [jobs.a.alerts.severity]
            failed = "loud"
            """) == [
                "jobs.toml:3: invalid kind \"ful\" in job 'a': expected one of full, incremental, differential, snapshot, archive, other, restore_test (did you mean 'full'?)",
                "jobs.toml:4: invalid priority \"urgent\" in job 'a': expected one of critical, high, medium, low",
                "jobs.toml:6: invalid alerts.severity.failed \"loud\" in job 'a': expected one of info, warning, critical, emergency",
            ])
    }

    @Test func badAlertNumbers() {
        #expect(errors("""
            [jobs.a]
            schedule = "1h"
            [jobs.a.alerts]
            size_anomaly_factor = 0
            duration_anomaly_high = 0.5
            duration_anomaly_low = 1.5
            anomaly_window = 0
            delayed_escalation_periods = 1.5
            """) == [
                "jobs.toml:4: invalid alerts.size_anomaly_factor 0 in job 'a': expected a number greater than 0",
                "jobs.toml:5: invalid alerts.duration_anomaly_high 0.5 in job 'a': expected a number greater than 1",
                "jobs.toml:6: invalid alerts.duration_anomaly_low 1.5 in job 'a': expected a number between 0 and 1",
                "jobs.toml:7: invalid alerts.anomaly_window 0 in job 'a': expected a whole number of at least 1",
                "jobs.toml:8: invalid alerts.delayed_escalation_periods 1.5 in job 'a': expected a whole number of at least 1",
            ])
    }

    @Test func minRunsAboveTheWindowCouldNeverAlert() {
        #expect(errors("[jobs.a]\nschedule = \"1h\"\n[jobs.a.alerts]\nanomaly_min_runs = 12\n") == [
            "jobs.toml:4: invalid alerts.anomaly_min_runs 12 in job 'a': more than alerts.anomaly_window (10), so the anomaly rules could never run",
        ])
    }

    @Test func flakySettingsAndTheirBounds() throws {
        let spec = try #require(try parse("""
            [defaults.alerts]
            flaky_window = 20
            [jobs.a]
            schedule = "1d"
            [jobs.a.alerts]
            flaky_runs = 5
            [jobs.a.alerts.severity]
            flaky = "critical"
            """).jobs.first)
        #expect(spec.alerting.flakyRuns == 5)
        #expect(spec.alerting.flakyWindow == 20)
        #expect(spec.alerting.severity(for: .flaky) == .critical)
        #expect(try #require(try parse("[jobs.b]\nschedule = \"1d\"\n").jobs.first).alerting.flakyRuns == 3)
        #expect(errors("[jobs.a]\nschedule = \"1h\"\n[jobs.a.alerts]\nflaky_runs = 2\nflaky_window = 0\n") == [
            "jobs.toml:5: invalid alerts.flaky_window 0 in job 'a': expected a whole number of at least 1",
        ])
        #expect(errors("[jobs.a]\nschedule = \"1h\"\n[jobs.a.alerts]\nflaky_runs = 11\n") == [
            "jobs.toml:4: invalid alerts.flaky_runs 11 in job 'a': more than alerts.flaky_window (10), so the flaky rule could never raise",
        ])
    }

    @Test func chainParentMustNameAnotherJobInTheFile() {
        #expect(errors("""
            [jobs.db-full]
            schedule = "1d"
            [jobs.db-incr]
            schedule = "1h"
            chain_parent = "db-ful"
            [jobs.self]
            schedule = "1h"
            chain_parent = "self"
            """) == [
                "jobs.toml:5: invalid chain_parent \"db-ful\" in job 'db-incr': no job 'db-ful' in this file (did you mean 'db-full'?)",
                "jobs.toml:8: invalid chain_parent \"self\" in job 'self': a job cannot be its own chain parent",
            ])
    }

    @Test func chainParentLoopsAreReportedOnce() {
        #expect(errors("""
            [jobs.b]
            schedule = "1h"
            chain_parent = "a"
            [jobs.a]
            schedule = "1h"
            chain_parent = "b"
            """) == ["jobs.toml:6: invalid chain_parent \"b\" in job 'a': the chain a → b → a loops"])
    }

    @Test func duplicateSlugIsRefused() {
        let lines = errors("""
            [jobs.db-prod]
            schedule = "1h"

            [jobs.db-prod]
            schedule = "2h"
            """)
        #expect(lines == ["jobs.toml:4: duplicate job 'db-prod': already defined on line 1"])
    }

    @Test func invalidSlugs() {
        #expect(errors("""
            [jobs."DB Prod"]
            schedule = "1h"
            [jobs.-dash]
            schedule = "1h"
            """) == [
                "jobs.toml:1: invalid job slug \"DB Prod\": use lowercase letters, digits, '-' and '_', starting with a letter or digit",
                "jobs.toml:3: invalid job slug \"-dash\": use lowercase letters, digits, '-' and '_', starting with a letter or digit",
            ])
    }

    @Test func keysMustBeWellFormedAndUniqueAndAreNeverEchoed() {
        let lines = errors("""
            [jobs.a]
            schedule = "1h"
            key = "same-secret-key-1"
            [jobs.b]
            schedule = "1h"
            key = "same-secret-key-1"
            [jobs.c]
            schedule = "1h"
            key = "short!"
            """)
        #expect(lines == [
            "jobs.toml:6: invalid key in job 'b': job 'a' has the same key",
            "jobs.toml:9: invalid key in job 'c': expected 8 to 128 letters, digits, '-' or '_'",
        ])
        #expect(!lines.joined().contains("secret") && !lines.joined().contains("short!"))
    }

    @Test func missingSchedule() {
        #expect(errors("[jobs.a]\ngrace = \"1h\"\n") == ["jobs.toml:1: missing schedule in job 'a' (set it in the job or in [defaults])"])
    }

    @Test func windowErrors() {
        #expect(errors("""
            [jobs.db-prod]
            schedule = "1h"

            [[maintenance]]
            name = "nodays"
            days = []
            start = "01:00"
            end = "03:00"
            jobs = ["db-prod"]

            [[maintenance]]
            name = "typo"
            days = ["sonday"]
            start = "25:00"
            end = "03:0"
            jobs = ["db-prd"]

            [[maintenance]]
            name = "empty"
            days = ["sun"]
            start = "01:00"
            end = "01:00"

            [[maintenance]]
            days = ["sun"]
            start = "01:00"
            jobs = ["*"]
            """) == [
                "jobs.toml:6: maintenance window 'nodays' has no days",
                "jobs.toml:13: invalid days \"sonday\" in maintenance window 'typo': expected weekday names such as \"sun\" or \"monday\" (did you mean 'sunday'?)",
                "jobs.toml:14: invalid start \"25:00\" in maintenance window 'typo': expected a time such as \"01:00\" (00:00 to 23:59)",
                "jobs.toml:15: invalid end \"03:0\" in maintenance window 'typo': expected a time such as \"03:00\" (00:00 to 24:00)",
                "jobs.toml:16: invalid jobs \"db-prd\" in maintenance window 'typo': no job 'db-prd' in this file (did you mean 'db-prod'?)",
                "jobs.toml:18: maintenance window 'empty' names no jobs or tags (use jobs = [\"*\"] for every job)",
                "jobs.toml:22: invalid end \"01:00\" in maintenance window 'empty': the same as start, so the window would be empty",
                "jobs.toml:24: missing name in maintenance window #4",
                "jobs.toml:24: missing end in maintenance window #4",
            ])
    }

    @Test func windowWithoutDaysKey() {
        #expect(errors("[[maintenance]]\nname = \"w\"\nstart = \"01:00\"\nend = \"02:00\"\njobs = [\"*\"]\n") == [
            "jobs.toml:1: maintenance window 'w' has no days",
        ])
    }

    @Test func syntaxErrorGivesTheLine() throws {
        let lines = errors("""
            [jobs.a]
            schedule = "1h"
            grace = "1h
            """)
        #expect(lines == [
            "jobs.toml:3: error while parsing string: encountered end-of-file",
        ])
        do {
            _ = try parse("[jobs.a]\nschedule = \n")
            Issue.record("a syntax error must throw")
        } catch let BoardError.jobsFile(path, line, _) {
            #expect(path == "jobs.toml")
            #expect(line == 2)
        }
    }

    @Test func everyErrorIsCollectedAndTheWholeFileRejected() throws {
        let text = """
            [jobs.good]
            schedule = "1h"

            [jobs.db-prod]
            schedule = "6h"
            grase = "1h"
            kind = "ful"

            [jobs.fs]
            schedule = "1d"
            min_size = "lots"
            """
        #expect(throws: BoardError.jobsFileProblems(path: "jobs.toml", problems: [
            JobsFileProblem(line: 6, message: "unknown key 'grase' in job 'db-prod' (did you mean 'grace'?)"),
            JobsFileProblem(line: 7, message: "invalid kind \"ful\" in job 'db-prod': expected one of full, incremental, differential, snapshot, archive, other, restore_test (did you mean 'full'?)"),
            JobsFileProblem(line: 11, message: "invalid min_size \"lots\" in job 'fs': expected a size such as \"500MB\" or a number of bytes"),
        ])) {
            try parse(text)
        }
    }

    @Test func oneErrorIsThrownAsJobsFile() {
        #expect(throws: BoardError.jobsFile(path: "jobs.toml", line: 3, message: "unknown key 'grase' in job 'a' (did you mean 'grace'?)")) {
            try parse("[jobs.a]\nschedule = \"1h\"\ngrase = 1\n")
        }
    }

    @Test func linesAreFoundForQuotedAndDottedKeys() {
        #expect(errors("""
            [jobs]
            "db-prod".schedule = "1h"
            "db-prod".grase = "1h"
            """) == ["jobs.toml:3: unknown key 'grase' in job 'db-prod' (did you mean 'grace'?)"])
    }

    @Test func multilineStringsDoNotConfuseLineNumbers() {
        #expect(errors("""
            [jobs.a]
            schedule = "1h"
            description = \"\"\"
            grase = "not a key"
            \"\"\"
            grase = "1h"
            """) == ["jobs.toml:6: unknown key 'grase' in job 'a' (did you mean 'grace'?)"])
    }

    @Test func aKeyWrittenTwiceIsASyntaxError() {
        #expect(errors("[jobs.a]\nschedule = \"1h\"\nschedule = \"2h\"\n") == [
            "jobs.toml:3: error while parsing key-value pair: cannot redefine existing string 'schedule'",
        ])
    }

    @Test func emptyFileHasNoJobs() throws {
        #expect(try parse("") == JobsFile(jobs: []))
    }
}

@Suite struct JobsFileCalendarTests {
    @Test func calendarEventsAndSeveralSchedules() throws {
        let file = try parse("""
            [defaults]
            timezone = "Europe/Berlin"

            [jobs.weekdays]
            schedule = "Mon..Fri *-*-* 02:30:00"

            [jobs.mixed]
            schedule = ["Mon..Fri 02:30", "0 6 * * 6", "Sun 07:00 UTC"]

            [jobs.clock]
            schedule = "02:30"
            timezone = "UTC"
            """)
        #expect(file.jobs[0].schedule == .calendar(try CalendarEvent("Mon..Fri *-*-* 02:30:00"), timeZone: berlin))
        #expect(file.jobs[1].schedule == .several([
            .calendar(try CalendarEvent("Mon..Fri 02:30"), timeZone: berlin),
            .cron(try CronExpression("0 6 * * 6"), timeZone: berlin),
            .calendar(try CalendarEvent("Sun 07:00 UTC"), timeZone: berlin),
        ]))
        #expect(file.jobs[1].schedule.description == "calendar Mon..Fri 02:30 Europe/Berlin; cron 0 6 * * 6 Europe/Berlin; calendar Sun 07:00 UTC")
        // A clock time is a time of day to systemd, not a duration.
        #expect(file.jobs[2].schedule == .calendar(try CalendarEvent("02:30"), timeZone: utc))
    }

    @Test func aBadEntryNamesTheFileTheLineAndThePart() {
        #expect(errors("""
            [jobs.a]
            schedule = "Mon..Fro 02:30"

            [jobs.b]
            schedule = ["Mon..Fri 02:30", "*-*-* 25:00"]

            [jobs.c]
            schedule = ["Mon 02:30", "6h"]

            [jobs.d]
            schedule = []
            """) == [
                "jobs.toml:2: invalid schedule \"Mon..Fro 02:30\" in job 'a': not an interval such as 15m, 6h, 1d or 1w, a 5-field cron expression, nor a systemd calendar event such as 'Mon..Fri 02:30': weekday 'Fro' is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun",
                "jobs.toml:5: invalid schedule entry \"*-*-* 25:00\" in job 'b': entry 2 of 2: not an interval such as 15m, 6h, 1d or 1w, a 5-field cron expression, nor a systemd calendar event such as 'Mon..Fri 02:30': hour '25' is out of range 0–23",
                "jobs.toml:8: invalid schedule entry \"6h\" in job 'c': entry 2 of 2 is an interval; several schedules are cron expressions or calendar events, and an interval is a schedule of its own",
                "jobs.toml:11: invalid schedule (an array) in job 'd': expected an interval such as \"6h\", a cron expression such as \"0 */6 * * *\", a calendar event such as \"Mon..Fri 02:30\", or an array of cron expressions and calendar events",
            ])
    }
}

@Suite struct JobsFileRestoreTestTests {
    @Test func aRestoreTestNamesTheJobsItProves() throws {
        let file = try parse("""
            [defaults]
            require_restore_test = true

            [jobs.pg-prod]
            schedule = "6h"
            rto = "4h"

            [jobs.pg-prod-restore]
            schedule = "30d"
            grace = "1d"
            kind = "restore_test"
            tests = ["pg-prod"]
            require_restore_test = false

            [jobs.pg-prod-restore.alerts]
            restore_escalation_periods = 2

            [jobs.pg-prod-restore.alerts.severity]
            rto_breach = "emergency"
            """)
        let (job, drill) = (file.jobs[0], file.jobs[1])
        #expect(job.rto.map { Int($0) } == 4 * 3_600)
        #expect(job.requireRestoreTest, "from [defaults]")
        #expect(job.tests == [])
        #expect(drill.kind == .restoreTest)
        #expect(drill.tests == ["pg-prod"])
        #expect(drill.requireRestoreTest == false)
        #expect(drill.schedule == .interval(30 * 86_400))
        #expect(drill.alerting.restoreEscalationPeriods == 2)
        #expect(drill.alerting.severity(for: .rtoBreach) == .emergency)
    }

    @Test func badTestsAreErrorsAtTheirLines() {
        #expect(errors("""
            [jobs.pg-prod]
            schedule = "6h"
            [jobs.drill]
            schedule = "30d"
            kind = "restore_test"
            tests = ["pg-prd", "drill"]
            [jobs.empty]
            schedule = "30d"
            kind = "restore_test"
            [jobs.not-a-test]
            schedule = "30d"
            tests = ["pg-prod"]
            [jobs.of-a-test]
            schedule = "30d"
            kind = "restore_test"
            tests = ["drill"]
            [defaults]
            tests = ["pg-prod"]
            """) == [
            "jobs.toml:6: invalid tests \"pg-prd\" in job 'drill': no job 'pg-prd' in this file (did you mean 'pg-prod'?)",
            "jobs.toml:6: invalid tests \"drill\" in job 'drill': a restore test cannot prove itself",
            "jobs.toml:7: missing tests in job 'empty': a restore_test job names the jobs it proves, such as tests = [\"pg-prod\"]",
            "jobs.toml:12: invalid tests in job 'not-a-test': only a job of kind \"restore_test\" proves other jobs",
            "jobs.toml:16: invalid tests \"drill\" in job 'of-a-test': 'drill' is a restore test, not a backup",
            "jobs.toml:18: key 'tests' cannot be set in [defaults]: it belongs to one job",
        ])
        #expect(errors("[jobs.a]\nschedule = \"1d\"\nrequire_restore_test = \"yes\"\n").first?.hasPrefix(
            "jobs.toml:3: invalid require_restore_test \"yes\" in job 'a'") == true)
    }

    @Test func applyShowsTheRestoreFieldsThatChange() {
        let old = Job(slug: "drill", pingKey: "k", schedule: .interval(86_400), kind: .restoreTest, tests: ["a"], createdAt: Date())
        var new = old
        new.tests = ["a", "b"]
        new.requireRestoreTest = true
        new.alerting.restoreEscalationPeriods = 2
        #expect(JobsPlan.changes(from: old, to: new).map(\.field) == [
            "tests", "require_restore_test", "alerts.restore_escalation_periods",
        ])
    }
}
