import BoardModel
import Foundation

// The JSON shapes of `/api/v1`. Keys are snake_case, dates ISO 8601 in UTC, and every key is always
// present: an absent value is written as `null` (the `@Null` properties, see Null.swift). A job on the
// board carries the keys of `status --json` (`StatusDocument.JobEntry`) plus what the board draws, so there
// is one vocabulary for both.

/// Encoders and decoders for the API's JSON.
package enum APIJSON {
    package static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Response headers of the API beyond HTTP's own.
package enum BoardAPIHeader {
    /// On every answer of `GET /api/v1/board`, 304 included: the evaluator's last tick (ISO 8601), which moves
    /// every interval without moving the board's ETag.
    package static let evaluatorLastTick = "Evaluator-Last-Tick"
    /// On a write: who is making it (`--as`, else `$USER@host`), recorded in the jobs' audit trail with the token's name.
    package static let signature = "BackupBoard-Signature"
}

/// `{"error": "..."}`: every refusal and failure of the API.
package struct APIErrorDocument: Codable, Equatable {
    package let error: String

    package init(error: String) {
        self.error = error
    }
}

/// A run as a job's detail lists its recent ones (`BoardJobDocument.runs`).
package struct RunPointDocument: Codable, Equatable {
    @Null package var id: Int64?
    package let outcome: String
    @Null package var startedAt: Date?
    @Null package var endedAt: Date?
    @Null package var durationS: Double?
    @Null package var sizeBytes: Int64?
    @Null package var verification: String?

    package enum CodingKeys: String, CodingKey {
        case id, outcome, verification
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case durationS = "duration_s"
        case sizeBytes = "size_bytes"
    }

    package init(_ run: Run) {
        id = run.id
        outcome = run.outcome.rawValue
        startedAt = run.startedAt
        endedAt = run.endedAt
        durationS = run.duration
        sizeBytes = run.sizeBytes
        verification = run.verification?.rawValue
    }
}

/// A run with everything stored about it.
package struct RunDocument: Codable, Equatable {
    @Null var id: Int64?
    @Null var clientRunID: String?
    let outcome: String
    let at: Date
    @Null var startedAt: Date?
    @Null var endedAt: Date?
    let lastHeartbeatAt: Date
    @Null var durationS: Double?
    @Null var reportedDurationS: Double?
    @Null var sizeBytes: Int64?
    @Null var files: Int64?
    @Null var verification: String?
    @Null var exitCode: Int?
    @Null var progress: Double?
    @Null var message: String?
    let heartbeatCount: Int
    @Null var lastStatus: String?
    /// How many times the command ran in this run: 1 unless `run --attempts` retried it (null only from a
    /// server older than `--attempts`).
    @Null var attempts: Int?

    enum CodingKeys: String, CodingKey {
        case id, outcome, at, files, verification, progress, message, attempts
        case clientRunID = "client_run_id"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case lastHeartbeatAt = "last_heartbeat_at"
        case durationS = "duration_s"
        case reportedDurationS = "reported_duration_s"
        case sizeBytes = "size_bytes"
        case exitCode = "exit_code"
        case heartbeatCount = "heartbeat_count"
        case lastStatus = "last_status"
    }

    package init(_ run: Run) {
        id = run.id
        clientRunID = run.clientRunID
        outcome = run.outcome.rawValue
        at = run.time
        startedAt = run.startedAt
        endedAt = run.endedAt
        lastHeartbeatAt = run.lastHeartbeatAt
        durationS = run.duration
        reportedDurationS = run.reportedDuration
        sizeBytes = run.sizeBytes
        files = run.files
        verification = run.verification?.rawValue
        exitCode = run.exitCode
        progress = run.progress
        message = run.message
        heartbeatCount = run.heartbeatCount
        lastStatus = run.lastStatus?.rawValue
        attempts = run.attempts ?? 1
    }

    /// The run again, for a client that renders what the server judged.
    func run(jobID: Int64) -> Run {
        Run(
            id: id, jobID: jobID, clientRunID: clientRunID, startedAt: startedAt, endedAt: endedAt,
            lastHeartbeatAt: lastHeartbeatAt, outcome: RunOutcome(rawValue: outcome) ?? .failed,
            verification: verification.flatMap(Verification.init(rawValue:)), exitCode: exitCode,
            reportedDuration: reportedDurationS, sizeBytes: sizeBytes, files: files, progress: progress, message: message,
            heartbeatCount: heartbeatCount, lastStatus: lastStatus.flatMap(HeartbeatStatus.init(rawValue:)),
            attempts: attempts.flatMap { $0 > 1 ? $0 : nil })
    }
}

/// A schedule: its text as `jobs list` prints it, and its parts: `interval_s`, or `cron`, or `calendar` (a systemd
/// calendar event), or `entries` (several cron and calendar texts, due at the earliest), with `time_zone`.
package struct ScheduleDocument: Codable, Hashable {
    package let text: String
    @Null package var intervalS: Double?
    @Null package var cron: String?
    @Null package var calendar: String?
    @Null package var entries: [String]?
    @Null package var timeZone: String?

    package enum CodingKeys: String, CodingKey {
        case text, cron, calendar, entries
        case intervalS = "interval_s"
        case timeZone = "time_zone"
    }

    package init(_ schedule: Schedule) {
        text = schedule.description
        switch schedule {
        case .interval(let seconds):
            intervalS = seconds
        case .cron(let expression, _):
            cron = expression.source
        case .calendar(let event, _):
            calendar = event.source
        case .several:
            entries = schedule.entryTexts
        }
        // The job's zone: for a calendar event naming its own, that zone stays inside the event's text.
        switch schedule {
        case .interval: timeZone = nil
        case .cron(_, let zone), .calendar(_, let zone): timeZone = Schedule.name(of: zone)
        case .several(let entries): timeZone = entries.first.flatMap(\.jobZone).map(Schedule.name(of:))
        }
    }

    package func schedule() throws -> Schedule {
        if let entries {
            return try Schedule.parse(entries: entries, timeZone: try zone().identifier)
        }
        if let calendar {
            return .calendar(try CalendarEvent(calendar), timeZone: try zone())
        }
        if let cron {
            return .cron(try CronExpression(cron), timeZone: try zone())
        }
        return .interval(intervalS ?? 0)
    }

    private func zone() throws -> TimeZone {
        guard let zone = TimeZone(identifier: timeZone ?? "UTC") else {
            throw BoardError.invalidValue("unknown time zone '\(timeZone ?? "")' in the server's answer")
        }
        return zone
    }
}

/// One job judged, as `GET /api/v1/jobs/SLUG` answers it: the keys of `status --json` and these.
package struct BoardJobDocument: Encodable, Equatable {
    /// The `status --json` keys (slug, name, state, evaluated_state, level, muted, paused, priority, …).
    let summary: StatusDocument.JobEntry
    package let id: Int64
    /// The data version of the last write that changed this job (see `BoardChanges`).
    let version: Int64
    let kind: String
    let tags: [String]
    let schedule: ScheduleDocument
    let graceS: Double
    let maxRuntimeS: Double?
    let deadlineAt: Date
    let missedPeriods: Int
    let conditions: [String]
    let lastRun: RunDocument?
    let lastFinishedRun: RunDocument?
    let openRun: RunDocument?
    /// The open run's progress (0–100), if it reports one.
    let progress: Double?
    let lastHeartbeatAt: Date?
    let lastProblems: [String]
    /// The last runs, newest first, for sparklines.
    let runs: [RunPointDocument]
    /// What the board needs to judge restore states itself from the fleet it mirrors (`RestoreStates`): a
    /// proved job's state moves with its tests' runs and with time, not with its own version.
    let rtoS: Double?
    let tests: [String]
    let requireRestoreTest: Bool
    let minSizeBytes: Int64?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, version, kind, tags, schedule, conditions, progress, runs, tests
        case rtoS = "rto_s"
        case requireRestoreTest = "require_restore_test"
        case minSizeBytes = "min_size_bytes"
        case createdAt = "created_at"
        case graceS = "grace_s"
        case maxRuntimeS = "max_runtime_s"
        case deadlineAt = "deadline_at"
        case missedPeriods = "missed_periods"
        case lastRun = "last_run"
        case lastFinishedRun = "last_finished_run"
        case openRun = "open_run"
        case lastHeartbeatAt = "last_heartbeat_at"
        case lastProblems = "last_problems"
    }

    package init(
        _ entry: JobReport, restore: RestoreState?, activity: JobActivity, version: Int64, runs runLimit: Int, at now: Date
    ) {
        let status = entry.status
        summary = StatusDocument.JobEntry(entry, restore: restore, at: now)
        id = entry.job.id ?? 0
        self.version = version
        kind = entry.job.kind.rawValue
        tags = entry.job.tags
        schedule = ScheduleDocument(entry.job.schedule)
        graceS = entry.job.grace
        maxRuntimeS = entry.job.maxRuntime
        deadlineAt = status.deadline
        missedPeriods = status.missedPeriods
        conditions = status.conditions.map(\.rawValue)
        lastRun = status.lastRun.map(RunDocument.init)
        lastFinishedRun = status.lastFinishedRun.map(RunDocument.init)
        openRun = status.openRun.map(RunDocument.init)
        progress = status.openRun?.progress
        lastHeartbeatAt = activity.lastHeartbeatAt
        lastProblems = activity.lastProblems
        runs = activity.recentRuns.suffix(runLimit).reversed().map(RunPointDocument.init)
        rtoS = entry.job.rto
        tests = entry.job.tests
        requireRestoreTest = entry.job.requireRestoreTest
        minSizeBytes = entry.job.minSize
        createdAt = entry.job.createdAt
    }

    package func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(version, forKey: .version)
        try c.encode(kind, forKey: .kind)
        try c.encode(tags, forKey: .tags)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(graceS, forKey: .graceS)
        try c.encode(maxRuntimeS, forKey: .maxRuntimeS)
        try c.encode(deadlineAt, forKey: .deadlineAt)
        try c.encode(missedPeriods, forKey: .missedPeriods)
        try c.encode(conditions, forKey: .conditions)
        try c.encode(lastRun, forKey: .lastRun)
        try c.encode(lastFinishedRun, forKey: .lastFinishedRun)
        try c.encode(openRun, forKey: .openRun)
        try c.encode(progress, forKey: .progress)
        try c.encode(lastHeartbeatAt, forKey: .lastHeartbeatAt)
        try c.encode(lastProblems, forKey: .lastProblems)
        try c.encode(runs, forKey: .runs)
        try c.encode(rtoS, forKey: .rtoS)
        try c.encode(tests, forKey: .tests)
        try c.encode(requireRestoreTest, forKey: .requireRestoreTest)
        try c.encode(minSizeBytes, forKey: .minSizeBytes)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

/// An alert, with its job's slug.
package struct AlertDocument: Codable, Equatable {
    @Null var id: Int64?
    let kind: String
    let severity: String
    @Null var jobID: Int64?
    @Null var jobSlug: String?
    let message: String
    let openedAt: Date
    @Null var acknowledgedAt: Date?
    @Null var acknowledgedBy: String?
    @Null var acknowledgementNote: String?
    @Null var resolvedAt: Date?
    let open: Bool

    enum CodingKeys: String, CodingKey {
        case id, kind, severity, message, open
        case jobID = "job_id"
        case jobSlug = "job_slug"
        case openedAt = "opened_at"
        case acknowledgedAt = "acknowledged_at"
        case acknowledgedBy = "acknowledged_by"
        case acknowledgementNote = "acknowledgement_note"
        case resolvedAt = "resolved_at"
    }

    package init(_ alert: Alert, slugs: [Int64: String]) {
        id = alert.id
        kind = alert.kind.rawValue
        severity = alert.severity.rawValue
        jobID = alert.jobID
        jobSlug = alert.jobID.flatMap { slugs[$0] }
        message = alert.message
        openedAt = alert.openedAt
        acknowledgedAt = alert.acknowledgedAt
        acknowledgedBy = alert.acknowledgedBy
        acknowledgementNote = alert.acknowledgementNote
        resolvedAt = alert.resolvedAt
        open = alert.isOpen
    }
}

extension AlertDocument {
    /// Appends the alert as the JSON object `JSONEncoder` writes with `APIJSON`'s strategies (its nulls
    /// included): a fleet's board may carry thousands of open alerts, each a tree of containers to `JSONEncoder`.
    func write(to out: inout JSONOutput) {
        out.openObject()
        out.key(CodingKeys.id.rawValue); out.value(id)
        out.key(CodingKeys.kind.rawValue); out.value(kind)
        out.key(CodingKeys.severity.rawValue); out.value(severity)
        out.key(CodingKeys.jobID.rawValue); out.value(jobID)
        out.key(CodingKeys.jobSlug.rawValue); out.value(jobSlug)
        out.key(CodingKeys.message.rawValue); out.value(message)
        out.key(CodingKeys.openedAt.rawValue); out.value(openedAt)
        out.key(CodingKeys.acknowledgedAt.rawValue); out.value(acknowledgedAt)
        out.key(CodingKeys.acknowledgedBy.rawValue); out.value(acknowledgedBy)
        out.key(CodingKeys.acknowledgementNote.rawValue); out.value(acknowledgementNote)
        out.key(CodingKeys.resolvedAt.rawValue); out.value(resolvedAt)
        out.key(CodingKeys.open.rawValue); out.value(open)
        out.closeObject()
    }
}

extension AlertDocument {
    /// Reads the alert object that starts at `input` by hand (`JSONInput`), as `JSONDecoder` with `APIJSON`'s
    /// strategies reads it: a missing or null optional is nil, a key this client does not know is passed over.
    /// A fleet's board may carry thousands of open alerts.
    init(reading input: inout JSONInput) throws {
        var id: Int64?, kind: String?, severity: String?, jobID: Int64?, jobSlug: String?, message: String?
        var openedAt: Date?, acknowledgedAt: Date?, acknowledgedBy: String?, acknowledgementNote: String?
        var resolvedAt: Date?, open: Bool?
        try input.members { input, key in
            switch CodingKeys(rawValue: key) {
            case .id: id = try input.optionalInteger()
            case .kind: kind = try input.string()
            case .severity: severity = try input.string()
            case .jobID: jobID = try input.optionalInteger()
            case .jobSlug: jobSlug = try input.optionalString()
            case .message: message = try input.string()
            case .openedAt: openedAt = try input.date()
            case .acknowledgedAt: acknowledgedAt = try input.optionalDate()
            case .acknowledgedBy: acknowledgedBy = try input.optionalString()
            case .acknowledgementNote: acknowledgementNote = try input.optionalString()
            case .resolvedAt: resolvedAt = try input.optionalDate()
            case .open: open = try input.bool()
            case nil: _ = try input.skipValue()
            }
        }
        func required<Value>(_ value: Value?, _ key: CodingKeys) throws -> Value {
            guard let value else { throw BoardError.invalidValue("an alert on the server's board without \(key.rawValue)") }
            return value
        }
        _id = Null(wrappedValue: id)
        self.kind = try required(kind, .kind)
        self.severity = try required(severity, .severity)
        _jobID = Null(wrappedValue: jobID)
        _jobSlug = Null(wrappedValue: jobSlug)
        self.message = try required(message, .message)
        self.openedAt = try required(openedAt, .openedAt)
        _acknowledgedAt = Null(wrappedValue: acknowledgedAt)
        _acknowledgedBy = Null(wrappedValue: acknowledgedBy)
        _acknowledgementNote = Null(wrappedValue: acknowledgementNote)
        _resolvedAt = Null(wrappedValue: resolvedAt)
        self.open = try required(open, .open)
    }
}

/// A mute: `scope` is job, tag or fleet; `target` the slug or tag (null for the fleet).
package struct MuteDocument: Codable, Equatable {
    @Null var id: Int64?
    let scope: String
    @Null var target: String?
    let until: Date
    let createdBy: String
    let reason: String
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, scope, target, until, reason
        case createdBy = "created_by"
        case createdAt = "created_at"
    }

    package init(_ mute: Mute) {
        id = mute.id
        switch mute.scope {
        case .job(let slug): (scope, target) = ("job", slug)
        case .tag(let tag): (scope, target) = ("tag", tag)
        case .fleet: (scope, target) = ("fleet", nil)
        }
        until = mute.until
        createdBy = mute.createdBy
        reason = mute.reason
        createdAt = mute.createdAt
    }
}

/// A key that got 404s (a mistyped ping URL).
package struct UnknownKeyDocument: Codable, Equatable {
    package let keyPrefix: String
    package let count: Int64
    @Null package var lastSource: String?
    @Null package var lastUserAgent: String?
    package let firstSeenAt: Date
    package let lastSeenAt: Date

    package enum CodingKeys: String, CodingKey {
        case count
        case keyPrefix = "key_prefix"
        case lastSource = "last_source"
        case lastUserAgent = "last_user_agent"
        case firstSeenAt = "first_seen_at"
        case lastSeenAt = "last_seen_at"
    }

    package init(_ key: UnknownKey) {
        keyPrefix = key.keyPrefix
        count = key.count
        lastSource = key.lastSource
        lastUserAgent = key.lastUserAgent
        firstSeenAt = key.firstSeenAt
        lastSeenAt = key.lastSeenAt
    }

    package var unknownKey: UnknownKey {
        UnknownKey(
            keyPrefix: keyPrefix, count: count, lastSource: lastSource, lastUserAgent: lastUserAgent,
            firstSeenAt: firstSeenAt, lastSeenAt: lastSeenAt)
    }
}

/// Notifications waiting for one channel (`OutboxBacklog`).
package struct OutboxBacklogDocument: Codable, Equatable {
    package let channel: String
    package let pending: Int
    package let oldestSince: Date
    @Null package var lastError: String?

    package enum CodingKeys: String, CodingKey {
        case channel, pending
        case oldestSince = "oldest_since"
        case lastError = "last_error"
    }

    package init(_ backlog: OutboxBacklog) {
        channel = backlog.channel
        pending = backlog.pending
        oldestSince = backlog.oldestSince
        lastError = backlog.lastError
    }

    package var backlog: OutboxBacklog {
        OutboxBacklog(channel: channel, pending: pending, oldestSince: oldestSince, lastError: lastError)
    }
}

/// A heartbeat with its raw body: text when the body is UTF-8, else base64 (`body_encoding`).
package struct HeartbeatDocument: Encodable {
    let heartbeat: Heartbeat

    package init(heartbeat: Heartbeat) {
        self.heartbeat = heartbeat
    }

    enum CodingKeys: String, CodingKey {
        case id, status, files, hash, rate, ratio, progress, message, output, fields, problems, body, method, source
        case receivedAt = "received_at"
        case eventAt = "event_at"
        case sentAt = "sent_at"
        case deliveredLate = "delivered_late"
        case statusText = "status_text"
        case clientRunID = "client_run_id"
        case deliveryID = "delivery_id"
        case exitCode = "exit_code"
        case durationS = "duration_s"
        case durationText = "duration_text"
        case sizeBytes = "size_bytes"
        case sizeText = "size_text"
        case rateText = "rate_text"
        case ratioText = "ratio_text"
        case isTest = "is_test"
        case bodyEncoding = "body_encoding"
        case bodyBytes = "body_bytes"
        case truncatedBytes = "truncated_bytes"
        case contentType = "content_type"
        case userAgent = "user_agent"
        case runID = "run_id"
    }

    package func encode(to encoder: any Encoder) throws {
        let h = heartbeat
        let r = h.report
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(h.id, forKey: .id)
        try c.encode(h.receivedAt, forKey: .receivedAt)
        try c.encode(h.eventAt, forKey: .eventAt)
        try c.encode(r.sentAt, forKey: .sentAt)
        try c.encode(h.deliveredLate, forKey: .deliveredLate)
        try c.encode(r.status.rawValue, forKey: .status)
        try c.encode(r.statusText, forKey: .statusText)
        try c.encode(r.runID, forKey: .clientRunID)
        try c.encode(h.deliveryID, forKey: .deliveryID)
        try c.encode(r.exitCode, forKey: .exitCode)
        try c.encode(r.duration?.value, forKey: .durationS)
        try c.encode(r.duration?.text, forKey: .durationText)
        try c.encode(r.size?.value, forKey: .sizeBytes)
        try c.encode(r.size?.text, forKey: .sizeText)
        try c.encode(r.files, forKey: .files)
        try c.encode(r.hash, forKey: .hash)
        try c.encode(r.rate?.value, forKey: .rate)
        try c.encode(r.rate?.text, forKey: .rateText)
        try c.encode(r.ratio?.value, forKey: .ratio)
        try c.encode(r.ratio?.text, forKey: .ratioText)
        try c.encode(r.progress, forKey: .progress)
        try c.encode(r.message, forKey: .message)
        try c.encode(r.output, forKey: .output)
        try c.encode(r.isTest, forKey: .isTest)
        try c.encode(r.fields, forKey: .fields)
        try c.encode(r.problems, forKey: .problems)
        if let text = String(validating: h.body, as: UTF8.self) {
            try c.encode(text, forKey: .body)
            try c.encode("text", forKey: .bodyEncoding)
        } else {
            try c.encode(Data(h.body).base64EncodedString(), forKey: .body)
            try c.encode("base64", forKey: .bodyEncoding)
        }
        try c.encode(h.body.count, forKey: .bodyBytes)
        try c.encode(h.truncatedBytes, forKey: .truncatedBytes)
        try c.encode(h.contentType, forKey: .contentType)
        try c.encode(h.method, forKey: .method)
        try c.encode(h.source, forKey: .source)
        try c.encode(h.userAgent, forKey: .userAgent)
        try c.encode(h.runRowID, forKey: .runID)
    }
}

/// A job's definition: every field but the ping key, which is the secret heartbeats carry.
package struct JobDefinitionDocument: Encodable {
    let job: Job

    package init(job: Job) {
        self.job = job
    }

    enum CodingKeys: String, CodingKey {
        case owner, escalation, protects, description, tests
        case requireRestoreTest = "require_restore_test"
        case chainParent = "chain_parent"
        case minSizeBytes = "min_size_bytes"
        case rtoS = "rto_s"
        case createdAt = "created_at"
        case alerting
    }

    struct Alerting: Encodable {
        package let settings: AlertSettings

        package enum CodingKeys: String, CodingKey {
            case severities
            case sizeAnomalyFactor = "size_anomaly_factor"
            case durationAnomalyHigh = "duration_anomaly_high"
            case durationAnomalyLow = "duration_anomaly_low"
            case anomalyWindow = "anomaly_window"
            case anomalyMinRuns = "anomaly_min_runs"
            case delayedEscalationPeriods = "delayed_escalation_periods"
            case flakyRuns = "flaky_runs"
            case flakyWindow = "flaky_window"
            case restoreEscalationPeriods = "restore_escalation_periods"
        }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(settings.sizeAnomalyFactor, forKey: .sizeAnomalyFactor)
            try c.encode(settings.durationAnomalyHigh, forKey: .durationAnomalyHigh)
            try c.encode(settings.durationAnomalyLow, forKey: .durationAnomalyLow)
            try c.encode(settings.anomalyWindow, forKey: .anomalyWindow)
            try c.encode(settings.anomalyMinRuns, forKey: .anomalyMinRuns)
            try c.encode(settings.delayedEscalationPeriods, forKey: .delayedEscalationPeriods)
            try c.encode(settings.flakyRuns, forKey: .flakyRuns)
            try c.encode(settings.flakyWindow, forKey: .flakyWindow)
            try c.encode(settings.restoreEscalationPeriods, forKey: .restoreEscalationPeriods)
            try c.encode(
                Dictionary(uniqueKeysWithValues: settings.severities.map { ($0.key.rawValue, $0.value.rawValue) }),
                forKey: .severities)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(job.chainParent, forKey: .chainParent)
        try c.encode(job.minSize, forKey: .minSizeBytes)
        try c.encode(job.rto, forKey: .rtoS)
        try c.encode(job.owner, forKey: .owner)
        try c.encode(job.escalation, forKey: .escalation)
        try c.encode(job.protects, forKey: .protects)
        try c.encode(job.tests, forKey: .tests)
        try c.encode(job.requireRestoreTest, forKey: .requireRestoreTest)
        try c.encode(job.description, forKey: .description)
        try c.encode(job.createdAt, forKey: .createdAt)
        try c.encode(Alerting(settings: job.alerting), forKey: .alerting)
    }
}

/// `GET /api/v1/jobs/SLUG`: the job (board keys plus its definition), a page of runs, its last heartbeats
/// with raw bodies and parse problems, its state transitions and open alerts.
package struct JobDetailDocument: Encodable {
    let generatedAt: Date
    let version: Int64
    let job: BoardJobDocument
    let definition: JobDefinitionDocument
    let runs: [RunDocument]
    /// Pass as `?before=` for the next page of runs; null on the last page.
    let nextBefore: Int64?
    let heartbeats: [HeartbeatDocument]
    let transitions: [StateTransition]
    let openAlerts: [AlertDocument]
    /// The job in the jobs file's keys, as `PUT /api/v1/jobs/SLUG` takes it.
    let spec: JobSpecDocument
    /// The newest changes to the job's definition first.
    let audit: [JobAuditDocument]

    package init(
        generatedAt: Date, version: Int64, job: BoardJobDocument, definition: JobDefinitionDocument, runs: [RunDocument],
        nextBefore: Int64?, heartbeats: [HeartbeatDocument], transitions: [StateTransition], openAlerts: [AlertDocument],
        spec: JobSpecDocument, audit: [JobAuditDocument]
    ) {
        self.spec = spec
        self.audit = audit
        self.generatedAt = generatedAt
        self.version = version
        self.job = job
        self.definition = definition
        self.runs = runs
        self.nextBefore = nextBefore
        self.heartbeats = heartbeats
        self.transitions = transitions
        self.openAlerts = openAlerts
    }

    enum CodingKeys: String, CodingKey {
        case version, job, runs, heartbeats, transitions, spec, audit
        case generatedAt = "generated_at"
        case nextBefore = "next_before"
        case openAlerts = "open_alerts"
    }

    enum TransitionKeys: String, CodingKey {
        case at, from, to
    }

    /// The job object: the board's keys and the definition's, side by side.
    private struct JobObject: Encodable {
        let entry: BoardJobDocument
        let definition: JobDefinitionDocument

        func encode(to encoder: any Encoder) throws {
            try entry.encode(to: encoder)
            try definition.encode(to: encoder)
        }
    }

    private struct Transition: Encodable {
        let transition: StateTransition

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: TransitionKeys.self)
            try c.encode(transition.at, forKey: .at)
            try c.encode(transition.from?.rawValue, forKey: .from)
            try c.encode(transition.to.rawValue, forKey: .to)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(generatedAt, forKey: .generatedAt)
        try c.encode(version, forKey: .version)
        try c.encode(JobObject(entry: job, definition: definition), forKey: .job)
        try c.encode(runs, forKey: .runs)
        try c.encode(nextBefore, forKey: .nextBefore)
        try c.encode(heartbeats, forKey: .heartbeats)
        try c.encode(transitions.map(Transition.init), forKey: .transitions)
        try c.encode(openAlerts, forKey: .openAlerts)
        try c.encode(spec, forKey: .spec)
        try c.encode(audit, forKey: .audit)
    }
}

/// `GET /api/v1/alerts`: open alerts (oldest first) and the latest alerts, open or not (newest first);
/// `recent` is null with `?open=true`.
package struct AlertsDocument: Encodable {
    let generatedAt: Date
    let version: Int64
    let open: [AlertDocument]
    @Null var recent: [AlertDocument]?

    package init(generatedAt: Date, version: Int64, open: [AlertDocument], recent: [AlertDocument]?) {
        self.generatedAt = generatedAt
        self.version = version
        self.open = open
        self.recent = recent
    }

    enum CodingKeys: String, CodingKey {
        case version, open, recent
        case generatedAt = "generated_at"
    }
}

/// The answer to pause and resume: the job's slug and whether it is paused now.
package struct PauseDocument: Codable, Equatable {
    let slug: String
    let paused: Bool

    package init(slug: String, paused: Bool) {
        self.slug = slug
        self.paused = paused
    }
}

/// The answer to unmute: how many mutes of the job were removed.
package struct UnmuteDocument: Codable, Equatable {
    let slug: String
    let removed: Int

    package init(slug: String, removed: Int) {
        self.slug = slug
        self.removed = removed
    }
}
