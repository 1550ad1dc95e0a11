import Foundation

/// One job of the demo fleet: its metadata, how its backups behave (sizes, durations, growth, the
/// payload its script sends) and which story it tells on the board.
struct DemoJobProfile: Sendable {
    /// What the job's history shows at `now`.
    enum Scenario: Sendable, Equatable {
        /// Latest run completed recently; the next is not yet due.
        case healthy
        /// Started about 40% of its usual duration ago, progress heartbeats up to ~40%.
        case running
        /// The latest run failed.
        case latestFailed
        /// The latest run completed, then its verification failed.
        case verificationFailed
        /// Its last heartbeat is well over interval + grace old.
        case overdue
        /// The latest run "completed" with a tiny file (a failed dump piped through gzip).
        case sizeCollapse
        /// Created recently, never reported.
        case neverReported
        /// Paused days ago; no runs since.
        case paused
    }

    /// When the job runs. Cron cadences carry their fire time so the history can be laid out without
    /// depending on `CronExpression.nextFire`.
    enum Cadence: Sendable {
        case every(TimeInterval)
        case daily(hour: Int, minute: Int, zone: String)
        /// `weekday` as Foundation counts it: 1 = Sunday.
        case weekly(weekday: Int, hour: Int, minute: Int, zone: String)

        /// The nominal gap between two runs.
        var period: TimeInterval {
            switch self {
            case .every(let seconds): seconds
            case .daily: 86_400
            case .weekly: 604_800
            }
        }

        var schedule: Schedule {
            switch self {
            case .every(let seconds):
                return .interval(seconds)
            case .daily(let hour, let minute, let zone):
                return .cron(try! CronExpression("\(minute) \(hour) * * *"), timeZone: Self.timeZone(zone))
            case .weekly(let weekday, let hour, let minute, let zone):
                return .cron(try! CronExpression("\(minute) \(hour) * * \(weekday - 1)"), timeZone: Self.timeZone(zone))
            }
        }

        static func timeZone(_ identifier: String) -> TimeZone {
            TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0)!
        }
    }

    /// The payload the job's script sends, modelled on the seed article's clients.
    package enum Style: Sendable {
        case postgres(database: String)
        case mysql(database: String)
        case mongo
        case mssql(database: String)
        case rsync(source: String, destination: String)
        case tar(source: String)
        case zfs(dataset: String)
        /// The article's Python S3 uploader: float durations, `"N bytes"` sizes, no exit codes.
        case s3(bucket: String)
        case archive(source: String)
        case incremental(tool: String)
        /// A restore drill (`kind = restore_test`) wrapped in `backupboard run`: its duration is the restore time.
        case restoreDrill(tool: String)

        /// Shell wrappers time the whole run; the article's Python uploader sends only the error.
        var reportsDurationOnFailure: Bool {
            if case .s3 = self { return false }
            return true
        }
    }

    var slug: String
    var name: String
    var cadence: Cadence
    var grace: TimeInterval
    var kind: BackupKind
    var chainParent: String? = nil
    var priority: JobPriority
    var minSize: Int64? = nil
    var rpo: TimeInterval? = nil
    var rto: TimeInterval? = nil
    /// For a restore test: the jobs whose backups it restores.
    var tests: [String] = []
    var owner: String
    var escalation: String? = nil
    var protects: [String]
    var tags: [String]
    var description: String
    var host: String
    var style: Style
    /// Bytes a run makes today; older runs were smaller by `weeklyGrowth` a week.
    var baseSize: Double
    var weeklyGrowth: Double
    /// Run-to-run size spread (0.02 = ±2%); incrementals vary much more.
    var sizeNoise: Double = 0.02
    /// Seconds a run of `baseSize` takes.
    var baseDuration: TimeInterval
    var baseFiles: Int64? = nil
    /// Percent between progress heartbeats; nil for jobs that send none.
    var progressStep: Int? = nil
    /// Sends a `verified` heartbeat after each completed run (the seed's `verify_backup`).
    var verifies: Bool = false
    /// How many failures are scattered through the history (never among the last three runs).
    var scatteredFailures: Int = 0
    /// What this job's failures say; the first is used for a latest-run failure.
    var failures: [DemoFailure] = []
    var scenario: Scenario = .healthy

    /// Whether the script sends a run id (jobs wrapped by `backupboard run` do).
    var sendsRunID: Bool {
        switch style {
        case .postgres, .archive, .incremental, .restoreDrill: true
        default: false
        }
    }
}

/// A failure as the backup tool reports it.
struct DemoFailure: Sendable {
    var message: String
    var exitCode: Int?
}

private let hour: TimeInterval = 3_600
private let day: TimeInterval = 86_400
private let gb = 1e9

extension DemoJobProfile {
    /// The fleet, in board order: critical databases, daily file systems, weekly archives, incrementals, and
    /// the monthly restore drills that prove three of them.
    static let catalog: [DemoJobProfile] = databases + fileSystems + archives + incrementals + restoreTests

    /// Monthly restore drills (docs/restore-tests.md): one within its RTO, one slower than its RTO
    /// (`rto_breach` on `mysql-orders`), one whose last successful drill is older than a month plus grace
    /// (`restore_overdue` on `fs-home`).
    static let restoreTests: [DemoJobProfile] = [
        DemoJobProfile(
            slug: "restore-pg-prod-main", name: "Restore drill: pg prod main", cadence: .every(30 * day),
            grace: 2 * day, kind: .restoreTest, priority: .high, tests: ["pg-prod-main"], owner: "dba-team",
            protects: ["customers", "orders", "billing schema"], tags: ["prod", "db", "restore-test"],
            description: "pg_restore of the latest dump into a scratch database, then a row-count query.",
            host: "db-scratch-01", style: .restoreDrill(tool: "pg_restore"), baseSize: 41 * gb, weeklyGrowth: 0,
            baseDuration: 52 * 60),
        DemoJobProfile(
            slug: "restore-mysql-orders", name: "Restore drill: MySQL orders", cadence: .every(30 * day),
            grace: 2 * day, kind: .restoreTest, priority: .high, tests: ["mysql-orders"], owner: "commerce-backend",
            protects: ["orders", "carts", "payments ledger"], tags: ["prod", "db", "restore-test"],
            description: "gunzip | mysql into a scratch instance; slower than the orders RTO since the dump grew.",
            host: "db-scratch-01", style: .restoreDrill(tool: "mysql"), baseSize: 18 * gb, weeklyGrowth: 0,
            baseDuration: 100 * 60),
        DemoJobProfile(
            slug: "restore-fs-home", name: "Restore drill: home directories", cadence: .every(30 * day),
            grace: 2 * day, kind: .restoreTest, priority: .medium, tests: ["fs-home"], owner: "it-ops",
            protects: ["/home on fileserver-01"], tags: ["prod", "fs", "restore-test"],
            description: "restic restore of a sample of home directories into /tmp, checksums compared.",
            host: "backup-01", style: .restoreDrill(tool: "restic restore"), baseSize: 6 * gb, weeklyGrowth: 0,
            baseDuration: 35 * 60, scenario: .overdue),
    ]

    static let databases: [DemoJobProfile] = [
        DemoJobProfile(
            slug: "pg-prod-main", name: "PostgreSQL prod main (pg_dump)", cadence: .every(6 * hour),
            grace: hour, kind: .full, priority: .critical, minSize: 30_000_000_000, rpo: 8 * hour, rto: 2 * hour,
            owner: "dba-team", escalation: "pagerduty:dba-primary",
            protects: ["customers", "orders", "billing schema"], tags: ["prod", "db", "postgres"],
            description: "Nightly-and-daytime logical dump of the main OLTP cluster, verified by checksum.",
            host: "db-prod-01", style: .postgres(database: "main"), baseSize: 48.7 * gb, weeklyGrowth: 0.015,
            baseDuration: 52 * 60, progressStep: 25, verifies: true, scatteredFailures: 2,
            failures: [
                DemoFailure(
                    message: "pg_dump: error: connection to server at \"10.0.3.12\", port 5432 failed: FATAL:  remaining connection slots are reserved for non-replication superuser connections",
                    exitCode: 1),
                DemoFailure(
                    message: "pg_dump: error: Dumping the contents of table \"order_events\" failed: PQgetResult() failed.\npg_dump: error: could not write to output file: No space left on device",
                    exitCode: 1),
            ]),
        DemoJobProfile(
            slug: "pg-prod-analytics", name: "PostgreSQL analytics warehouse", cadence: .every(6 * hour),
            grace: hour, kind: .full, priority: .high, rpo: 12 * hour, rto: 6 * hour,
            owner: "data-platform", escalation: "slack:#data-oncall",
            protects: ["reporting warehouse", "BI dashboards"], tags: ["prod", "db", "postgres"],
            description: "Parallel directory-format dump of the analytics warehouse; long-running by design.",
            host: "db-analytics-01", style: .postgres(database: "analytics"), baseSize: 212 * gb,
            weeklyGrowth: 0.03, baseDuration: 2 * hour + 10 * 60, progressStep: 10, scenario: .running),
        DemoJobProfile(
            slug: "mysql-orders", name: "MySQL orders (mysqldump | gzip)", cadence: .every(4 * hour),
            grace: hour, kind: .full, priority: .critical, rpo: 6 * hour, rto: hour,
            owner: "commerce-backend", escalation: "pagerduty:commerce",
            protects: ["orders", "carts", "payments ledger"], tags: ["prod", "db", "mysql"],
            description: "mysqldump piped through gzip; the script checks gzip's exit status, not mysqldump's.",
            host: "mysql-prod-02", style: .mysql(database: "orders"), baseSize: 12.4 * gb, weeklyGrowth: 0.02,
            baseDuration: 24 * 60, scenario: .sizeCollapse),
        DemoJobProfile(
            slug: "mysql-billing", name: "MySQL billing", cadence: .every(4 * hour),
            grace: hour, kind: .full, priority: .critical, minSize: 5_000_000_000, rpo: 6 * hour, rto: 2 * hour,
            owner: "billing-team", escalation: "pagerduty:billing",
            protects: ["invoices", "subscriptions"], tags: ["prod", "db", "mysql"],
            description: "Consistent dump of the billing schema with --single-transaction.",
            host: "mysql-prod-01", style: .mysql(database: "billing"), baseSize: 6.8 * gb, weeklyGrowth: 0.012,
            baseDuration: 14 * 60, scatteredFailures: 1,
            failures: [
                DemoFailure(
                    message: "mysqldump: Error 2013: Lost connection to MySQL server during query when dumping table `invoice_lines` at row: 1184467",
                    exitCode: 2),
                DemoFailure(
                    message: "mysqldump: Couldn't execute 'FLUSH TABLES WITH READ LOCK': Lock wait timeout exceeded; try restarting transaction (1205)",
                    exitCode: 2),
            ],
            scenario: .latestFailed),
        DemoJobProfile(
            slug: "mongo-sessions", name: "MongoDB sessions (mongodump)", cadence: .every(6 * hour),
            grace: hour, kind: .full, priority: .high, rpo: 8 * hour, rto: 4 * hour,
            owner: "platform-team", escalation: "slack:#platform-oncall",
            protects: ["user sessions", "feature flags"], tags: ["prod", "db", "mongodb"],
            description: "mongodump --oplog of the sessions replica set, gzip archive.",
            host: "mongo-prod-rs0-2", style: .mongo, baseSize: 31.5 * gb, weeklyGrowth: 0.025,
            baseDuration: 38 * 60, scatteredFailures: 1,
            failures: [
                DemoFailure(
                    message: "Failed: error writing data for collection `sessions.active` to disk: write /backup/mongo/sessions.archive.gz: no space left on device",
                    exitCode: 1),
            ]),
        DemoJobProfile(
            slug: "pg-staging", name: "PostgreSQL staging", cadence: .every(6 * hour),
            grace: hour, kind: .full, priority: .low, owner: "platform-team", escalation: "slack:#staging",
            protects: ["staging app data"], tags: ["staging", "db", "postgres"],
            description: "Staging copy of main; restored weekly into the QA environment.",
            host: "db-staging-01", style: .postgres(database: "main_staging"), baseSize: 9.2 * gb,
            weeklyGrowth: 0.008, baseDuration: 11 * 60),
        DemoJobProfile(
            slug: "mssql-legacy-erp", name: "SQL Server legacy ERP", cadence: .every(6 * hour),
            grace: hour, kind: .full, priority: .medium, rpo: 12 * hour, rto: 8 * hour,
            owner: "erp-team", escalation: "erp-team@example.com",
            protects: ["ERP_PROD"], tags: ["prod", "db", "mssql"],
            description: "Paused while the ERP moves to the new cluster (change CHG-4471).",
            host: "erp-sql-01", style: .mssql(database: "ERP_PROD"), baseSize: 74 * gb, weeklyGrowth: 0.003,
            baseDuration: 65 * 60, progressStep: 25, scenario: .paused),
        DemoJobProfile(
            slug: "pg-payments-v2", name: "PostgreSQL payments v2", cadence: .every(4 * hour),
            grace: hour, kind: .full, priority: .critical, minSize: 1_000_000_000, rpo: 6 * hour, rto: hour,
            owner: "payments-team", escalation: "pagerduty:payments",
            protects: ["card tokens", "payouts"], tags: ["prod", "db", "postgres"],
            description: "New payments cluster; backup script deployed today, first run pending.",
            host: "db-payments-01", style: .postgres(database: "payments"), baseSize: 2.1 * gb,
            weeklyGrowth: 0.02, baseDuration: 6 * 60, scenario: .neverReported),
    ]

    static let fileSystems: [DemoJobProfile] = [
        DemoJobProfile(
            slug: "fs-home", name: "Home directories (rsync)", cadence: .every(day),
            grace: 4 * hour, kind: .full, priority: .high, minSize: 300_000_000_000, rpo: 30 * hour,
            rto: 12 * hour, owner: "it-ops", escalation: "slack:#it-ops",
            protects: ["/home on fileserver-01"], tags: ["prod", "fs"],
            description: "rsync --stats of /home to backup-02.",
            host: "fileserver-01", style: .rsync(source: "/home", destination: "backup-02:/backups/home"),
            baseSize: 412 * gb, weeklyGrowth: 0.01, baseDuration: 100 * 60, baseFiles: 1_284_311,
            progressStep: 25, scatteredFailures: 1,
            failures: [
                DemoFailure(
                    message: "rsync: [sender] write error: Broken pipe (32)\nrsync error: error in socket IO (code 10) at io.c(848) [sender=3.2.7]",
                    exitCode: 10),
            ]),
        DemoJobProfile(
            slug: "nas-photos", name: "NAS photo library", cadence: .every(day),
            grace: 4 * hour, kind: .full, priority: .medium, rpo: 48 * hour, rto: 48 * hour,
            owner: "it-office", escalation: "it-office@example.com",
            protects: ["marketing photo library", "event photos"], tags: ["prod", "fs", "nas"],
            description: "rsync of the Synology share to the offsite NAS, checksum-verified after each run.",
            host: "nas-01", style: .rsync(source: "/volume1/photo", destination: "nas-offsite:/volume1/photo"),
            baseSize: 2_140 * gb, weeklyGrowth: 0.018, baseDuration: 3 * hour + 20 * 60, baseFiles: 863_402,
            progressStep: 25, verifies: true, scenario: .verificationFailed),
        DemoJobProfile(
            slug: "fs-gitlab-data", name: "GitLab data (tar)", cadence: .every(day),
            grace: 4 * hour, kind: .full, priority: .high, rpo: 30 * hour, rto: 6 * hour,
            owner: "devtools", escalation: "pagerduty:devtools",
            protects: ["git repositories", "CI artifacts", "container registry"], tags: ["prod", "fs"],
            description: "gitlab-backup create plus a tar of /etc/gitlab.",
            host: "gitlab-01", style: .tar(source: "/var/opt/gitlab/backups"), baseSize: 186 * gb,
            weeklyGrowth: 0.022, baseDuration: 48 * 60, baseFiles: 412_880, scenario: .overdue),
        DemoJobProfile(
            slug: "fs-etc-configs", name: "Server configs (/etc)", cadence: .daily(hour: 2, minute: 30, zone: "UTC"),
            grace: 4 * hour, kind: .full, priority: .medium, rpo: 30 * hour, rto: hour,
            owner: "sre", protects: ["/etc of all servers"], tags: ["prod", "fs"],
            description: "Nightly tar of /etc from every host, collected on the bastion.",
            host: "bastion-01", style: .tar(source: "/srv/collect/etc"), baseSize: 0.184 * gb,
            weeklyGrowth: 0.005, baseDuration: 95, baseFiles: 48_113),
        DemoJobProfile(
            slug: "fs-shared-finance", name: "Finance share", cadence: .every(day),
            grace: 4 * hour, kind: .full, priority: .high, rpo: 30 * hour, rto: 8 * hour,
            owner: "it-office", escalation: "finance-it@example.com",
            protects: ["SMB share \\\\files\\finance"], tags: ["prod", "fs", "smb"],
            description: "Full copy of the finance SMB share, hash-verified for audit.",
            host: "fileserver-02", style: .tar(source: "/srv/shares/finance"), baseSize: 96 * gb,
            weeklyGrowth: 0.011, baseDuration: 35 * 60, baseFiles: 221_904, verifies: true,
            scatteredFailures: 1,
            failures: [
                DemoFailure(
                    message: "tar: /srv/shares/finance/2025/Q1/ledger-close.xlsx: file changed as we read it\ntar: Exiting with failure status due to previous errors",
                    exitCode: 2),
            ]),
        DemoJobProfile(
            slug: "vm-images-snapshot", name: "VM images (zfs send)", cadence: .every(day),
            grace: 4 * hour, kind: .snapshot, priority: .medium, rpo: 30 * hour, rto: 4 * hour,
            owner: "infra", escalation: "slack:#infra",
            protects: ["hypervisor VM disks"], tags: ["prod", "fs", "zfs"],
            description: "Daily zfs snapshot of tank/vm sent to the backup pool.",
            host: "hv-01", style: .zfs(dataset: "tank/vm"), baseSize: 640 * gb, weeklyGrowth: 0.015,
            baseDuration: 2 * hour + 5 * 60, progressStep: 25),
        DemoJobProfile(
            slug: "fs-staging-uploads", name: "Staging uploads to S3", cadence: .every(day),
            grace: 4 * hour, kind: .full, priority: .low, owner: "web-team",
            protects: ["staging user uploads"], tags: ["staging", "fs", "s3"],
            description: "The Python S3 uploader from the runbook.",
            host: "web-staging-01", style: .s3(bucket: "acme-staging-uploads-backup"), baseSize: 58 * gb,
            weeklyGrowth: 0.04, baseDuration: 22 * 60, baseFiles: 81_230),
    ]

    static let archives: [DemoJobProfile] = [
        DemoJobProfile(
            slug: "archive-mail-weekly", name: "Mail archive (weekly)",
            cadence: .weekly(weekday: 1, hour: 4, minute: 0, zone: "Europe/Berlin"),
            grace: day, kind: .archive, priority: .medium, rpo: 8 * day, rto: 3 * day,
            owner: "it-office", protects: ["mailboxes"], tags: ["prod", "fs", "archive"],
            description: "Sunday-morning archive of all mailboxes, zstd + AES256.",
            host: "mail-01", style: .archive(source: "/var/vmail"), baseSize: 88 * gb, weeklyGrowth: 0.012,
            baseDuration: 2 * hour + 40 * 60, baseFiles: 2_406_117, progressStep: 25, verifies: true),
        DemoJobProfile(
            slug: "archive-logs-weekly", name: "Log archive (weekly)", cadence: .every(7 * day),
            grace: day, kind: .archive, priority: .low, owner: "sre",
            protects: ["application and audit logs"], tags: ["prod", "fs", "archive"],
            description: "Weekly compressed archive of rotated logs to cold storage.",
            host: "logs-01", style: .archive(source: "/var/log/archive"), baseSize: 143 * gb,
            weeklyGrowth: 0.035, baseDuration: 110 * 60, baseFiles: 96_544, scatteredFailures: 1,
            failures: [
                DemoFailure(message: "zstd: error 70 : Write error : cannot write block : No space left on device", exitCode: 1),
            ]),
        DemoJobProfile(
            slug: "archive-finance-ledger", name: "Finance ledger archive (compliance)", cadence: .every(7 * day),
            grace: day, kind: .archive, priority: .critical, minSize: 15_000_000_000, rpo: 8 * day, rto: day,
            owner: "finance-it", escalation: "pagerduty:compliance",
            protects: ["general ledger", "audit trail"], tags: ["prod", "db", "archive"],
            description: "Weekly immutable ledger archive kept seven years; verified for the auditors.",
            host: "db-prod-01", style: .archive(source: "ledger export"), baseSize: 21.6 * gb,
            weeklyGrowth: 0.007, baseDuration: 55 * 60, baseFiles: 1_204, verifies: true),
        DemoJobProfile(
            slug: "archive-db-offsite", name: "Database dumps offsite (weekly)", cadence: .every(7 * day),
            grace: day, kind: .archive, priority: .high, rpo: 8 * day, rto: 2 * day,
            owner: "dba-team", escalation: "pagerduty:dba-primary",
            protects: ["all production database dumps"], tags: ["prod", "db", "archive", "offsite"],
            description: "Weekly copy of every production dump to cold object storage in another region.",
            host: "backup-02", style: .archive(source: "/backups/db"), baseSize: 265 * gb,
            weeklyGrowth: 0.016, baseDuration: 4 * hour + 10 * 60, baseFiles: 840, progressStep: 25,
            verifies: true),
    ]

    static let incrementals: [DemoJobProfile] = [
        DemoJobProfile(
            slug: "pg-prod-main-incr", name: "PostgreSQL prod main incremental (pgBackRest)",
            cadence: .every(hour), grace: 2 * hour, kind: .incremental, chainParent: "pg-prod-main",
            priority: .critical, rpo: 3 * hour, rto: 2 * hour, owner: "dba-team",
            escalation: "pagerduty:dba-primary", protects: ["customers", "orders", "billing schema"],
            tags: ["prod", "db", "postgres"], description: "Hourly pgBackRest incremental on top of the full dump.",
            host: "db-prod-01", style: .incremental(tool: "pgbackrest"), baseSize: 1.9 * gb, weeklyGrowth: 0.015,
            sizeNoise: 0.25, baseDuration: 4 * 60, baseFiles: 310, scatteredFailures: 1,
            failures: [
                DemoFailure(
                    message: "ERROR: [082]: WAL segment 000000010000003F000000A2 was not archived before the 60000ms timeout",
                    exitCode: 82),
            ]),
        DemoJobProfile(
            slug: "fs-home-incr", name: "Home directories incremental (restic)", cadence: .every(hour),
            grace: 2 * hour, kind: .incremental, chainParent: "fs-home", priority: .medium, rpo: 3 * hour,
            owner: "it-ops", protects: ["/home on fileserver-01"], tags: ["prod", "fs"],
            description: "Hourly restic snapshot of changed files.",
            host: "fileserver-01", style: .incremental(tool: "restic"), baseSize: 3.4 * gb, weeklyGrowth: 0.01,
            sizeNoise: 0.25, baseDuration: 6 * 60, baseFiles: 4_820),
        DemoJobProfile(
            slug: "mysql-orders-binlog", name: "MySQL orders binlog shipping", cadence: .every(hour),
            grace: 2 * hour, kind: .incremental, chainParent: "mysql-orders", priority: .high, rpo: 2 * hour,
            owner: "commerce-backend", escalation: "pagerduty:commerce", protects: ["orders"],
            tags: ["prod", "db", "mysql"], description: "Hourly copy of closed binlogs to backup-02.",
            host: "mysql-prod-02", style: .incremental(tool: "mysqlbinlog"), baseSize: 0.64 * gb,
            weeklyGrowth: 0.02, sizeNoise: 0.25, baseDuration: 2 * 60, baseFiles: 3),
        DemoJobProfile(
            slug: "nas-photos-incr", name: "NAS photo library incremental", cadence: .every(2 * hour),
            grace: 2 * hour, kind: .incremental, chainParent: "nas-photos", priority: .low,
            owner: "it-office", protects: ["marketing photo library"], tags: ["prod", "fs", "nas"],
            description: "Two-hourly sync of new photos between full runs.",
            host: "nas-01", style: .incremental(tool: "rsync"), baseSize: 12 * gb, weeklyGrowth: 0.018,
            sizeNoise: 0.25, baseDuration: 9 * 60, baseFiles: 1_130),
        DemoJobProfile(
            slug: "fs-shared-finance-incr", name: "Finance share incremental (restic)", cadence: .every(hour),
            grace: 2 * hour, kind: .incremental, chainParent: "fs-shared-finance", priority: .high,
            rpo: 3 * hour, owner: "it-office", escalation: "finance-it@example.com",
            protects: ["SMB share \\\\files\\finance"], tags: ["prod", "fs", "smb"],
            description: "Hourly restic snapshot of the finance share.",
            host: "fileserver-02", style: .incremental(tool: "restic"), baseSize: 0.42 * gb, weeklyGrowth: 0.011,
            sizeNoise: 0.25, baseDuration: 3 * 60, baseFiles: 640, scatteredFailures: 2,
            failures: [
                DemoFailure(
                    message: "Fatal: unable to create lock in backend: repository is already locked by PID 18211 on backup-01 by root (UID 0, GID 0)",
                    exitCode: 1),
                DemoFailure(message: "Fatal: unable to open config file: Stat: connection reset by peer", exitCode: 1),
            ]),
        DemoJobProfile(
            slug: "mongo-sessions-oplog", name: "MongoDB sessions oplog", cadence: .every(2 * hour),
            grace: 2 * hour, kind: .incremental, chainParent: "mongo-sessions", priority: .high,
            rpo: 4 * hour, owner: "platform-team", protects: ["user sessions"], tags: ["prod", "db", "mongodb"],
            description: "Two-hourly oplog slice since the last dump.",
            host: "mongo-prod-rs0-2", style: .incremental(tool: "mongodump --oplog"), baseSize: 1.1 * gb,
            weeklyGrowth: 0.025, sizeNoise: 0.25, baseDuration: 5 * 60, baseFiles: 1),
    ]
}
