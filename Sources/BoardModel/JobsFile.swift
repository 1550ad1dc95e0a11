import Foundation

// The jobs file: jobs as code, read by `backupboard jobs apply`. Full reference: docs/jobs-file.md.
//
//     [defaults]                      # optional; every key a job may set except name, key,
//     owner = "ops"                   # chain_parent and description. A job's own value wins,
//     timezone = "Europe/Berlin"      # key by key (alerts and alerts.severity too); arrays are
//     [defaults.alerts]               # replaced, never merged.
//     anomaly_window = 14
//
//     [jobs.db-prod]                  # the slug: lowercase letters, digits, '-', '_'
//     name = "Production database"    # default: the slug
//     key = "..."                     # ping key; default: keep the job's key, or make a new one
//     schedule = "6h"                 # interval ("6h", or seconds) or cron ("0 */6 * * *", "@daily")
//     timezone = "Europe/Berlin"      # IANA zone the cron schedule is read in; default UTC
//     grace = "1h"                    # durations: "90s", "4h", "1h30m", "7d", or integer seconds
//     max_runtime = "2h"              # default: one period of the schedule
//     kind = "full"                   # full, incremental, differential, snapshot, archive, other,
//                                     # restore_test (with tests = ["slug", …]: the jobs it restores)
//     chain_parent = "db-full"        # slug of another job in this file
//     priority = "critical"           # critical, high, medium (default), low
//     min_size = "1GB"                # sizes: "500MB", "1.5GiB", or integer bytes
//     rpo = "6h"
//     rto = "1h"                      # proved by restore tests (docs/restore-tests.md)
//     require_restore_test = false    # true: untested raises restore_overdue and counts in status
//     owner = "dba-team"
//     escalation = "dba-oncall"
//     protects = ["orders", "billing"]
//     tags = ["db", "prod"]
//     description = "..."
//     paused = false                  # default: keep the job's pause state (new jobs: false)
//
//     [jobs.db-prod.alerts]           # docs/architecture.md §5's defaults, per job
//     size_anomaly_factor = 0.5
//     duration_anomaly_high = 2.0
//     duration_anomaly_low = 0.5
//     anomaly_window = 10
//     anomaly_min_runs = 3
//     delayed_escalation_periods = 1
//     flaky_runs = 3                  # flaky: this many of the last flaky_window runs needed a retry
//     flaky_window = 10
//     restore_escalation_periods = 1  # restore_overdue turns critical after this many further periods
//     [jobs.db-prod.alerts.severity]  # alert kind = info | warning | critical | emergency
//     failed = "critical"
//
//     [[maintenance]]                 # recurring windows, read on the wall clock of their zone
//     name = "sunday-patching"
//     days = ["sun"]                  # "sun" or "sunday", any case
//     start = "01:00"                 # end at or before start: the window crosses midnight
//     end = "03:00"                   # "24:00" is the end of the day
//     timezone = "Europe/Berlin"      # default UTC
//     jobs = ["db-prod"]              # slugs, or ["*"] for every job; at least one of jobs / tags
//     tags = ["linux"]
//
// Any error rejects the whole file, and every error is reported, each with its line.

/// The parsed jobs file: the jobs it declares and its maintenance windows. Pure: text in, values out.
public struct JobsFile: Sendable, Equatable {
    /// The jobs, in the order the file declares them.
    public var jobs: [JobSpec]
    /// The maintenance windows, in file order.
    public var maintenanceWindows: [MaintenanceWindow]

    /// A jobs file made of values, as `parse` would return it.
    public init(jobs: [JobSpec], maintenanceWindows: [MaintenanceWindow] = []) {
        self.jobs = jobs
        self.maintenanceWindows = maintenanceWindows
    }

    /// Reads a jobs file. `path` is only used in messages.
    ///
    /// Throws `BoardError.jobsFile(path:line:message:)` for a file with one error (a TOML syntax error
    /// is always alone, since parsing stops there) and `BoardError.jobsFileProblems(path:problems:)` for
    /// a file with several, each problem with its own line.
    public static func parse(_ text: String, path: String) throws -> JobsFile {
        var reader = JobsFileReader(text: text)
        let file = reader.read()
        switch reader.problems.count {
        case 0:
            return file
        case 1:
            throw BoardError.jobsFile(path: path, line: reader.problems[0].line, message: reader.problems[0].message)
        default:
            throw BoardError.jobsFileProblems(path: path, problems: reader.problems)
        }
    }
}

/// One job as the file wants it: a `Job` with every field the file decides, and the two that, when the file
/// does not set them, keep the stored job's value (its ping key and its pause state). The job's fields read
/// through the spec (`spec.schedule`, `spec.alerting`, …).
@dynamicMemberLookup
public struct JobSpec: Sendable, Equatable {
    /// The job as the file describes it; its id, ping key, pause state and creation time are placeholders
    /// that `makeJob` and `applied(to:)` fill in.
    public var job: Job
    /// The ping key, if the file sets one; otherwise an existing job keeps its key and a new one gets a fresh key.
    public var key: String?
    /// The pause state, if the file sets one; otherwise an existing job keeps its state and a new one runs.
    public var paused: Bool?

    /// Creates a spec with `Job`'s defaults for everything not given.
    public init(
        slug: String, name: String? = nil, key: String? = nil, schedule: Schedule, grace: TimeInterval = 3600,
        maxRuntime: TimeInterval? = nil, kind: BackupKind = .other, chainParent: String? = nil,
        priority: JobPriority = .medium, minSize: Int64? = nil, rpo: TimeInterval? = nil, rto: TimeInterval? = nil,
        tests: [String] = [], requireRestoreTest: Bool = false, owner: String? = nil, escalation: String? = nil, protects: [String] = [], tags: [String] = [],
        description: String? = nil, paused: Bool? = nil, alerting: AlertSettings = AlertSettings()
    ) {
        job = Job(
            slug: slug, name: name, pingKey: "", schedule: schedule, grace: grace, maxRuntime: maxRuntime, kind: kind,
            chainParent: chainParent, priority: priority, minSize: minSize, rpo: rpo, rto: rto, tests: tests,
            requireRestoreTest: requireRestoreTest, owner: owner,
            escalation: escalation, protects: protects, tags: tags, description: description, paused: false,
            alerting: alerting, createdAt: Date(timeIntervalSince1970: 0))
        self.key = key
        self.paused = paused
    }

    /// A field of the job the file describes.
    public subscript<Value>(dynamicMember field: KeyPath<Job, Value>) -> Value {
        job[keyPath: field]
    }

    /// A new job for this spec: the file's key or `pingKey`, not paused unless the file says so.
    public func makeJob(pingKey: String, createdAt: Date) -> Job {
        var new = job
        new.pingKey = key ?? pingKey
        new.paused = paused ?? false
        new.createdAt = createdAt
        return new
    }

    /// `existing` changed to match this spec; its id and creation time are kept, and so are its key and
    /// pause state unless the spec sets them.
    public func applied(to existing: Job) -> Job {
        var updated = job
        updated.id = existing.id
        updated.createdAt = existing.createdAt
        updated.pingKey = key ?? existing.pingKey
        updated.paused = paused ?? existing.paused
        return updated
    }
}
