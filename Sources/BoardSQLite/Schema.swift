import BoardModel
import Foundation
internal import GRDB

/// The database schema, as frozen history: a shipped migration is never edited; changes are new
/// migrations. Table names are strings here, not derived from Swift types, so renaming a type never
/// changes the schema.
///
/// Conventions: dates are REAL seconds since 1970; enums are stored by raw value; lists and maps are
/// JSON text; `jobs.key_hash` is the 32-byte SHA-256 of the ping key (BLOB, unique index);
/// `job_state.recent_runs` is the binary format of `RecentRunsCodec`. `heartbeats.run_id` names the
/// run a heartbeat was paired with but is deliberately not a foreign key: a run is pruned after 400 days
/// and its heartbeats after 90, and a foreign key would make every run deletion search the heartbeats.
/// `evaluated_states` is the evaluator's own row per job (the state it last recorded), apart from
/// `job_state`, which ingest writes: the two writers never touch each other's rows. An outage of the monitor
/// is an alert of kind `monitor_outage` opened at the outage's start and resolved at its end.
enum Schema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-notifications") { db in
            try db.execute(sql: v2Notifications)
        }
        migrator.registerMigration("v3-run-attempts") { db in
            try db.execute(sql: v3RunAttempts)
        }
        migrator.registerMigration("v4-calendar-schedules") { db in
            try rebuildJobsTable(db, creating: v4JobsTable)
        }
        migrator.registerMigration("v5-job-audit") { db in
            try db.execute(sql: v5JobAudit)
        }
        migrator.registerMigration("v6-restore-tests") { db in
            try db.execute(sql: v6RestoreTests)
        }
        return migrator
    }()

    /// Makes the database file at `path` as a version of backupboard whose last migration was `migration`
    /// left it, then runs `sql` in it: how the tests start from a previous schema.
    static func makeDatabase(path: String, upTo migration: String, then sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue, upTo: migration)
        try queue.write { db in try db.execute(sql: sql) }
    }

    /// Runs `sql` with `arguments` on the database file at `path`, outside any store: how the tests put a
    /// row in as an older version wrote it.
    static func execute(path: String, sql: String, arguments: [Data]) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql, arguments: StatementArguments(arguments)) }
    }

    /// `jobs.schedule_kind` also takes `calendar` (a systemd calendar event in `schedule_cron`) and `several`
    /// (a JSON list of cron and calendar texts in `schedule_cron`). SQLite cannot change a CHECK in place, so
    /// the table is rebuilt as SQLite's ALTER TABLE page describes; the columns are those of v1, unchanged.
    private static let v4JobsTable = """
        CREATE TABLE jobs_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            slug TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            ping_key TEXT NOT NULL,
            key_hash BLOB NOT NULL,
            schedule_kind TEXT NOT NULL CHECK (schedule_kind IN ('interval', 'cron', 'calendar', 'several')),
            schedule_interval REAL,
            schedule_cron TEXT,
            schedule_time_zone TEXT,
            grace REAL NOT NULL,
            max_runtime REAL,
            kind TEXT NOT NULL,
            chain_parent TEXT,
            priority TEXT NOT NULL,
            min_size INTEGER,
            rpo REAL,
            rto REAL,
            owner TEXT,
            escalation TEXT,
            protects TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',
            description TEXT,
            paused INTEGER NOT NULL DEFAULT 0,
            alerting TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        );
        """

    /// Replaces `jobs` by the table `sql` creates (named `jobs_v4`, same columns), keeping every row, the
    /// AUTOINCREMENT high-water mark (a deleted job's id is never reused), and the indexes and triggers on `jobs`
    /// or naming it. The migrator turns foreign keys off while it runs, so dropping `jobs` deletes no run.
    private static func rebuildJobsTable(_ db: Database, creating sql: String) throws {
        let dependents = try String.fetchAll(db, sql: """
            SELECT sql FROM sqlite_master
            WHERE sql IS NOT NULL AND ((type = 'index' AND tbl_name = 'jobs') OR (type = 'trigger' AND sql LIKE '%jobs%'))
            ORDER BY type, name
            """)
        let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%jobs%'")
        let highWater = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'jobs'") ?? 0
        for trigger in triggers {
            try db.execute(sql: "DROP TRIGGER \(trigger.quotedDatabaseIdentifier)")
        }
        try db.execute(sql: sql)
        try db.execute(sql: "INSERT INTO jobs_v4 SELECT * FROM jobs")
        try db.execute(sql: "DROP TABLE jobs")
        try db.execute(sql: "ALTER TABLE jobs_v4 RENAME TO jobs")
        try db.execute(sql: "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'jobs'", arguments: [highWater])
        try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs', ? WHERE ? > 0 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs')", arguments: [highWater, highWater])
        for statement in dependents {
            try db.execute(sql: statement)
        }
    }

    /// The first column of `sql`'s rows as text, read from the database file at `path` outside any store: how
    /// the tests look at the schema a migration left.
    static func strings(path: String, sql: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in try String.fetchAll(db, sql: sql) }
    }

    /// Every change to a job's definition, with who made it and when (`JobAuditEntry`). Keyed by slug, not by
    /// job id, so a removed job's trail stays.
    private static let v5JobAudit = """
        CREATE TABLE job_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            slug TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('create', 'update', 'remove')),
            change TEXT NOT NULL,
            actor TEXT NOT NULL,
            at REAL NOT NULL
        );
        CREATE INDEX job_audit_on_slug ON job_audit(slug, id);
        """

    /// Restore tests (docs/restore-tests.md): `jobs.tests`, the slugs a `restore_test` job proves (JSON text, as
    /// `protects`), and `jobs.require_restore_test`. A job's restore state is read from the runs of the restore
    /// tests that name it, which ingest already keeps in their `job_state` rows, so no other table changes.
    /// Existing jobs take `[]` and false: an upgrade raises nothing new.
    private static let v6RestoreTests = """
        ALTER TABLE jobs ADD COLUMN tests TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE jobs ADD COLUMN require_restore_test INTEGER NOT NULL DEFAULT 0 CHECK (require_restore_test IN (0, 1));
        """

    /// How many times `run --attempts` ran the command in a run; NULL (every run before this migration, and
    /// runs whose client never said) means once. `job_state.recent_runs` needs no rewrite: its version 1
    /// rows decode with no attempts, and ingest writes version 2 from now on (`RecentRunsCodec`).
    private static let v3RunAttempts = """
        ALTER TABLE runs ADD COLUMN attempts INTEGER CHECK (attempts IS NULL OR attempts >= 1);
        """

    /// The notification planner reads, each tick, the outbox rows of the open alerts.
    private static let v2Notifications = """
        CREATE INDEX outbox_on_alert ON outbox(alert_id) WHERE alert_id IS NOT NULL;
        """

    private static let v1 = """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            slug TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            ping_key TEXT NOT NULL,
            key_hash BLOB NOT NULL,
            schedule_kind TEXT NOT NULL CHECK (schedule_kind IN ('interval', 'cron')),
            schedule_interval REAL,
            schedule_cron TEXT,
            schedule_time_zone TEXT,
            grace REAL NOT NULL,
            max_runtime REAL,
            kind TEXT NOT NULL,
            chain_parent TEXT,
            priority TEXT NOT NULL,
            min_size INTEGER,
            rpo REAL,
            rto REAL,
            owner TEXT,
            escalation TEXT,
            protects TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',
            description TEXT,
            paused INTEGER NOT NULL DEFAULT 0,
            alerting TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX jobs_on_key_hash ON jobs(key_hash);

        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            client_run_id TEXT,
            run_at REAL NOT NULL,
            started_at REAL,
            ended_at REAL,
            last_heartbeat_at REAL NOT NULL,
            outcome TEXT NOT NULL,
            verification TEXT,
            exit_code INTEGER,
            reported_duration REAL,
            size_bytes INTEGER,
            files INTEGER,
            progress REAL,
            message TEXT,
            heartbeat_count INTEGER NOT NULL,
            last_status TEXT
        );
        CREATE INDEX runs_on_job_time ON runs(job_id, run_at);
        CREATE INDEX runs_open ON runs(job_id) WHERE outcome = 'running';
        CREATE INDEX runs_on_time ON runs(run_at);

        CREATE TABLE heartbeats (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            received_at REAL NOT NULL,
            event_at REAL NOT NULL,
            sent_at REAL,
            status TEXT NOT NULL,
            status_text TEXT,
            client_run_id TEXT,
            delivery_id TEXT,
            exit_code INTEGER,
            duration REAL,
            duration_text TEXT,
            size REAL,
            size_text TEXT,
            files INTEGER,
            hash TEXT,
            rate REAL,
            rate_text TEXT,
            ratio REAL,
            ratio_text TEXT,
            progress REAL,
            message TEXT,
            output TEXT,
            is_test INTEGER NOT NULL DEFAULT 0,
            fields TEXT NOT NULL DEFAULT '{}',
            problems TEXT NOT NULL DEFAULT '[]',
            body BLOB NOT NULL DEFAULT x'',
            truncated_bytes INTEGER NOT NULL DEFAULT 0,
            content_type TEXT,
            method TEXT NOT NULL,
            source TEXT,
            user_agent TEXT,
            run_id INTEGER
        );
        CREATE INDEX heartbeats_on_job ON heartbeats(job_id);
        CREATE UNIQUE INDEX heartbeats_on_delivery ON heartbeats(job_id, delivery_id);
        CREATE INDEX heartbeats_on_received ON heartbeats(received_at);
        CREATE INDEX heartbeats_large_bodies ON heartbeats(received_at) WHERE length(body) > 4096;

        CREATE TABLE job_state (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            last_heartbeat_at REAL,
            last_start_at REAL,
            last_good_at REAL,
            recent_runs BLOB NOT NULL DEFAULT x'',
            last_problems TEXT NOT NULL DEFAULT '[]',
            version INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX job_state_on_version ON job_state(version);

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            job_id INTEGER REFERENCES jobs(id) ON DELETE CASCADE,
            message TEXT NOT NULL,
            opened_at REAL NOT NULL,
            acknowledged_at REAL,
            acknowledged_by TEXT,
            acknowledgement_note TEXT,
            resolved_at REAL
        );
        CREATE UNIQUE INDEX alerts_open_once ON alerts(kind, IFNULL(job_id, 0)) WHERE resolved_at IS NULL;
        CREATE INDEX alerts_on_job ON alerts(job_id);
        CREATE INDEX alerts_on_opened ON alerts(opened_at);
        CREATE INDEX alerts_monitor_outages ON alerts(opened_at) WHERE kind = 'monitor_outage';

        CREATE TABLE state_transitions (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            at REAL NOT NULL,
            from_state TEXT,
            to_state TEXT NOT NULL
        );
        CREATE INDEX state_transitions_on_job ON state_transitions(job_id, at);
        CREATE INDEX state_transitions_on_at ON state_transitions(at);

        CREATE TABLE evaluated_states (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            state TEXT NOT NULL,
            since REAL NOT NULL
        );

        CREATE TABLE mutes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            scope TEXT NOT NULL CHECK (scope IN ('job', 'tag', 'fleet')),
            target TEXT NOT NULL DEFAULT '',
            until REAL NOT NULL,
            created_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX mutes_on_until ON mutes(until);

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            alert_id INTEGER,
            payload BLOB NOT NULL,
            created_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            last_error TEXT,
            delivered_at REAL,
            failed_at REAL,
            UNIQUE (event_id, channel)
        );
        CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

        CREATE TABLE maintenance_windows (
            name TEXT PRIMARY KEY,
            days TEXT NOT NULL,
            start_minute INTEGER NOT NULL,
            end_minute INTEGER NOT NULL,
            time_zone TEXT NOT NULL,
            jobs TEXT NOT NULL,
            tags TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE unknown_keys (
            key_hash BLOB PRIMARY KEY,
            key_prefix TEXT NOT NULL,
            count INTEGER NOT NULL,
            last_source TEXT,
            last_user_agent TEXT,
            first_seen_at REAL NOT NULL,
            last_seen_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX unknown_keys_on_last_seen ON unknown_keys(last_seen_at);

        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value
        ) WITHOUT ROWID;
        INSERT INTO meta(key, value) VALUES ('data_version', 0);
        INSERT INTO meta(key, value) VALUES ('alerts_version', 0);
        INSERT INTO meta(key, value) VALUES ('mutes_version', 0);

        CREATE TABLE job_removals (
            job_id INTEGER PRIMARY KEY,
            version INTEGER NOT NULL
        );

        \(changeTriggers)
        """

    /// Triggers that stamp what a write changed with the data version that write commits (the current one
    /// plus one: `BoardStore.write` bumps it at the end of the same transaction), so that readers can ask
    /// "what changed since V" (`BoardStore.changes(since:at:)`) whatever code path did the write.
    /// A job's `job_state.version` moves when its `jobs` row, its state row, its evaluated state or a mute
    /// that covers it changes; a removed job leaves a `job_removals` row; `meta.alerts_version` and
    /// `meta.mutes_version` move with any change to those tables (cascades included).
    private static let changeTriggers = """
        CREATE TRIGGER job_state_stamp_insert AFTER INSERT ON job_state BEGIN
            UPDATE job_state SET version = \(nextVersion) WHERE job_id = NEW.job_id;
        END;
        CREATE TRIGGER job_state_stamp_update
        AFTER UPDATE OF last_heartbeat_at, last_start_at, last_good_at, recent_runs, last_problems ON job_state BEGIN
            UPDATE job_state SET version = \(nextVersion) WHERE job_id = NEW.job_id;
        END;
        CREATE TRIGGER jobs_stamp_update AFTER UPDATE ON jobs BEGIN
            UPDATE job_state SET version = \(nextVersion) WHERE job_id = NEW.id;
        END;
        CREATE TRIGGER jobs_stamp_delete AFTER DELETE ON jobs BEGIN
            INSERT OR REPLACE INTO job_removals(job_id, version) VALUES (OLD.id, \(nextVersion));
        END;
        CREATE TRIGGER evaluated_states_stamp_insert AFTER INSERT ON evaluated_states BEGIN
            UPDATE job_state SET version = \(nextVersion) WHERE job_id = NEW.job_id;
        END;
        CREATE TRIGGER evaluated_states_stamp_update AFTER UPDATE ON evaluated_states BEGIN
            UPDATE job_state SET version = \(nextVersion) WHERE job_id = NEW.job_id;
        END;
        CREATE TRIGGER alerts_stamp_insert AFTER INSERT ON alerts BEGIN
            UPDATE meta SET value = \(nextVersion) WHERE key = 'alerts_version';
        END;
        CREATE TRIGGER alerts_stamp_update AFTER UPDATE ON alerts BEGIN
            UPDATE meta SET value = \(nextVersion) WHERE key = 'alerts_version';
        END;
        CREATE TRIGGER alerts_stamp_delete AFTER DELETE ON alerts BEGIN
            UPDATE meta SET value = \(nextVersion) WHERE key = 'alerts_version';
        END;
        CREATE TRIGGER mutes_stamp_insert AFTER INSERT ON mutes BEGIN
            UPDATE meta SET value = \(nextVersion) WHERE key = 'mutes_version';
            \(stampMutedJobs("NEW"))
        END;
        CREATE TRIGGER mutes_stamp_update AFTER UPDATE ON mutes BEGIN
            UPDATE meta SET value = \(nextVersion) WHERE key = 'mutes_version';
            \(stampMutedJobs("OLD"))
            \(stampMutedJobs("NEW"))
        END;
        CREATE TRIGGER mutes_stamp_delete AFTER DELETE ON mutes BEGIN
            UPDATE meta SET value = \(nextVersion) WHERE key = 'mutes_version';
            \(stampMutedJobs("OLD"))
        END;
        """

    /// The version the running write transaction will commit.
    private static let nextVersion = "(SELECT value FROM meta WHERE key = 'data_version') + 1"

    /// Stamps the jobs a mute row covers (its `muted` flag changes with it).
    private static func stampMutedJobs(_ row: String) -> String {
        """
        UPDATE job_state SET version = \(nextVersion) WHERE job_id IN (
                SELECT id FROM jobs WHERE \(row).scope = 'fleet'
                    OR (\(row).scope = 'job' AND slug = \(row).target)
                    OR (\(row).scope = 'tag' AND EXISTS (SELECT 1 FROM json_each(jobs.tags) WHERE value = \(row).target)));
        """
    }
}
