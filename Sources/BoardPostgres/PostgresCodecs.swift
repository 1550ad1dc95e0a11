import BoardModel
import Foundation
import PostgresNIO

// How the domain types map to rows, read by position in each codec's column order. The columns are those
// of the SQLite store (docs/architecture.md §6); the text, JSON and binary forms are shared with it
// (`StoredJob`, `StoredAlertSettings`, `RecentRunsCodec`), so `db copy` moves rows unchanged.

extension Double {
    init(_ date: Date) { self = date.timeIntervalSince1970 }
}

/// `jobs` rows.
enum JobColumns {
    static let list = StoredColumns.jobs
    static let writable = list.joined(separator: ", ")
    static let placeholders = list.map { _ in "?" }.joined(separator: ", ")
    static let select = (["id"] + list.filter { $0 != "key_hash" }).joined(separator: ", ")
    static let count = list.count

    static func values(_ job: Job) -> [SQLValue] {
        let row = StoredJob(job)
        return [
            row.slug, row.name, row.pingKey, Data(SHA256.digest(of: job.pingKey)), row.schedule.kind,
            row.schedule.interval, row.schedule.source, row.schedule.zone, row.grace, row.maxRuntime, row.kind,
            row.chainParent, row.priority, row.minSize, row.rpo, row.rto, row.owner, row.escalation, row.protects,
            row.tags, row.description, row.paused, row.alerting, row.createdAt, row.tests, row.requireRestoreTest,
        ]
    }

    static func stored(_ row: SQLRow) throws -> StoredJob {
        StoredJob(
            id: try row[0], slug: try row[1], name: try row[2], pingKey: try row[3],
            schedule: StoredSchedule(kind: try row[4], interval: try row[5], source: try row[6], zone: try row[7]),
            grace: try row[8], maxRuntime: try row[9], kind: try row[10], chainParent: try row[11], priority: try row[12],
            minSize: try row[13], rpo: try row[14], rto: try row[15], owner: try row[16], escalation: try row[17],
            protects: try row[18], tags: try row[19], description: try row[20], paused: try row[21],
            alerting: try row[22], createdAt: try row[23], tests: try row[24], requireRestoreTest: try row[25])
    }
}

/// `runs` rows.
enum RunColumns {
    static let list = StoredColumns.runs
    static let select = list.joined(separator: ", ")
    static let writable = (list + ["run_at"]).joined(separator: ", ")
    static let width = list.count + 1
    /// The columns' types in `writable` order.
    static let types: [PostgresDataType] = [
        .int8, .int8, .text, .float8, .float8, .float8, .text, .text, .int8, .float8, .int8, .int8, .float8, .text, .int8,
        .text, .int8, .float8,
    ]

    /// Values in `writable` order.
    static func values(_ run: Run) -> [SQLValue] {
        [
            run.id, run.jobID, run.clientRunID, run.startedAt.map(Double.init), run.endedAt.map(Double.init),
            Double(run.lastHeartbeatAt), run.outcome.rawValue, run.verification?.rawValue, run.exitCode.map(Int64.init),
            run.reportedDuration, run.sizeBytes, run.files, run.progress, run.message, Int64(run.heartbeatCount),
            run.lastStatus?.rawValue, run.attempts.map(Int64.init), Double(run.time),
        ]
    }

    static func run(_ row: SQLRow) throws -> Run {
        let outcome: String = try row[6]
        let verification: String? = try row[7]
        let lastStatus: String? = try row[15]
        return Run(
            id: try row[0], jobID: try row[1], clientRunID: try row[2], startedAt: try row.date(3), endedAt: try row.date(4),
            lastHeartbeatAt: Date(timeIntervalSince1970: try row[5]), outcome: RunOutcome(rawValue: outcome) ?? .failed,
            verification: verification.flatMap(Verification.init(rawValue:)), exitCode: try row[8],
            reportedDuration: try row[9], sizeBytes: try row[10], files: try row[11], progress: try row[12],
            message: try row[13], heartbeatCount: try row[14], lastStatus: lastStatus.flatMap(HeartbeatStatus.init(rawValue:)),
            attempts: try row[16])
    }
}

/// `heartbeats` rows.
enum HeartbeatColumns {
    static let list = StoredColumns.heartbeats
    static let writable = list.joined(separator: ", ")
    static let select = (["id"] + list).joined(separator: ", ")
    static let width = list.count
    /// The columns' types in `writable` order.
    static let types: [PostgresDataType] = [
        .int8, .float8, .float8, .float8, .text, .text, .text, .text, .int8, .float8, .text, .float8, .text, .int8, .text,
        .float8, .text, .float8, .text, .float8, .text, .text, .bool, .text, .text, .bytea, .int8, .text, .text, .text,
        .text, .int8,
    ]

    /// Values in `writable` order.
    static func values(_ heartbeat: Heartbeat) -> [SQLValue] {
        let report = heartbeat.report
        return [
            heartbeat.jobID, Double(heartbeat.receivedAt), Double(heartbeat.eventAt), report.sentAt.map(Double.init),
            report.status.rawValue, report.statusText, report.runID, heartbeat.deliveryID, report.exitCode.map(Int64.init),
            report.duration?.value, report.duration?.text, report.size?.value, report.size?.text, report.files,
            report.hash, report.rate?.value, report.rate?.text, report.ratio?.value, report.ratio?.text,
            report.progress, report.message, report.output, report.isTest,
            report.fields.isEmpty ? "{}" : JSONText.encode(report.fields),
            report.problems.isEmpty ? "[]" : JSONText.encode(report.problems),
            Data(heartbeat.body), Int64(heartbeat.truncatedBytes), heartbeat.contentType, heartbeat.method,
            heartbeat.source, heartbeat.userAgent, heartbeat.runRowID,
        ]
    }

    /// A row read in `select` order.
    static func heartbeat(_ row: SQLRow) throws -> Heartbeat {
        func measured(_ index: Int) throws -> Measured? {
            guard let number = try row[index] as Double? else { return nil }
            return Measured(number, text: try row[index + 1] as String? ?? "")
        }
        let fields: String = try row[24]
        let problems: String = try row[25]
        let status: String = try row[5]
        let report = HeartbeatReport(
            status: HeartbeatStatus(rawValue: status) ?? .log, statusText: try row[6], runID: try row[7],
            exitCode: try row[9], duration: try measured(10), size: try measured(12), files: try row[14],
            hash: try row[15], rate: try measured(16), ratio: try measured(18), progress: try row[20],
            message: try row[21], output: try row[22], sentAt: try row.date(4), isTest: try row[23],
            fields: fields == "{}" ? [:] : JSONText.decode([String: String].self, from: fields) ?? [:],
            problems: problems == "[]" ? [] : JSONText.decode([String].self, from: problems) ?? [])
        let body: Data = try row[26]
        return Heartbeat(
            id: try row[0], jobID: try row[1], receivedAt: Date(timeIntervalSince1970: try row[2]),
            eventAt: Date(timeIntervalSince1970: try row[3]), report: report, deliveryID: try row[8], body: Array(body),
            truncatedBytes: try row[27], contentType: try row[28], method: try row[29], source: try row[30],
            userAgent: try row[31], runRowID: try row[32])
    }
}

/// `job_state` rows.
enum StateColumns {
    static let select = "job_id, last_heartbeat_at, last_start_at, last_good_at, recent_runs, last_problems"
    /// The columns' types in `select` order.
    static let types: [PostgresDataType] = [.int8, .float8, .float8, .float8, .bytea, .text]

    static func activity(_ row: SQLRow) throws -> JobActivity {
        let jobID: Int64 = try row[0]
        let recent: Data = try row[4]
        let problems: String = try row[5]
        return JobActivity(
            jobID: jobID, lastHeartbeatAt: try row.date(1), lastStartAt: try row.date(2), lastGoodAt: try row.date(3),
            recentRuns: try recent.withUnsafeBytes { try RecentRunsCodec.decode($0, jobID: jobID) },
            lastProblems: problems == "[]" ? [] : JSONText.decode([String].self, from: problems) ?? [])
    }

    static func values(_ activity: JobActivity) -> [SQLValue] {
        [
            activity.jobID, activity.lastHeartbeatAt.map(Double.init), activity.lastStartAt.map(Double.init),
            activity.lastGoodAt.map(Double.init), Data(RecentRunsCodec.encode(activity.recentRuns)),
            activity.lastProblems.isEmpty ? "[]" : JSONText.encode(activity.lastProblems),
        ]
    }
}

/// `alerts` rows.
enum AlertColumns {
    static let select = """
        id, kind, severity, job_id, message, opened_at, acknowledged_at, acknowledged_by, acknowledgement_note, resolved_at
        """

    static func alert(_ row: SQLRow) throws -> Alert {
        let kind = AlertKind(rawValue: try row[1]) ?? .fleet
        return Alert(
            id: try row[0], kind: kind, severity: AlertSeverity(rawValue: try row[2]) ?? kind.defaultSeverity,
            jobID: try row[3], message: try row[4], openedAt: Date(timeIntervalSince1970: try row[5]),
            acknowledgedAt: try row.date(6), acknowledgedBy: try row[7], acknowledgementNote: try row[8],
            resolvedAt: try row.date(9))
    }
}

/// `mutes` rows.
enum MuteColumns {
    static let select = "id, scope, target, until, created_by, reason, created_at"

    static func columns(_ scope: MuteScope) -> (String, String) {
        switch scope {
        case .job(let slug): ("job", slug)
        case .tag(let tag): ("tag", tag)
        case .fleet: ("fleet", "")
        }
    }

    static func mute(_ row: SQLRow) throws -> Mute {
        let target: String = try row[2]
        let scope: MuteScope = switch try row[1] as String {
        case "job": .job(target)
        case "tag": .tag(target)
        default: .fleet
        }
        return Mute(
            id: try row[0], scope: scope, until: Date(timeIntervalSince1970: try row[3]), createdBy: try row[4],
            reason: try row[5], createdAt: Date(timeIntervalSince1970: try row[6]))
    }
}

/// `outbox` rows.
enum OutboxColumns {
    static let select = """
        id, event_id, channel, alert_id, payload, created_at, attempts, next_attempt_at, last_error, delivered_at, failed_at
        """

    /// Statements that insert `messages`, each unless its (event id, channel) is already there.
    static func inserts(_ messages: [OutboxMessage]) -> [SQL] {
        messages.chunked(by: 1_000).map { chunk in
            SQL(
                """
                INSERT INTO outbox(event_id, channel, alert_id, payload, created_at, attempts, next_attempt_at)
                VALUES \(SQL.tuples(chunk.count, of: "(?, ?, ?, ?, ?, 0, ?)"))
                ON CONFLICT (event_id, channel) DO NOTHING
                """,
                chunk.flatMap(values))
        }
    }

    static func values(_ message: OutboxMessage) -> [SQLValue] {
        [
            message.eventID, message.channel, message.alertID, Data(message.payload), Double(message.createdAt),
            Double(message.nextAttemptAt),
        ]
    }

    static func message(_ row: SQLRow) throws -> OutboxMessage {
        let payload: Data = try row[4]
        return OutboxMessage(
            id: try row[0], eventID: try row[1], channel: try row[2], alertID: try row[3], payload: Array(payload),
            createdAt: Date(timeIntervalSince1970: try row[5]), attempts: try row[6],
            nextAttemptAt: Date(timeIntervalSince1970: try row[7]), lastError: try row[8], deliveredAt: try row.date(9),
            failedAt: try row.date(10))
    }
}
