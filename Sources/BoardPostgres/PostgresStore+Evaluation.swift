import BoardModel
import Foundation
import PostgresNIO

extension PostgresStore: EvaluationStore {
    /// One evaluator tick in one transaction, as the SQLite store writes it: transitions, alert changes,
    /// their notifications (with a planner), the tick time. An alert already open for its job and kind is not
    /// stored twice; an update or resolve of an alert resolved meanwhile changes nothing. With a `fence`, the
    /// lease's term is checked in the same transaction, last before its COMMIT (docs/high-availability.md).
    ///
    /// The round holds the version lock, which every writer waits for, so it is written in a fixed number of
    /// waits whatever it changes: each kind of change is one statement over arrays, and the statements that do
    /// not depend on each other are queued together (docs/postgresql.md).
    @discardableResult
    public func recordEvaluation(
        transitions: [StateTransition], alertChanges: AlertChanges, tick: Date, notifying planner: NotificationPlanner?,
        fence: Lease?
    ) async throws -> [Alert] {
        // A tick that changes nothing stores only its time (as the SQLite store: docs/architecture.md §6).
        try await write(versioned: !transitions.isEmpty || !alertChanges.isEmpty) { [self] session, _ in
            var statements = Self.transitionWrites(transitions)
            let inserts = Self.alertInserts(alertChanges.opened)
            let inserting = statements.count..<(statements.count + inserts.count)
            statements += inserts + Self.alertUpdates(alertChanges, at: tick)
            let previous = statements.count
            if planner != nil { statements.append(SQL("SELECT value FROM meta WHERE key = 'evaluator_last_tick'")) }
            let answers = try await session.pipeline(statements)
            let stored = try Self.storedAlerts(alertChanges.opened, rows: Array(answers[inserting].joined()))

            var last = [Self.saveTick(tick)]
            if let planner {
                let previousTick: Double? = try answers[previous].first.map { try $0[0] }
                last = try await notificationInserts(
                    session, planner: planner, changes: alertChanges,
                    previousTick: previousTick.map(Date.init(timeIntervalSince1970:)), at: tick) + last
            }
            // The term is checked last, with the COMMIT next: its lock on the lease row (a takeover waits for the
            // COMMIT) is held for one wait, not for the whole round, so a long round never holds up the renewal
            // of its own lease.
            guard let fence else {
                _ = try await session.commit(after: last)
                return stored
            }
            if try await session.pipeline(last + [Self.fence(fence)]).last?.isEmpty != false {
                throw LeaseLost(fence)
            }
            return stored
        }
    }

    /// The transitions of jobs still there, and each job's latest as its evaluated state.
    private static func transitionWrites(_ transitions: [StateTransition]) -> [SQL] {
        transitions.chunked(by: 10_000).flatMap { chunk -> [SQL] in
            // The latest transition of a job wins, as the SQLite store's one upsert per transition.
            var latest: [Int64: StateTransition] = [:]
            for transition in chunk { latest[transition.jobID] = transition }
            let rows = latest.values.sorted { $0.jobID < $1.jobID }
            return [
                SQL(
                    """
                    INSERT INTO state_transitions(job_id, at, from_state, to_state)
                    SELECT t.job_id, t.at, NULLIF(t.from_state, ''), t.to_state
                    FROM unnest(?::bigint[], ?::double precision[], ?::text[], ?::text[])
                        WITH ORDINALITY AS t(job_id, at, from_state, to_state, n)
                    WHERE EXISTS (SELECT 1 FROM jobs WHERE jobs.id = t.job_id)
                    ORDER BY t.n
                    """,
                    [chunk.map(\.jobID), chunk.map { Double($0.at) }, chunk.map { $0.from?.rawValue ?? "" },
                     chunk.map(\.to.rawValue)]),
                SQL(
                    """
                    INSERT INTO evaluated_states(job_id, state, since)
                    SELECT t.job_id, t.state, t.since FROM unnest(?::bigint[], ?::text[], ?::double precision[]) AS t(job_id, state, since)
                    WHERE EXISTS (SELECT 1 FROM jobs WHERE jobs.id = t.job_id)
                    ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, since = excluded.since
                    """,
                    [rows.map(\.jobID), rows.map(\.to.rawValue), rows.map { Double($0.at) }]),
            ]
        }
    }

    /// The opened alerts of jobs still there, but one already open for its kind and job, in statements of at
    /// most 5,000 (seven values each, under the server's 65,535); each answers the stored ones' ids with what
    /// tells them apart.
    static func alertInserts(_ opened: [Alert]) -> [SQL] {
        let tuple = "(?::text, ?::text, ?::bigint, ?::text, ?::double precision, ?::double precision, ?::bigint)"
        return Array(opened.enumerated()).chunked(by: 5_000).map { chunk in
            SQL(
                """
                INSERT INTO alerts(kind, severity, job_id, message, opened_at, resolved_at)
                SELECT a.kind, a.severity, a.job_id, a.message, a.opened_at, a.resolved_at
                FROM (VALUES \(SQL.tuples(chunk.count, of: tuple))) AS a(kind, severity, job_id, message, opened_at, resolved_at, n)
                WHERE a.job_id IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE jobs.id = a.job_id)
                ORDER BY a.n
                ON CONFLICT (kind, COALESCE(job_id, 0)) WHERE resolved_at IS NULL DO NOTHING
                RETURNING id, kind, job_id, message, opened_at
                """,
                chunk.flatMap { index, alert -> [SQLValue] in
                    [alert.kind.rawValue, alert.severity.rawValue, alert.jobID, alert.message, Double(alert.openedAt),
                     alert.resolvedAt.map(Double.init), Int64(index)]
                })
        }
    }

    /// `opened` as stored, with their ids, in their order: those `alertInsert` answered. Two opened alerts
    /// alike in everything it answers are alike in all, so which id goes to which does not matter.
    private static func storedAlerts(_ opened: [Alert], rows: [SQLRow]) throws -> [Alert] {
        struct Key: Hashable {
            var kind: String, jobID: Int64?, message: String, openedAt: Double
        }
        var ids: [Key: [Int64]] = [:]
        for row in rows {
            ids[Key(kind: try row[1], jobID: try row[2], message: try row[3], openedAt: try row[4]), default: []].append(try row[0])
        }
        return opened.compactMap { alert in
            let key = Key(kind: alert.kind.rawValue, jobID: alert.jobID, message: alert.message, openedAt: Double(alert.openedAt))
            guard let id = ids[key]?.popLast() else { return nil }
            var saved = alert
            saved.id = id
            return saved
        }
    }

    /// The round's escalations and resolutions of alerts still open, one statement each (a resolution without
    /// its time at the tick's).
    private static func alertUpdates(_ changes: AlertChanges, at tick: Date) -> [SQL] {
        var statements: [SQL] = []
        let updated = changes.updated.filter { $0.id != nil }
        if !updated.isEmpty {
            statements.append(SQL(
                """
                UPDATE alerts SET severity = u.severity, message = u.message
                FROM unnest(?::bigint[], ?::text[], ?::text[]) AS u(id, severity, message)
                WHERE alerts.id = u.id AND alerts.resolved_at IS NULL
                """,
                [updated.compactMap(\.id), updated.map(\.severity.rawValue), updated.map(\.message)]))
        }
        let resolved = changes.resolved.filter { $0.id != nil }
        if !resolved.isEmpty {
            statements.append(SQL(
                """
                UPDATE alerts SET resolved_at = u.at FROM unnest(?::bigint[], ?::double precision[]) AS u(id, at)
                WHERE alerts.id = u.id AND alerts.resolved_at IS NULL
                """,
                [resolved.compactMap(\.id), resolved.map { Double($0.resolvedAt ?? tick) }]))
        }
        return statements
    }

    static func saveTick(_ tick: Date) -> SQL {
        SQL(
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

    /// The notifications of an evaluator round, planned inside its transaction after its alert changes (as the
    /// SQLite store) and answered as the statements that enqueue them, which the round sends with its last: a
    /// notification is enqueued with the alert change that causes it, or not at all; (event id, channel) is
    /// unique, so a notification is enqueued once. Its reads cost two waits.
    func notificationInserts(
        _ session: SQLSession, planner: NotificationPlanner, changes: AlertChanges, previousTick: Date?, at now: Date
    ) async throws -> [SQL] {
        let resolved = changes.storedResolutions(at: now)
        var reads = [
            Self.openAlertsRead,
            Self.activeMutesRead(at: now),
            SQL(
                "SELECT \(AlertColumns.select) FROM alerts WHERE kind = 'fleet' AND (resolved_at IS NULL OR resolved_at > ?)",
                [Double(now) - 86_400]),
        ]
        if planner.routing.wants(NotificationEventName.succeeded), let previousTick {
            reads.append(SQL(
                """
                SELECT runs.id, runs.job_id, runs.ended_at, runs.size_bytes,
                    COALESCE(runs.reported_duration, runs.ended_at - runs.started_at), runs.exit_code
                FROM runs JOIN jobs ON jobs.id = runs.job_id
                WHERE runs.run_at > ? AND runs.ended_at > ? AND runs.ended_at <= ? AND runs.outcome = 'completed'
                    AND COALESCE(runs.verification, '') <> 'failed'
                    AND (jobs.min_size IS NULL OR runs.size_bytes IS NULL OR runs.size_bytes >= jobs.min_size)
                ORDER BY runs.ended_at, runs.id
                """,
                [Double(previousTick) - 7 * 86_400, Double(previousTick), Double(now)]))
        }
        let read = try await session.pipeline(reads)
        let openAlerts = try read[0].map(AlertColumns.alert)
        let succeeded = try read.dropFirst(3).first.map { rows in
            try rows.map {
                SucceededRun(
                    runID: try $0[0], jobID: try $0[1], endedAt: Date(timeIntervalSince1970: try $0[2]), sizeBytes: try $0[3],
                    duration: try $0[4], exitStatus: (try $0[5] as Int64?).map(Int.init))
            }
        } ?? []

        let jobIDs = Array(Set(openAlerts.compactMap(\.jobID) + resolved.compactMap(\.jobID) + succeeded.map(\.jobID))).sorted()
        let alertIDs = Array(Set(openAlerts.compactMap(\.id) + resolved.compactMap(\.id))).sorted()
        let related = try await session.pipeline([
            Self.jobsRead(where: "id = ANY(?)", [jobIDs]),
            SQL("SELECT event_id, channel, created_at FROM outbox WHERE alert_id = ANY(?) OR event_id = ?",
                [alertIDs, planner.digestEventID(at: now)]),
        ])
        var jobs: [Int64: Job] = [:]
        for job in try self.jobs(from: related[0]) {
            if let id = job.id { jobs[id] = job }
        }
        var enqueued: [OutboxKey: Date] = [:]
        for row in related[1] {
            enqueued[OutboxKey(eventID: try row[0], channel: try row[1])] = Date(timeIntervalSince1970: try row[2])
        }
        let round = NotificationRound(
            now: now, openAlerts: openAlerts, escalatedIDs: Set(changes.updated.compactMap(\.id)), resolved: resolved,
            jobs: jobs, mutes: try read[1].map(MuteColumns.mute), fleetAlerts: try read[2].map(AlertColumns.alert),
            enqueued: enqueued, succeededRuns: succeeded)
        return OutboxColumns.inserts(planner.plan(round))
    }
}
