import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: JobHistory {
    /// One job and its history in one snapshot.
    public func jobRecord(_ request: JobRecordRequest, at now: Date) async throws -> JobRecord? {
        try await read { [self] session in
            let found: Job? = switch request.job {
            case .slug(let slug): try await jobs(session, where: "slug = ?", [slug]).first
            case .id(let id): try await jobs(session, where: "id = ?", [id]).first
            }
            guard let job = found, let id = job.id else { return nil }
            let runs = if let before = request.beforeRunID {
                try await Self.runs(session, ofJob: id, limit: request.runs, beforeRunID: before)
            } else {
                try await Self.runs(session, ofJob: id, limit: request.runs, before: nil)
            }
            let state = try await session.row("SELECT \(StateColumns.select), version FROM job_state WHERE job_id = ?", [id])
            return JobRecord(
                job: job, activity: try state.map(StateColumns.activity) ?? JobActivity(jobID: id),
                dataVersion: try await Self.dataVersion(session), version: try state?[6] ?? 0, runs: runs,
                heartbeats: try await Self.heartbeats(session, ofJob: id, limit: request.heartbeats, beforeID: nil),
                transitions: try await Self.transitions(session, ofJob: id, limit: request.transitions),
                openAlerts: try await Self.openAlerts(session).filter { $0.jobID == id },
                activeMutes: try await Self.activeMutes(session, at: now),
                monitorOutages: try await Self.monitorOutages(session))
        }
    }

    public func alert(id: Int64) async throws -> Alert? {
        try await read { session in
            try await session.row("SELECT \(AlertColumns.select) FROM alerts WHERE id = ?", [id]).map(AlertColumns.alert)
        }
    }

    public func openAlerts() async throws -> [Alert] {
        try await read { session in try await Self.openAlerts(session) }
    }

    public func recentAlerts(limit: Int) async throws -> [Alert] {
        try await read { session in
            try await session.rows(
                "SELECT \(AlertColumns.select) FROM alerts ORDER BY opened_at DESC, id DESC LIMIT ?", [Int64(limit)]
            ).map(AlertColumns.alert)
        }
    }

    static func runs(_ session: SQLSession, ofJob jobID: Int64, limit: Int, beforeRunID runID: Int64) async throws -> [Run]? {
        guard let anchor = try await session.row(
            "SELECT \(RunColumns.select) FROM runs WHERE id = ? AND job_id = ?", [runID, jobID]
        ).map(RunColumns.run) else { return nil }
        return try await runs(session, ofJob: jobID, limit: limit, before: anchor)
    }

    static func runs(_ session: SQLSession, ofJob jobID: Int64, limit: Int, before: Run?) async throws -> [Run] {
        if let before, let id = before.id {
            return try await session.rows(
                """
                SELECT \(RunColumns.select) FROM runs WHERE job_id = ? AND (run_at, id) < (?, ?)
                ORDER BY run_at DESC, id DESC LIMIT ?
                """,
                [jobID, Double(before.time), id, Int64(limit)]
            ).map(RunColumns.run)
        }
        return try await session.rows(
            "SELECT \(RunColumns.select) FROM runs WHERE job_id = ? ORDER BY run_at DESC, id DESC LIMIT ?",
            [jobID, Int64(limit)]
        ).map(RunColumns.run)
    }

    static func heartbeats(_ session: SQLSession, ofJob jobID: Int64, limit: Int, beforeID: Int64?) async throws -> [Heartbeat] {
        try await session.rows(
            "SELECT \(HeartbeatColumns.select) FROM heartbeats WHERE job_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            [jobID, beforeID ?? Int64.max, Int64(limit)]
        ).map(HeartbeatColumns.heartbeat)
    }

    static func transitions(_ session: SQLSession, ofJob jobID: Int64, limit: Int) async throws -> [StateTransition] {
        try await session.rows(
            """
            SELECT job_id, at, from_state, to_state FROM state_transitions WHERE job_id = ?
            ORDER BY at DESC, id DESC LIMIT ?
            """,
            [jobID, Int64(limit)]
        ).compactMap { row in
            guard let toState = JobState(rawValue: try row[3]) else { return nil }
            return StateTransition(
                jobID: try row[0], at: Date(timeIntervalSince1970: try row[1]),
                from: (try row[2] as String?).flatMap(JobState.init(rawValue:)), to: toState)
        }
    }
}

/// Single reads and writes beside the roles: what the behaviour suites inspect, and `db copy` checks.
extension PostgresStore {
    public func runs(ofJob jobID: Int64, limit: Int, before: Run?) async throws -> [Run] {
        try await read { session in try await Self.runs(session, ofJob: jobID, limit: limit, before: before) }
    }

    public func heartbeats(ofJob jobID: Int64, limit: Int, beforeID: Int64?) async throws -> [Heartbeat] {
        try await read { session in try await Self.heartbeats(session, ofJob: jobID, limit: limit, beforeID: beforeID) }
    }

    public func transitions(ofJob jobID: Int64, limit: Int) async throws -> [StateTransition] {
        try await read { session in try await Self.transitions(session, ofJob: jobID, limit: limit) }
    }

    public func activity(ofJob jobID: Int64) async throws -> JobActivity {
        try await read { session in
            try await session.row("SELECT \(StateColumns.select) FROM job_state WHERE job_id = ?", [jobID])
                .map(StateColumns.activity) ?? JobActivity(jobID: jobID)
        }
    }

    public func activeMutes(at now: Date) async throws -> [Mute] {
        try await read { session in try await Self.activeMutes(session, at: now) }
    }

    /// Opens an alert unless the same kind is already open for the same job (or the fleet).
    public func open(_ alert: Alert) async throws -> AlertOpening {
        try await write { session, _ in
            if let existing = try await session.row(
                "SELECT \(AlertColumns.select) FROM alerts WHERE kind = ? AND COALESCE(job_id, 0) = ? AND resolved_at IS NULL",
                [alert.kind.rawValue, alert.jobID ?? 0]
            ).map(AlertColumns.alert) {
                return .alreadyOpen(existing)
            }
            var stored = alert
            stored.id = try await session.value(
                """
                INSERT INTO alerts(kind, severity, job_id, message, opened_at, acknowledged_at, acknowledged_by,
                    acknowledgement_note, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """,
                [alert.kind.rawValue, alert.severity.rawValue, alert.jobID, alert.message, Double(alert.openedAt),
                 alert.acknowledgedAt.map(Double.init), alert.acknowledgedBy, alert.acknowledgementNote,
                 alert.resolvedAt.map(Double.init)])
            return .opened(stored)
        }
    }

    /// Resolves an alert; resolving a resolved alert keeps the first time.
    public func resolveAlert(id: Int64, at date: Date) async throws {
        try await write { session, _ in
            let changed = try await session.execute(
                "UPDATE alerts SET resolved_at = COALESCE(resolved_at, ?) WHERE id = ?", [Double(date), id])
            if changed == 0 { throw BoardError.invalidValue("No alert #\(id)") }
        }
    }

    public func setEvaluatorLastTick(_ date: Date) async throws {
        try await write { session, _ in _ = try await session.commit(after: [Self.saveTick(date)]) }
    }
}
