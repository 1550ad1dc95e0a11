import ArgumentParser
import BoardModel
import Foundation

extension BackupKind: ExpressibleByArgument {}
extension JobPriority: ExpressibleByArgument {}

extension JobsCommand {
    /// `jobs add SLUG --every 6h …`: creates one job and prints its ping URL.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a job and print its ping URL.",
            discussion: "Durations take 90s, 15m, 6h, 1d, 1w, 1h30m; sizes take 500MB, 2GiB or bytes."
        )

        @OptionGroup var target: JobsTarget

        @OptionGroup var signature: SignatureOptions

        @Argument(help: "Unique name: lowercase letters, digits, - and _.")
        var slug: String

        @Option(help: ArgumentHelp("Interval schedule, e.g. 6h.", valueName: "duration"))
        var every: String?

        @Option(help: ArgumentHelp("Cron schedule (5 fields), e.g. '30 2 * * *' (repeatable).", valueName: "expression"))
        var cron: [String] = []

        @Option(help: ArgumentHelp(
            "systemd calendar event, as in a timer's OnCalendar=, e.g. 'Mon..Fri 02:30' (repeatable).", valueName: "event"))
        var onCalendar: [String] = []

        @Option(name: .customLong("tz"), help: ArgumentHelp(
            "IANA time zone for --cron and --on-calendar (an event may name its own).", valueName: "zone"))
        var timeZone = "UTC"

        @Option(help: "Display name (default: the slug).")
        var name: String?

        @Option(help: ArgumentHelp("How late a run may start before the job is overdue.", valueName: "duration"))
        var grace = "1h"

        @Option(help: ArgumentHelp("How long a run may take (default: one period).", valueName: "duration"))
        var maxRuntime: String?

        @Option(help: "full, incremental, differential, snapshot, archive, other, or restore_test (with --tests).")
        var kind = BackupKind.other

        @Option(help: "critical, high, medium or low.")
        var priority = JobPriority.medium

        @Option(help: ArgumentHelp("The full backup an incremental builds on (its slug).", valueName: "slug"))
        var chainParent: String?

        @Option(help: ArgumentHelp("A completed run smaller than this is a failure.", valueName: "size"))
        var minSize: String?

        @Option(help: ArgumentHelp("Recovery point objective.", valueName: "duration"))
        var rpo: String?

        @Option(help: ArgumentHelp("Recovery time objective.", valueName: "duration"))
        var rto: String?

        @Option(name: .customLong("tests"), help: ArgumentHelp(
            "For --kind restore_test: a job whose backups this drill restores (repeatable).", valueName: "slug"))
        var tests: [String] = []

        @Flag(help: "Alert (restore_overdue) and count in status while no restore test proves this job.")
        var requireRestoreTest = false

        @Option(help: "Owning team or person.")
        var owner: String?

        @Option(help: "Who to escalate to.")
        var escalation: String?

        @Option(name: .customLong("protects"), help: "What the backup protects (repeatable).")
        var protects: [String] = []

        @Option(name: .customLong("tag"), help: "A tag (repeatable).")
        var tags: [String] = []

        @Option(help: "Free text.")
        var description: String?

        @Option(help: ArgumentHelp("Use this ping key instead of a generated one.", valueName: "key"))
        var key: String?

        @OptionGroup var pingBase: PingBaseOptions

        func validate() throws {
            _ = try makeJob(now: Date(), key: key ?? PingKey.generate())
        }

        func run() async throws {
            if let key, let warning = PingKey.warning(for: key) { CommandOutput.warning(warning) }
            var job = try makeJob(now: Date(), key: key ?? PingKey.generate())
            do {
                if let client = try target.client(signature: signature.signature) {
                    job.pingKey = try await client.create(job, sendingKey: key != nil)
                } else {
                    let store = try await target.database.open(.creating)
                    for slug in job.tests {
                        guard let proved = try await store.job(slug: slug) else {
                            throw ValidationError(
                                "--tests '\(slug)': no job '\(slug)' in \(StoreOpening.shown(target.database.resolvedPath)); add it first")
                        }
                        if proved.kind == .restoreTest {
                            throw ValidationError("--tests '\(slug)': '\(slug)' is a restore test, not a backup")
                        }
                    }
                    try await store.apply(JobsPlan(creates: [job]), maintenanceWindows: nil, by: signature.signature, at: Date())
                }
            } catch let error as ValidationError {
                CommandOutput.standardError("backupboard: \(error.message)")
                throw ExitCode.failure
            } catch {
                CommandOutput.error(error)
                throw ExitCode.failure
            }
            print("Added \(job.slug) (\(job.schedule.description), grace \(HumanUnits.formatDuration(job.grace))).")
            print("Ping URL: \(pingBase.url(key: job.pingKey))")
        }

        /// The job these options describe; a bad value fails with a sentence naming the option.
        func makeJob(now: Date, key: String) throws -> Job {
            if let problem = Job.problem(withSlug: slug) { throw ValidationError(problem) }
            if let problem = PingKey.problem(with: key) { throw ValidationError(problem) }
            if kind == .restoreTest, tests.isEmpty {
                throw ValidationError("--kind restore_test needs --tests SLUG: the jobs whose backups the drill restores")
            }
            if kind != .restoreTest, !tests.isEmpty {
                throw ValidationError("--tests is for --kind restore_test: only a restore test proves other jobs")
            }
            for tested in tests {
                if let problem = Job.problem(withSlug: tested) { throw ValidationError("--tests: \(problem)") }
                if tested == slug { throw ValidationError("--tests '\(tested)': a restore test cannot prove itself") }
            }
            let schedule: Schedule
            switch (every, cron.isEmpty && onCalendar.isEmpty) {
            case (let interval?, true):
                // `--every 02:30` is a duration of 2h30m here: the option says it is an interval.
                guard let seconds = HumanUnits.duration(interval), seconds > 0 else {
                    throw ValidationError("--every '\(interval)' is not a duration longer than zero (try 15m, 6h, 1d)")
                }
                schedule = .interval(seconds)
            case (nil, false):
                guard let zone = TimeZone(identifier: timeZone) else {
                    throw ValidationError("--tz '\(timeZone)' is not a known time zone; use an IANA name such as Europe/Berlin or UTC")
                }
                var entries: [Schedule] = []
                for text in cron {
                    entries.append(.cron(try parse(option: "cron", text) { try CronExpression(text) }, timeZone: zone))
                }
                for text in onCalendar {
                    entries.append(.calendar(try parse(option: "on-calendar", text) { try CalendarEvent(text) }, timeZone: zone))
                }
                schedule = entries.count == 1 ? entries[0] : .several(entries)
            default:
                throw ValidationError("Give one schedule: --every DURATION, or --cron EXPRESSION and --on-calendar EVENT (each repeatable).")
            }
            return Job(
                slug: slug, name: name, pingKey: key, schedule: schedule,
                grace: try duration(grace, option: "grace"),
                maxRuntime: try maxRuntime.map { try duration($0, option: "max-runtime") },
                kind: kind, chainParent: chainParent, priority: priority,
                minSize: try minSize.map { text in
                    guard let bytes = HumanUnits.size(text) else {
                        throw ValidationError("--min-size '\(text)' is not a size (try 500MB, 2GiB)")
                    }
                    return bytes
                },
                rpo: try rpo.map { try duration($0, option: "rpo") },
                rto: try rto.map { try duration($0, option: "rto") }, tests: tests, requireRestoreTest: requireRestoreTest,
                owner: owner, escalation: escalation, protects: protects, tags: tags, description: description,
                createdAt: now
            )
        }

        private func duration(_ text: String, option: String) throws -> TimeInterval {
            guard let seconds = HumanUnits.duration(text) else {
                throw ValidationError("--\(option) '\(text)' is not a duration (try 30m, 4h, 1d)")
            }
            return seconds
        }

        private func parse<Value>(option: String, _ text: String, _ body: () throws -> Value) throws -> Value {
            do {
                return try body()
            } catch BoardError.invalidSchedule(_, let reason) {
                throw ValidationError("--\(option) '\(text)': \(reason)")
            } catch {
                throw ValidationError("--\(option) '\(text)': \(error)")
            }
        }
    }
}
