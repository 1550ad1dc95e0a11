import BoardModel
import Foundation
internal import GRDB

extension BoardStore {
    /// Writes one evaluator tick in one short transaction: the state transitions (and each job's latest
    /// state), the alert changes, and the tick time.
    ///
    /// Opened alerts with `resolvedAt` set (an outage of the monitor) are stored as they are. An alert to open
    /// whose kind is already open for its job is not stored twice (another evaluator got there first); an
    /// update or a resolve of an alert resolved meanwhile changes nothing. Returns the alerts stored now, with
    /// their ids, for notifications.
    ///
    /// With a `planner`, the notifications these changes call for are enqueued in the same transaction.
    ///
    /// A tick that changes nothing stores only its time and leaves the data version where it was, so readers
    /// polling with an ETag or `?since=` are not woken every interval for nothing (docs/architecture.md §10);
    /// `BoardSnapshot.evaluatorLastTick` is read on every load regardless.
    @discardableResult
    public func recordEvaluation(
        transitions: [StateTransition], alertChanges: AlertChanges, tick: Date, notifying planner: NotificationPlanner?,
        fence: Lease?
    ) async throws -> [Alert] {
        try await write(versioned: !transitions.isEmpty || !alertChanges.isEmpty) { db in
            let insertTransition = try db.cachedStatement(
                sql: "INSERT INTO state_transitions(job_id, at, from_state, to_state) VALUES (?, ?, ?, ?)")
            let saveState = try db.cachedStatement(
                sql: """
                    INSERT INTO evaluated_states(job_id, state, since) VALUES (?, ?, ?)
                    ON CONFLICT(job_id) DO UPDATE SET state = excluded.state, since = excluded.since
                    """)
            let findJob = try db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE id = ?")
            func jobExists(_ id: Int64) throws -> Bool {
                try Bool.fetchOne(findJob, arguments: [id]) == true
            }
            for transition in transitions {
                // A job removed since the board was loaded has nothing left to record.
                guard try jobExists(transition.jobID) else { continue }
                try insertTransition.execute(arguments: [
                    transition.jobID, transition.at.timeIntervalSince1970, transition.from?.rawValue,
                    transition.to.rawValue,
                ])
                try saveState.execute(arguments: [
                    transition.jobID, transition.to.rawValue, transition.at.timeIntervalSince1970,
                ])
            }

            var stored: [Alert] = []
            for alert in alertChanges.opened {
                if let jobID = alert.jobID, try !jobExists(jobID) { continue }
                if alert.isOpen, try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM alerts WHERE kind = ? AND IFNULL(job_id, 0) = ? AND resolved_at IS NULL",
                    arguments: [alert.kind.rawValue, alert.jobID ?? 0]) == true
                {
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO alerts(kind, severity, job_id, message, opened_at, resolved_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        alert.kind.rawValue, alert.severity.rawValue, alert.jobID, alert.message,
                        alert.openedAt.timeIntervalSince1970, alert.resolvedAt?.timeIntervalSince1970,
                    ])
                var saved = alert
                saved.id = db.lastInsertedRowID
                stored.append(saved)
            }
            for alert in alertChanges.updated {
                guard let id = alert.id else { continue }
                try db.execute(
                    sql: "UPDATE alerts SET severity = ?, message = ? WHERE id = ? AND resolved_at IS NULL",
                    arguments: [alert.severity.rawValue, alert.message, id])
            }
            for alert in alertChanges.resolved {
                guard let id = alert.id else { continue }
                try db.execute(
                    sql: "UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
                    arguments: [(alert.resolvedAt ?? tick).timeIntervalSince1970, id])
            }

            if let planner {
                let previousTick = try Double.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'evaluator_last_tick'")
                try self.enqueueNotifications(
                    db, planner: planner, changes: alertChanges,
                    previousTick: previousTick.map(Date.init(timeIntervalSince1970:)), at: tick)
            }
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES ('evaluator_last_tick', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [tick.timeIntervalSince1970])
            return stored
        }
    }

    /// The state the evaluator last recorded for each job, with since when, by job id.
    public func evaluatedStates() async throws -> [Int64: EvaluatedState] {
        try await read { db in
            var states: [Int64: EvaluatedState] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT job_id, state, since FROM evaluated_states")
            while let row = try cursor.next() {
                let name: String = row[1]
                guard let state = JobState(rawValue: name) else { continue }
                states[row[0]] = EvaluatedState(state: state, since: Date(timeIntervalSince1970: row[2]))
            }
            return states
        }
    }

    /// The state the evaluator last recorded for each job, by job id.
    public func lastEvaluatedStates() async throws -> [Int64: JobState] {
        try await evaluatedStates().mapValues(\.state)
    }

    /// A job's state transitions, newest first.
    public func transitions(ofJob jobID: Int64, limit: Int = 50) async throws -> [StateTransition] {
        try await read { db in try Self.transitions(db, ofJob: jobID, limit: limit) }
    }

    static func transitions(_ db: Database, ofJob jobID: Int64, limit: Int) throws -> [StateTransition] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT job_id, at, from_state, to_state FROM state_transitions WHERE job_id = ?
                ORDER BY at DESC, id DESC LIMIT ?
                """,
            arguments: [jobID, limit]
        ).compactMap { row in
            guard let toState = JobState(rawValue: row["to_state"]) else { return nil }
            return StateTransition(
                jobID: row["job_id"], at: Date(timeIntervalSince1970: row["at"]),
                from: (row["from_state"] as String?).flatMap(JobState.init(rawValue:)), to: toState)
        }
    }

    /// Outages of the monitor the evaluator recorded, oldest first.
    public func monitorOutages() async throws -> [DateInterval] {
        try await read { try Self.monitorOutages($0) }
    }

    static func monitorOutages(_ db: Database) throws -> [DateInterval] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT opened_at, resolved_at FROM alerts
                WHERE kind = 'monitor_outage' AND resolved_at IS NOT NULL ORDER BY opened_at
                """
        ).compactMap { row in
            let start = Date(timeIntervalSince1970: row[0])
            let end = Date(timeIntervalSince1970: row[1])
            return end >= start ? DateInterval(start: start, end: end) : nil
        }
    }
}
