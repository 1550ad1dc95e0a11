import BoardModel
import Foundation

/// The PostgreSQL schema, as frozen history like the SQLite one (docs/postgresql.md): a shipped migration
/// is never edited; changes are new migrations, additive so that an older `serve` keeps working on a
/// database a newer one migrated. Applied by `PostgresStore` under a transaction-scoped advisory lock, so
/// two instances starting together migrate once; `backupboard_migrations` lists what was applied.
///
/// The tables and columns are SQLite's (docs/architecture.md §6), in schema `public`, in the types
/// PostgreSQL has for them: dates are `double precision` seconds since 1970, blobs `bytea`, lists and maps
/// JSON text, flags `boolean`. `job_state.recent_runs` holds `RecentRunsCodec`'s binary form. Run and
/// heartbeat ids are given by ingest, the next after the highest, under the version lock (as SQLite's one
/// writer gives them); the other tables' ids come from sequences.
///
/// Change tracking: every write transaction first bumps `meta.data_version` (`PostgresStore.write`), and
/// holds that row's lock until it commits, so versions commit in the order they are handed out and a reader
/// following `since=` never misses a commit (docs/postgresql.md). The triggers stamp what a write changes
/// with that version, read back with `backupboard_version()`.
enum PostgresSchema {
    /// Every migration, in order; an identifier is never reused.
    static let migrations: [(identifier: String, sql: String)] = [
        ("v1", v1),
        ("v2-job-audit", v2JobAudit),
        ("v3-restore-tests", v3RestoreTests),
        ("v4-leases", v4Leases),
    ]

    /// The key of the advisory lock the migrations run under.
    static let migrationLock: Int64 = 0x6261_636B_7570_6231 // "backupb1"

    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS backupboard_migrations (
            identifier text PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// SQLite's v5-job-audit: every change to a job's definition, with who made it and when, by slug.
    private static let v2JobAudit = """
        CREATE TABLE job_audit (
            id bigserial PRIMARY KEY,
            slug text NOT NULL,
            action text NOT NULL CHECK (action IN ('create', 'update', 'remove')),
            change text NOT NULL,
            actor text NOT NULL,
            at double precision NOT NULL
        );
        CREATE INDEX job_audit_on_slug ON job_audit(slug, id);
        """

    /// SQLite's v6-restore-tests: `jobs.tests` (the slugs a `restore_test` job proves, JSON text) and
    /// `jobs.require_restore_test`; existing jobs take `[]` and false.
    private static let v3RestoreTests = """
        ALTER TABLE jobs ADD COLUMN tests text NOT NULL DEFAULT '[]';
        ALTER TABLE jobs ADD COLUMN require_restore_test boolean NOT NULL DEFAULT false;
        """

    /// The leases of `serve`'s leader roles, with their terms (`epoch`) and the database-clock time they expire
    /// (docs/high-availability.md), and the term that claimed each notification of the outbox. PostgreSQL
    /// only: one `serve` at most opens a SQLite file.
    private static let v4Leases = """
        CREATE TABLE leases (
            role text PRIMARY KEY CHECK (role IN ('evaluator', 'outbox')),
            holder text NOT NULL,
            instance text NOT NULL,
            epoch bigint NOT NULL,
            expires_at double precision NOT NULL
        );
        ALTER TABLE outbox ADD COLUMN claim_epoch bigint;
        """

    /// SQLite's v1 to v4-calendar-schedules in one: what a new PostgreSQL database starts from.
    private static let v1 = """
        CREATE TABLE jobs (
            id bigserial PRIMARY KEY,
            slug text NOT NULL UNIQUE,
            name text NOT NULL,
            ping_key text NOT NULL,
            key_hash bytea NOT NULL,
            schedule_kind text NOT NULL CHECK (schedule_kind IN ('interval', 'cron', 'calendar', 'several')),
            schedule_interval double precision,
            schedule_cron text,
            schedule_time_zone text,
            grace double precision NOT NULL,
            max_runtime double precision,
            kind text NOT NULL,
            chain_parent text,
            priority text NOT NULL,
            min_size bigint,
            rpo double precision,
            rto double precision,
            owner text,
            escalation text,
            protects text NOT NULL DEFAULT '[]',
            tags text NOT NULL DEFAULT '[]',
            description text,
            paused boolean NOT NULL DEFAULT false,
            alerting text NOT NULL DEFAULT '{}',
            created_at double precision NOT NULL
        );
        CREATE UNIQUE INDEX jobs_on_key_hash ON jobs(key_hash);

        CREATE TABLE runs (
            id bigint PRIMARY KEY,
            job_id bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            client_run_id text,
            run_at double precision NOT NULL,
            started_at double precision,
            ended_at double precision,
            last_heartbeat_at double precision NOT NULL,
            outcome text NOT NULL,
            verification text,
            exit_code bigint,
            reported_duration double precision,
            size_bytes bigint,
            files bigint,
            progress double precision,
            message text,
            heartbeat_count bigint NOT NULL,
            last_status text,
            attempts bigint CHECK (attempts IS NULL OR attempts >= 1)
        );
        CREATE INDEX runs_on_job_time ON runs(job_id, run_at);
        CREATE INDEX runs_open ON runs(job_id) WHERE outcome = 'running';
        CREATE INDEX runs_on_time ON runs(run_at);

        CREATE TABLE heartbeats (
            id bigint PRIMARY KEY,
            job_id bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            received_at double precision NOT NULL,
            event_at double precision NOT NULL,
            sent_at double precision,
            status text NOT NULL,
            status_text text,
            client_run_id text,
            delivery_id text,
            exit_code bigint,
            duration double precision,
            duration_text text,
            size double precision,
            size_text text,
            files bigint,
            hash text,
            rate double precision,
            rate_text text,
            ratio double precision,
            ratio_text text,
            progress double precision,
            message text,
            output text,
            is_test boolean NOT NULL DEFAULT false,
            fields text NOT NULL DEFAULT '{}',
            problems text NOT NULL DEFAULT '[]',
            body bytea NOT NULL DEFAULT '\\x',
            truncated_bytes bigint NOT NULL DEFAULT 0,
            content_type text,
            method text NOT NULL,
            source text,
            user_agent text,
            run_id bigint
        );
        CREATE INDEX heartbeats_on_job ON heartbeats(job_id);
        CREATE UNIQUE INDEX heartbeats_on_delivery ON heartbeats(job_id, delivery_id);
        CREATE INDEX heartbeats_on_received ON heartbeats(received_at);
        CREATE INDEX heartbeats_large_bodies ON heartbeats(received_at) WHERE octet_length(body) > 4096;

        CREATE TABLE job_state (
            job_id bigint PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            last_heartbeat_at double precision,
            last_start_at double precision,
            last_good_at double precision,
            recent_runs bytea NOT NULL DEFAULT '\\x',
            last_problems text NOT NULL DEFAULT '[]',
            version bigint NOT NULL DEFAULT 0
        );
        CREATE INDEX job_state_on_version ON job_state(version);

        CREATE TABLE alerts (
            id bigserial PRIMARY KEY,
            kind text NOT NULL,
            severity text NOT NULL,
            job_id bigint REFERENCES jobs(id) ON DELETE CASCADE,
            message text NOT NULL,
            opened_at double precision NOT NULL,
            acknowledged_at double precision,
            acknowledged_by text,
            acknowledgement_note text,
            resolved_at double precision
        );
        CREATE UNIQUE INDEX alerts_open_once ON alerts(kind, COALESCE(job_id, 0)) WHERE resolved_at IS NULL;
        CREATE INDEX alerts_on_job ON alerts(job_id);
        CREATE INDEX alerts_on_opened ON alerts(opened_at);
        CREATE INDEX alerts_monitor_outages ON alerts(opened_at) WHERE kind = 'monitor_outage';

        CREATE TABLE state_transitions (
            id bigserial PRIMARY KEY,
            job_id bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            at double precision NOT NULL,
            from_state text,
            to_state text NOT NULL
        );
        CREATE INDEX state_transitions_on_job ON state_transitions(job_id, at);
        CREATE INDEX state_transitions_on_at ON state_transitions(at);

        CREATE TABLE evaluated_states (
            job_id bigint PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            state text NOT NULL,
            since double precision NOT NULL
        );

        CREATE TABLE mutes (
            id bigserial PRIMARY KEY,
            scope text NOT NULL CHECK (scope IN ('job', 'tag', 'fleet')),
            target text NOT NULL DEFAULT '',
            until double precision NOT NULL,
            created_by text NOT NULL,
            reason text NOT NULL,
            created_at double precision NOT NULL
        );
        CREATE INDEX mutes_on_until ON mutes(until);

        CREATE TABLE outbox (
            id bigserial PRIMARY KEY,
            event_id text NOT NULL,
            channel text NOT NULL,
            alert_id bigint,
            payload bytea NOT NULL,
            created_at double precision NOT NULL,
            attempts bigint NOT NULL DEFAULT 0,
            next_attempt_at double precision NOT NULL,
            last_error text,
            delivered_at double precision,
            failed_at double precision,
            UNIQUE (event_id, channel)
        );
        CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
        CREATE INDEX outbox_on_alert ON outbox(alert_id) WHERE alert_id IS NOT NULL;

        CREATE TABLE maintenance_windows (
            name text PRIMARY KEY,
            days text NOT NULL,
            start_minute bigint NOT NULL,
            end_minute bigint NOT NULL,
            time_zone text NOT NULL,
            jobs text NOT NULL,
            tags text NOT NULL
        );

        CREATE TABLE unknown_keys (
            key_hash bytea PRIMARY KEY,
            key_prefix text NOT NULL,
            count bigint NOT NULL,
            last_source text,
            last_user_agent text,
            first_seen_at double precision NOT NULL,
            last_seen_at double precision NOT NULL
        );
        CREATE INDEX unknown_keys_on_last_seen ON unknown_keys(last_seen_at);

        CREATE TABLE meta (
            key text PRIMARY KEY,
            value double precision
        );
        INSERT INTO meta(key, value) VALUES ('data_version', 0), ('alerts_version', 0), ('mutes_version', 0);

        CREATE TABLE job_removals (
            job_id bigint PRIMARY KEY,
            version bigint NOT NULL
        );

        CREATE FUNCTION backupboard_version() RETURNS bigint LANGUAGE sql VOLATILE AS $$
            SELECT value::bigint FROM meta WHERE key = 'data_version'
        $$;

        CREATE FUNCTION backupboard_stamp_job_state() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.version := backupboard_version();
            RETURN NEW;
        END $$;
        CREATE TRIGGER job_state_stamp_insert BEFORE INSERT ON job_state
            FOR EACH ROW EXECUTE FUNCTION backupboard_stamp_job_state();
        CREATE TRIGGER job_state_stamp_update
            BEFORE UPDATE OF last_heartbeat_at, last_start_at, last_good_at, recent_runs, last_problems ON job_state
            FOR EACH ROW EXECUTE FUNCTION backupboard_stamp_job_state();

        CREATE FUNCTION backupboard_stamp_job() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                INSERT INTO job_removals(job_id, version) VALUES (OLD.id, backupboard_version())
                    ON CONFLICT (job_id) DO UPDATE SET version = excluded.version;
                RETURN OLD;
            END IF;
            UPDATE job_state SET version = backupboard_version() WHERE job_id = NEW.job_id;
            RETURN NEW;
        END $$;
        CREATE FUNCTION backupboard_stamp_job_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE job_state SET version = backupboard_version() WHERE job_id = NEW.id;
            RETURN NEW;
        END $$;
        CREATE TRIGGER jobs_stamp_update AFTER UPDATE ON jobs
            FOR EACH ROW EXECUTE FUNCTION backupboard_stamp_job_row();
        CREATE TRIGGER jobs_stamp_delete AFTER DELETE ON jobs
            FOR EACH ROW EXECUTE FUNCTION backupboard_stamp_job();
        CREATE TRIGGER evaluated_states_stamp AFTER INSERT OR UPDATE ON evaluated_states
            FOR EACH ROW EXECUTE FUNCTION backupboard_stamp_job();

        CREATE FUNCTION backupboard_stamp_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE meta SET value = backupboard_version() WHERE key = 'alerts_version';
            RETURN NULL;
        END $$;
        CREATE TRIGGER alerts_stamp AFTER INSERT OR UPDATE OR DELETE ON alerts
            FOR EACH STATEMENT EXECUTE FUNCTION backupboard_stamp_alerts();

        CREATE FUNCTION backupboard_stamp_muted_jobs(mute_scope text, mute_target text) RETURNS void LANGUAGE sql AS $$
            UPDATE job_state SET version = backupboard_version() WHERE job_id IN (
                SELECT id FROM jobs WHERE mute_scope = 'fleet'
                    OR (mute_scope = 'job' AND slug = mute_target)
                    OR (mute_scope = 'tag' AND mute_target IN (SELECT jsonb_array_elements_text(jobs.tags::jsonb))))
        $$;
        CREATE FUNCTION backupboard_stamp_mutes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE meta SET value = backupboard_version() WHERE key = 'mutes_version';
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                PERFORM backupboard_stamp_muted_jobs(OLD.scope, OLD.target);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                PERFORM backupboard_stamp_muted_jobs(NEW.scope, NEW.target);
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER mutes_stamp AFTER INSERT OR UPDATE OR DELETE ON mutes
            FOR EACH ROW EXECUTE FUNCTION backupboard_stamp_mutes();
        """
}
