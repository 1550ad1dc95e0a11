import Foundation

/// The column lists every store reads and writes in the same order (docs/architecture.md §6): rows are
/// read by position, because the board reads every job and ingest every open run on each load.
package enum StoredColumns {
    /// `jobs`, without `id`, in the order of `StoredJob`'s fields with `key_hash` after `ping_key` (the
    /// columns later migrations added come last, as they do in the table).
    package static let jobs = [
        "slug", "name", "ping_key", "key_hash", "schedule_kind", "schedule_interval", "schedule_cron",
        "schedule_time_zone", "grace", "max_runtime", "kind", "chain_parent", "priority", "min_size", "rpo", "rto",
        "owner", "escalation", "protects", "tags", "description", "paused", "alerting", "created_at",
        "tests", "require_restore_test",
    ]

    /// `runs` as read (`run_at`, derived from the run's times, is written after them).
    package static let runs = [
        "id", "job_id", "client_run_id", "started_at", "ended_at", "last_heartbeat_at", "outcome", "verification",
        "exit_code", "reported_duration", "size_bytes", "files", "progress", "message", "heartbeat_count", "last_status",
        "attempts",
    ]

    /// `heartbeats`, without `id`.
    package static let heartbeats = [
        "job_id", "received_at", "event_at", "sent_at", "status", "status_text", "client_run_id", "delivery_id",
        "exit_code", "duration", "duration_text", "size", "size_text", "files", "hash", "rate", "rate_text", "ratio",
        "ratio_text", "progress", "message", "output", "is_test", "fields", "problems", "body", "truncated_bytes",
        "content_type", "method", "source", "user_agent", "run_id",
    ]
}
