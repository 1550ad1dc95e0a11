import Foundation
import Testing
@testable import BoardModel
@testable import BoardSQLite

/// Each new migration, applied to a database the previous version made, with data in it.
@Suite struct MigrationTests {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    private func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("migration-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A database as v2-notifications left it: one job with one completed run, in `runs` and in its state
    /// row (whose recent runs are in `RecentRunsCodec` version 1).
    private func previousDatabase(at path: String) throws {
        let t = t0.timeIntervalSince1970
        try Schema.makeDatabase(path: path, upTo: "v2-notifications", then: """
            INSERT INTO jobs(id, slug, name, ping_key, key_hash, schedule_kind, schedule_interval, grace, kind,
                             priority, created_at)
            VALUES (1, 'db-prod', 'db-prod', 'key-db-prod-0000', zeroblob(32), 'interval', 86400, 3600, 'full',
                    'medium', \(t));
            INSERT INTO runs(id, job_id, client_run_id, run_at, started_at, ended_at, last_heartbeat_at, outcome,
                             exit_code, size_bytes, heartbeat_count, last_status)
            VALUES (7, 1, 'r1', \(t + 60), \(t + 60), \(t + 120), \(t + 120), 'completed', 0, 5000, 2, 'completed');
            INSERT INTO job_state(job_id, last_heartbeat_at, last_start_at, last_good_at)
            VALUES (1, \(t + 120), \(t + 60), \(t + 120));
            """)
        let run = Run(
            id: 7, jobID: 1, clientRunID: "r1", startedAt: t0.addingTimeInterval(60), endedAt: t0.addingTimeInterval(120),
            lastHeartbeatAt: t0.addingTimeInterval(120), outcome: .completed, exitCode: 0, sizeBytes: 5_000,
            heartbeatCount: 2, lastStatus: .completed)
        // Version 2 without an attempts bit is version 1 byte for byte, but for the version byte.
        var blob = RecentRunsCodec.encode([run])
        blob[0] = 1
        try Schema.execute(path: path, sql: "UPDATE job_state SET recent_runs = ? WHERE job_id = 1", arguments: [Data(blob)])
    }

    @Test func runAttemptsMigrationKeepsOldRunsAndStoresNewAttempts() async throws {
        let path = try folder() + "/board.sqlite"
        try previousDatabase(at: path)

        // A read-only board cannot upgrade it, and says what to do.
        #expect {
            _ = try BoardStore(path: path, readOnly: true)
        } throws: { error in
            "\(error)".contains("written by an older version of backupboard and needs an upgrade")
        }

        let store = try BoardStore(path: path)
        let old = try #require(try await store.runs(ofJob: 1).first)
        #expect(old.id == 7)
        #expect(old.attempts == nil)
        #expect(old.sizeBytes == 5_000)
        #expect(try await store.activity(ofJob: 1).recentRuns.map(\.id) == [7])

        // A run that needed a second attempt, as `run --attempts` reports it.
        func beat(_ status: HeartbeatStatus, _ minute: Double, fields: [String: String] = [:]) -> Heartbeat {
            Heartbeat(
                jobID: 1, receivedAt: t0.addingTimeInterval(minute * 60),
                report: HeartbeatReport(status: status, runID: "r2", exitCode: status == .completed ? 0 : nil, fields: fields),
                deliveryID: "d-\(minute)", method: "POST")
        }
        _ = try await store.insert([
            beat(.started, 1_440), beat(.progress, 1_445, fields: ["attempt": "2", "attempt_exit_code": "3"]),
            beat(.completed, 1_450, fields: ["attempts": "2"]),
        ])
        let runs = try await store.runs(ofJob: 1)
        #expect(runs.map(\.id) == [8, 7])
        #expect(runs.map(\.attempts) == [2, nil])
        #expect(try await store.activity(ofJob: 1).recentRuns.map(\.attempts) == [nil, 2])

        // Reopened, the state row (now version 2) and the runs read back the same.
        let reopened = try BoardStore(path: path, readOnly: true)
        #expect(try await reopened.activity(ofJob: 1).recentRuns.map(\.attempts) == [nil, 2])
    }

    @Test func recentRunsCodecReadsVersionOneAndWritesAttempts() throws {
        let run = Run(id: 1, jobID: 1, startedAt: t0, endedAt: t0.addingTimeInterval(5), lastHeartbeatAt: t0,
                      outcome: .completed, attempts: 3)
        let blob = RecentRunsCodec.encode([run])
        #expect(blob[0] == 2)
        #expect(try blob.withUnsafeBytes { try RecentRunsCodec.decode($0, jobID: 1) } == [run])
        var plain = run
        plain.attempts = nil
        var old = RecentRunsCodec.encode([plain])
        old[0] = 1
        #expect(try old.withUnsafeBytes { try RecentRunsCodec.decode($0, jobID: 1) } == [plain])
        var unknown = old
        unknown[0] = 3
        #expect(throws: RecentRunsCodec.DamagedData.self) { try unknown.withUnsafeBytes { try RecentRunsCodec.decode($0, jobID: 1) } }
    }
}

/// `v4-calendar-schedules`: the `jobs` table rebuilt so that `schedule_kind` takes `calendar` and `several`.
@Suite struct CalendarScheduleMigrationTests {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    private func databasePath() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migration-v4-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/board.sqlite"
    }

    @Test func restoreTestsMigrationGivesExistingJobsNoTestsAndStoresNewOnes() async throws {
        let path = try databasePath()
        let t = t0.timeIntervalSince1970
        // As v4-calendar-schedules left it: one job with an RTO, as an earlier version wrote it.
        try Schema.makeDatabase(path: path, upTo: "v4-calendar-schedules", then: """
            INSERT INTO jobs(id, slug, name, ping_key, key_hash, schedule_kind, schedule_interval, grace, kind,
                             priority, rto, created_at)
            VALUES (1, 'db-prod', 'db-prod', 'key-db-prod-0000', randomblob(32), 'interval', 21600, 3600, 'full',
                    'high', 14400, \(t));
            INSERT INTO job_state(job_id, last_heartbeat_at) VALUES (1, \(t + 60));
            """)
        #expect {
            _ = try BoardStore(path: path, readOnly: true)
        } throws: { "\($0)".contains("needs an upgrade") }

        try await RestoreTestsMigration.check(try BoardStore(path: path), createdAt: t0) {
            try BoardStore(path: path, readOnly: true)
        }
        // The triggers still stamp a job whose new columns change.
        let version = try Schema.strings(path: path, sql: "SELECT CAST(version AS TEXT) FROM job_state WHERE job_id = 1")
        #expect(version.count == 1)
        try Schema.execute(path: path, sql: "UPDATE jobs SET require_restore_test = 1 WHERE id = 1", arguments: [])
        #expect(try Schema.strings(path: path, sql: "SELECT CAST(version AS TEXT) FROM job_state WHERE job_id = 1") != version)
        #expect(throws: (any Error).self) {
            try Schema.execute(path: path, sql: "UPDATE jobs SET require_restore_test = 2 WHERE id = 1", arguments: [])
        }
    }

    private let schemaObjects = "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1"

    @Test func existingJobsRunsAndTriggersSurviveAndNewKindsAreStored() async throws {
        let path = try databasePath()
        let t = t0.timeIntervalSince1970
        // As v3-run-attempts left it: a cron job and an interval job, a run, a state row, a tag mute, and a job
        // (id 5) that was deleted, so the next id must be 6, never 5 again.
        try Schema.makeDatabase(path: path, upTo: "v3-run-attempts", then: """
            INSERT INTO jobs(id, slug, name, ping_key, key_hash, schedule_kind, schedule_interval, schedule_cron,
                             schedule_time_zone, grace, kind, priority, tags, created_at)
            VALUES (1, 'db-prod', 'db-prod', 'key-db-prod-0000', randomblob(32), 'cron', NULL, '30 2 * * *',
                    'Europe/Berlin', 3600, 'full', 'high', '["prod"]', \(t)),
                   (3, 'fs', 'fs', 'key-fs-0000000000', randomblob(32), 'interval', 86400, NULL, NULL, 3600, 'other',
                    'medium', '[]', \(t)),
                   (5, 'gone', 'gone', 'key-gone-00000000', randomblob(32), 'interval', 3600, NULL, NULL, 60, 'other',
                    'medium', '[]', \(t));
            DELETE FROM jobs WHERE id = 5;
            INSERT INTO runs(id, job_id, client_run_id, run_at, started_at, ended_at, last_heartbeat_at, outcome,
                             exit_code, heartbeat_count, last_status, attempts)
            VALUES (7, 1, 'r1', \(t + 60), \(t + 60), \(t + 120), \(t + 120), 'completed', 0, 2, 'completed', 2);
            INSERT INTO job_state(job_id, last_heartbeat_at, last_start_at, last_good_at)
            VALUES (1, \(t + 120), \(t + 60), \(t + 120));
            INSERT INTO mutes(scope, target, until, created_by, reason, created_at)
            VALUES ('tag', 'prod', \(t + 86400), 'ops', 'patching', \(t));
            """)
        let before = try Schema.strings(path: path, sql: schemaObjects)

        let store = try BoardStore(path: path)
        // Nothing of v1–v3 changed; v5-job-audit adds its table and index.
        #expect(try Schema.strings(path: path, sql: schemaObjects) == (before + ["index job_audit_on_slug", "table job_audit"]).sorted())
        #expect(try Schema.strings(path: path, sql: "SELECT sql FROM sqlite_master WHERE name = 'jobs'").first?
            .contains("'interval', 'cron', 'calendar', 'several'") == true)

        let jobs = try await store.jobs()
        #expect(jobs.map(\.slug) == ["db-prod", "fs"])
        #expect(jobs[0].schedule == .cron(try CronExpression("30 2 * * *"), timeZone: TimeZone(identifier: "Europe/Berlin")!))
        #expect(jobs[1].schedule == .interval(86_400))
        #expect(try await store.runs(ofJob: 1).map(\.id) == [7])
        #expect(try await store.job(slug: "fs")?.pingKey == "key-fs-0000000000")

        // The new kinds, stored and read back; the deleted job's id is not reused.
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let calendar = Job(
            slug: "weekdays", pingKey: "key-weekdays-0000",
            schedule: .calendar(try CalendarEvent("Mon..Fri 02:30"), timeZone: berlin), createdAt: t0)
        let several = Job(
            slug: "mixed", pingKey: "key-mixed-0000000",
            schedule: try Schedule.parse(entries: ["Mon..Fri 02:30", "0 6 * * 6", "Sun 07:00 UTC"], timeZone: "Europe/Berlin"),
            createdAt: t0)
        #expect(try await store.insert(calendar) == 6)
        #expect(try await store.insert(several) == 7)
        let reopened = try BoardStore(path: path, readOnly: true)
        #expect(try await reopened.job(slug: "weekdays")?.schedule == calendar.schedule)
        #expect(try await reopened.job(slug: "mixed")?.schedule == several.schedule)

        // The check still refuses a kind it does not know, and the triggers still stamp versions.
        #expect(throws: (any Error).self) {
            try Schema.execute(path: path, sql: "UPDATE jobs SET schedule_kind = 'hourly' WHERE id = 1", arguments: [])
        }
        let version = try Schema.strings(path: path, sql: "SELECT CAST(version AS TEXT) FROM job_state WHERE job_id = 1")
        try Schema.execute(path: path, sql: "UPDATE jobs SET name = 'renamed' WHERE id = 1", arguments: [])
        #expect(try Schema.strings(path: path, sql: "SELECT CAST(version AS TEXT) FROM job_state WHERE job_id = 1") != version)
    }
}

/// v5-job-audit on a database v4-calendar-schedules left: the jobs stay, the audit trail starts empty and
/// takes the next change.
@Suite struct JobAuditMigrationTests {
    @Test func theAuditTableIsAddedAndTakesTheNextChange() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migration-v5-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/board.sqlite"
        try Schema.makeDatabase(path: path, upTo: "v4-calendar-schedules", then: """
            INSERT INTO jobs(id, slug, name, ping_key, key_hash, schedule_kind, schedule_interval, grace, kind, priority,
                             created_at)
            VALUES (1, 'db-prod', 'db-prod', 'key-db-prod-0000', randomblob(32), 'interval', 86400, 3600, 'full', 'medium',
                    1700000000);
            INSERT INTO job_state(job_id) VALUES (1);
            """)
        #expect(try Schema.strings(path: path, sql: "SELECT name FROM sqlite_master WHERE name = 'job_audit'").isEmpty)
        let store = try BoardStore(path: path)
        let job = try #require(try await store.job(slug: "db-prod"))
        #expect(try await store.auditTrail(slug: nil, limit: 10).isEmpty)
        var paused = job
        paused.paused = true
        try await store.apply(JobsPlan(updates: [(job, paused)]), maintenanceWindows: nil, by: "ops", at: Date(timeIntervalSince1970: 1_700_000_100))
        #expect(try await store.auditTrail(slug: "db-prod", limit: 10).map(\.change) == ["paused: false → true"])
        #expect(try Schema.strings(path: path, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier").contains("v5-job-audit"))
    }
}

/// What the restore-tests migration must leave on either store: `db-prod` (RTO 4h, written by the previous
/// schema) reads back with no tests, and a restore test proving it is stored and read back by `reopened`.
enum RestoreTestsMigration {
    static func check(
        _ store: any JobDirectory & JobCatalog, createdAt: Date, reopened: () async throws -> any JobDirectory
    ) async throws {
        let old = try #require(try await store.job(slug: "db-prod"))
        #expect(old.tests == [])
        #expect(old.requireRestoreTest == false)
        #expect(old.rto == 14_400)
        let drill = Job(
            slug: "db-prod-restore", pingKey: "key-db-prod-restore", schedule: .interval(30 * 86_400), kind: .restoreTest,
            tests: ["db-prod"], requireRestoreTest: true, createdAt: createdAt)
        let id = try await store.insert(drill)
        let again = try await reopened()
        #expect(try await again.job(id: id)?.tests == ["db-prod"])
        #expect(try await again.job(id: id)?.kind == .restoreTest)
        #expect(try await again.job(id: id)?.requireRestoreTest == true)
    }
}
