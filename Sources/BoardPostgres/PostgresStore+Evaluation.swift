import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: EvaluationStore {
    /// One evaluator tick in one transaction, as the SQLite store writes it: transitions, alert changes,
    /// their notifications (with a planner), the tick time. An alert already open for its job and kind is not
    /// stored twice; an update or resolve of an alert resolved meanwhile changes nothing. With a `fence`, the
    /// lease's term is checked in the same transaction, last before its COMMIT (docs/high-availability.md).
    @discardableResult
    public func recordEvaluation(
        transitions: [StateTransition], alertChanges: AlertChanges, tick: Date, notifying planner: NotificationPlanner?,
        fence: Lease?
    ) async throws -> [Alert] {
        // A tick that changes nothing stores only its time (as the SQLite store: docs/architecture.md §6).
        try await write(versioned: !transitions.isEmpty || !alertChanges.isEmpty) { [self] session, _ in
            let mentioned = Array(Set(transitions.map(\.jobID) + alertChanges.opened.compactMap(\.jobID))).sorted()
            let existing = Set(try await session.rows("SELECT id FROM jobs WHERE id = ANY(?)", [mentioned]).map {
                try $0[0] as Int64
            })
            // A job removed since the board was loaded has nothing left to record.
            let kept = transitions.filter { existing.contains($0.jobID) }
            for chunk in kept.chunked(by: 10_000) {
                try await session.execute(
                    """
                    INSERT INTO state_transitions(job_id, at, from_state, to_state)
                    SELECT job_id, at, NULLIF(from_state, ''), to_state
                    FROM unnest(?::bigint[], ?::double precision[], ?::text[], ?::text[]) AS t(job_id, at, from_state, to_state)
                    """,
                    [chunk.map(\.jobID), chunk.map { Double($0.at) }, chunk.map { $0.from?.rawValue ?? "" },
                     chunk.map(\.to.rawValue)])
                // The latest transition of a job wins, as the SQLite store's one upsert per transition.
                var latest: [Int64: StateTransition] = [:]
                for transition in chunk { latest[transition.jobID] = transition }
                let rows = latest.values.sorted { $0.jobID < $1.jobID }
                try await session.execute(
                    """
                    INSERT INTO evaluated_states(job_id, state, since)
                    SELECT * FROM unnest(?::bigint[], ?::text[], ?::double precision[])
                    ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, since = excluded.since
                    """,
                    [rows.map(\.jobID), rows.map(\.to.rawValue), rows.map { Double($0.at) }])
            }

            var stored: [Alert] = []
            for alert in alertChanges.opened {
                if let jobID = alert.jobID, !existing.contains(jobID) { continue }
                if alert.isOpen, try await session.row(
                    "SELECT 1 FROM alerts WHERE kind = ? AND COALESCE(job_id, 0) = ? AND resolved_at IS NULL",
                    [alert.kind.rawValue, alert.jobID ?? 0]) != nil
                {
                    continue
                }
                var saved = alert
                saved.id = try await session.value(
                    """
                    INSERT INTO alerts(kind, severity, job_id, message, opened_at, resolved_at)
                    VALUES (?, ?, ?, ?, ?, ?) RETURNING id
                    """,
                    [alert.kind.rawValue, alert.severity.rawValue, alert.jobID, alert.message, Double(alert.openedAt),
                     alert.resolvedAt.map(Double.init)])
                stored.append(saved)
            }
            for alert in alertChanges.updated {
                guard let id = alert.id else { continue }
                try await session.execute(
                    "UPDATE alerts SET severity = ?, message = ? WHERE id = ? AND resolved_at IS NULL",
                    [alert.severity.rawValue, alert.message, id])
            }
            for alert in alertChanges.resolved {
                guard let id = alert.id else { continue }
                try await session.execute(
                    "UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
                    [Double(alert.resolvedAt ?? tick), id])
            }
            if let planner {
                let previousTick: Double? = try await session.value("SELECT value FROM meta WHERE key = 'evaluator_last_tick'")
                try await enqueueNotifications(
                    session, planner: planner, changes: alertChanges,
                    previousTick: previousTick.map(Date.init(timeIntervalSince1970:)), at: tick)
            }
            try await Self.saveTick(tick, session)
            // The term is checked last, with the COMMIT next: its lock on the lease row (a takeover waits for the
            // COMMIT) is held for one wait, not for the whole round, so a long round never holds up the renewal
            // of its own lease.
            if let fence, try await session.row(Self.fence(fence).text, Self.fence(fence).values) == nil {
                throw LeaseLost(fence)
            }
            return stored
        }
    }

    static func saveTick(_ tick: Date, _ session: SQLSession) async throws {
        try await session.execute(
            """
            INSERT INTO meta(key, value) VALUES ('evaluator_last_tick', ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """,
            [Double(tick)])
    }

    public func evaluatedStates() async throws -> [Int64: EvaluatedState] {
        try await read { session in
            var states: [Int64: EvaluatedState] = [:]
            for row in try await session.rows("SELECT job_id, state, since FROM evaluated_states") {
                guard let state = JobState(rawValue: try row[1]) else { continue }
                states[try row[0]] = EvaluatedState(state: state, since: Date(timeIntervalSince1970: try row[2]))
            }
            return states
        }
    }

    /// Plans and enqueues the notifications of an evaluator round inside its transaction, after its alert
    /// changes (as the SQLite store): a notification is enqueued with the alert change that causes it, or not
    /// at all; (event id, channel) is unique, so a notification is enqueued once.
    func enqueueNotifications(
        _ session: SQLSession, planner: NotificationPlanner, changes: AlertChanges, previousTick: Date?, at now: Date
    ) async throws {
        let openAlerts = try await Self.openAlerts(session)
        let resolved = changes.storedResolutions(at: now)
        var succeeded: [SucceededRun] = []
        if planner.routing.wants(NotificationEventName.succeeded), let previousTick {
            succeeded = try await session.rows(
                """
                SELECT runs.id, runs.job_id, runs.ended_at, runs.size_bytes,
                    COALESCE(runs.reported_duration, runs.ended_at - runs.started_at), runs.exit_code
                FROM runs JOIN jobs ON jobs.id = runs.job_id
                WHERE runs.run_at > ? AND runs.ended_at > ? AND runs.ended_at <= ? AND runs.outcome = 'completed'
                    AND COALESCE(runs.verification, '') <> 'failed'
                    AND (jobs.min_size IS NULL OR runs.size_bytes IS NULL OR runs.size_bytes >= jobs.min_size)
                ORDER BY runs.ended_at, runs.id
                """,
                [Double(previousTick) - 7 * 86_400, Double(previousTick), Double(now)]
            ).map {
                SucceededRun(
                    runID: try $0[0], jobID: try $0[1], endedAt: Date(timeIntervalSince1970: try $0[2]), sizeBytes: try $0[3],
                    duration: try $0[4], exitStatus: (try $0[5] as Int64?).map(Int.init))
            }
        }
        let jobIDs = Array(Set(openAlerts.compactMap(\.jobID) + resolved.compactMap(\.jobID) + succeeded.map(\.jobID))).sorted()
        let alertIDs = Array(Set(openAlerts.compactMap(\.id) + resolved.compactMap(\.id))).sorted()
        var jobs: [Int64: Job] = [:]
        for job in try await self.jobs(session, where: "id = ANY(?)", [jobIDs]) {
            if let id = job.id { jobs[id] = job }
        }
        var enqueued: [OutboxKey: Date] = [:]
        for row in try await session.rows(
            "SELECT event_id, channel, created_at FROM outbox WHERE alert_id = ANY(?) OR event_id = ?",
            [alertIDs, planner.digestEventID(at: now)])
        {
            enqueued[OutboxKey(eventID: try row[0], channel: try row[1])] = Date(timeIntervalSince1970: try row[2])
        }
        let round = NotificationRound(
            now: now, openAlerts: openAlerts, escalatedIDs: Set(changes.updated.compactMap(\.id)), resolved: resolved,
            jobs: jobs, mutes: try await Self.activeMutes(session, at: now),
            fleetAlerts: try await session.rows(
                """
                SELECT \(AlertColumns.select) FROM alerts
                WHERE kind = 'fleet' AND (resolved_at IS NULL OR resolved_at > ?)
                """,
                [Double(now) - 86_400]
            ).map(AlertColumns.alert),
            enqueued: enqueued, succeededRuns: succeeded)
        for message in planner.plan(round) {
            try await session.execute(OutboxColumns.insert, OutboxColumns.values(message))
        }
    }
}
