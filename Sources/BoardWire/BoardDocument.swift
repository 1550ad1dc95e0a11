import BoardModel
import Foundation

/// `GET /api/v1/board?format=2`: the whole board, or with `?since=V` what changed after data version V, in
/// the compact form the board draws from (docs/api.md): one row per job with what the board shows, its runs as
/// arrays (`BoardRunPoint`), times in Unix milliseconds, and each schedule written once in `schedules`. A job's
/// full history stays on `GET /api/v1/jobs/SLUG`. `serve` writes it as a stream (`BoardDocumentWriter`), so its
/// memory does not grow with the fleet; a client reads it whole, its rows by hand (`init(json:)`).
///
/// Merge rule for `since` answers: replace (by `id`) every job in `jobs`, add the ones you did not have,
/// drop the ids in `removed_job_ids`; replace `open_alerts` and `active_mutes` when they are not null
/// (null means unchanged); always take `version`, `level`, `counts`, `stale`, `evaluator_last_tick`,
/// `evaluator_leader`, `unknown_keys` and `outbox_backlog`; then ask again with `since=` the new `version`.
package struct BoardDocument: Codable, Equatable {
    /// The only format this server and client speak; a request without `format=2` is answered 406.
    package static let format = 2

    package var format = Self.format
    package let generatedAt: Date
    /// The store's data version this answer reflects; the `since` of the next delta.
    package let version: Int64
    /// The version asked about, or null for a full answer.
    @Null package var since: Int64?
    let level: String
    package let stale: Bool
    @Null package var evaluatorLastTick: Date?
    /// The instance holding the evaluator's lease, when the store knows it (several `serve` on PostgreSQL).
    @Null package var evaluatorLeader: String?
    let evaluatorIntervalS: Double
    /// Jobs by shown state, over the whole fleet (also in a delta).
    let counts: [String: Int]
    /// The words of a run point's outcome and verification codes, by code.
    let runOutcomes: [String]
    let verifications: [String]
    @Null package var openAlerts: [AlertDocument]?
    @Null package var activeMutes: [MuteDocument]?
    package let unknownKeys: [UnknownKeyDocument]
    /// Notifications waiting in the outbox, per channel (always whole, also in a delta).
    package let outboxBacklog: [OutboxBacklogDocument]
    package let removedJobIDs: [Int64]
    /// Worst state first, then priority and slug; in a delta only the jobs changed after `since`.
    package var jobs: [BoardRowDocument]
    /// The schedules of `jobs`, each once; a row names its own by index.
    package var schedules: [ScheduleDocument]

    enum CodingKeys: String, CodingKey {
        case format, version, since, level, stale, counts, verifications, jobs, schedules
        case generatedAt = "generated_at"
        case evaluatorLastTick = "evaluator_last_tick"
        case evaluatorLeader = "evaluator_leader"
        case evaluatorIntervalS = "evaluator_interval_s"
        case runOutcomes = "run_outcomes"
        case openAlerts = "open_alerts"
        case activeMutes = "active_mutes"
        case unknownKeys = "unknown_keys"
        case outboxBacklog = "outbox_backlog"
        case removedJobIDs = "removed_job_ids"
    }

    /// The envelope of an answer: everything but `jobs` and `schedules`, which `BoardDocumentWriter` streams.
    package init(
        board: BoardSnapshot, report: FleetReport, changes: BoardChanges, full: Bool, stale: Bool, evaluatorInterval: TimeInterval
    ) {
        generatedAt = report.now
        version = board.dataVersion
        since = full ? nil : changes.since
        level = StatusDocument.word(report.level)
        self.stale = stale
        evaluatorLastTick = board.evaluatorLastTick
        evaluatorLeader = board.evaluatorLeader
        evaluatorIntervalS = evaluatorInterval
        counts = Dictionary(uniqueKeysWithValues: report.countsByState.map { ($0.key.rawValue, $0.value) })
        runOutcomes = RunOutcome.allCases.map(\.rawValue)
        verifications = Verification.allCases.map(\.rawValue)
        let slugs = Dictionary(board.entries.compactMap { entry in entry.job.id.map { ($0, entry.job.slug) } }, uniquingKeysWith: { a, _ in a })
        openAlerts = full || changes.alertsChanged ? board.openAlerts.map { AlertDocument($0, slugs: slugs) } : nil
        activeMutes = full || changes.mutesChanged ? board.activeMutes.map(MuteDocument.init) : nil
        unknownKeys = board.unknownKeys.map(UnknownKeyDocument.init)
        outboxBacklog = board.outboxBacklog.map(OutboxBacklogDocument.init)
        removedJobIDs = full ? [] : changes.removedJobIDs
        jobs = []
        schedules = []
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(Int.self, forKey: .format)
        guard format == Self.format else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: c, debugDescription: "board format \(format), not \(Self.format)")
        }
        generatedAt = try c.decode(Date.self, forKey: .generatedAt)
        version = try c.decode(Int64.self, forKey: .version)
        since = try c.decodeIfPresent(Int64.self, forKey: .since)
        level = try c.decode(String.self, forKey: .level)
        stale = try c.decode(Bool.self, forKey: .stale)
        evaluatorLastTick = try c.decodeIfPresent(Date.self, forKey: .evaluatorLastTick)
        evaluatorLeader = try c.decodeIfPresent(String.self, forKey: .evaluatorLeader)
        evaluatorIntervalS = try c.decode(Double.self, forKey: .evaluatorIntervalS)
        counts = try c.decode([String: Int].self, forKey: .counts)
        runOutcomes = try c.decode([String].self, forKey: .runOutcomes)
        verifications = try c.decode([String].self, forKey: .verifications)
        openAlerts = try c.decodeIfPresent([AlertDocument].self, forKey: .openAlerts)
        activeMutes = try c.decodeIfPresent([MuteDocument].self, forKey: .activeMutes)
        unknownKeys = try c.decode([UnknownKeyDocument].self, forKey: .unknownKeys)
        outboxBacklog = try c.decode([OutboxBacklogDocument].self, forKey: .outboxBacklog)
        removedJobIDs = try c.decode([Int64].self, forKey: .removedJobIDs)
        jobs = try c.decode([BoardRowDocument].self, forKey: .jobs)
        schedules = try c.decode([ScheduleDocument].self, forKey: .schedules)
    }

    /// Reads an answer: the rows and the open alerts by hand (`BoardRowDocument.init(reading:)`,
    /// `AlertDocument.init(reading:)`), the rest — the envelope and the schedules — with `JSONDecoder`. The same
    /// document `init(from:)` reads, in half the time.
    package init(json bytes: [UInt8]) throws {
        var input = JSONInput(bytes)
        var rows: [BoardRowDocument] = []
        var alerts: [AlertDocument]?
        var rest: [UInt8] = [UInt8(ascii: "{")]
        try input.members { input, key in
            switch key {
            case CodingKeys.jobs.rawValue:
                try input.elements { rows.append(try BoardRowDocument(reading: &$0)) }
                return
            case CodingKeys.openAlerts.rawValue:
                guard try !input.null() else { return }
                var read: [AlertDocument] = []
                try input.elements { read.append(try AlertDocument(reading: &$0)) }
                alerts = read
                return
            default: break
            }
            let value = try input.skipValue()
            JSONString.append(key, to: &rest)
            rest.append(UInt8(ascii: ":"))
            rest.append(contentsOf: bytes[value])
            rest.append(UInt8(ascii: ","))
        }
        try input.end()
        rest.append(contentsOf: #""jobs":[]}"#.utf8)
        self = try APIJSON.decoder().decode(BoardDocument.self, from: Data(rest))
        jobs = rows
        openAlerts = alerts
    }

    /// `open_alerts`, `jobs` and `schedules` last, as the writer streams them.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(generatedAt, forKey: .generatedAt)
        try c.encode(version, forKey: .version)
        try c.encode(_since, forKey: .since)
        try c.encode(level, forKey: .level)
        try c.encode(stale, forKey: .stale)
        try c.encode(_evaluatorLastTick, forKey: .evaluatorLastTick)
        try c.encode(_evaluatorLeader, forKey: .evaluatorLeader)
        try c.encode(evaluatorIntervalS, forKey: .evaluatorIntervalS)
        try c.encode(counts, forKey: .counts)
        try c.encode(runOutcomes, forKey: .runOutcomes)
        try c.encode(verifications, forKey: .verifications)
        try c.encode(_activeMutes, forKey: .activeMutes)
        try c.encode(unknownKeys, forKey: .unknownKeys)
        try c.encode(outboxBacklog, forKey: .outboxBacklog)
        try c.encode(removedJobIDs, forKey: .removedJobIDs)
        guard encoder.userInfo[Self.envelopeOnly] as? Bool != true else { return }
        try c.encode(_openAlerts, forKey: .openAlerts)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(schedules, forKey: .schedules)
    }

    /// Set on an encoder to leave `open_alerts`, `jobs` and `schedules` out: `BoardDocumentWriter` streams them
    /// after the rest (a fleet may have thousands of alerts open, and `JSONEncoder` makes a tree of all it encodes).
    static let envelopeOnly = CodingUserInfoKey(rawValue: "envelopeOnly")!

    /// The fleet as the server judged it, in the server's order.
    package func report() throws -> FleetReport {
        let schedules = try readSchedules()
        return FleetReport(judged: try jobs.map { try report(of: $0, schedules: schedules) }, at: generatedAt)
    }

    /// The document's schedules read into the model, each once (10,000 rows share a few dozen).
    package func readSchedules() throws -> [Schedule] {
        try schedules.map { try $0.schedule() }
    }

    /// One row read back into the model: the job as the server judged it; `schedules` are `readSchedules()`.
    package func report(of row: BoardRowDocument, schedules: [Schedule]) throws -> JobReport {
        guard schedules.indices.contains(row.schedule) else {
            throw BoardError.invalidValue("job \(row.slug) names schedule \(row.schedule) of \(schedules.count) in the server's answer")
        }
        return try row.report(schedule: schedules[row.schedule], reading: self)
    }

    /// The job and what the board draws of its history: the runs for the sparklines (oldest first), the last
    /// heartbeat's time and problems.
    package func entry(of row: BoardRowDocument, job: Job) -> BoardSnapshot.Entry {
        let activity = JobActivity(
            jobID: row.id, lastHeartbeatAt: BoardRunPoint.date(row.lastHeartbeatAt), lastGoodAt: BoardRunPoint.date(row.lastGoodAt),
            recentRuns: row.runs.reversed().map { run($0, of: row.id) }, lastProblems: row.lastProblems)
        return BoardSnapshot.Entry(job: job, activity: activity, version: row.version)
    }

    /// A run point as a run, its codes read with this document's words.
    func run(_ point: BoardRunPoint, of jobID: Int64) -> Run {
        let outcome = runOutcomes.indices.contains(point.outcome) ? RunOutcome(rawValue: runOutcomes[point.outcome]) : nil
        let verification = point.verification.flatMap { verifications.indices.contains($0) ? Verification(rawValue: verifications[$0]) : nil }
        let startedAt = BoardRunPoint.date(point.startedAt)
        let endedAt = BoardRunPoint.date(point.endedAt)
        return Run(
            id: point.id, jobID: jobID, startedAt: startedAt, endedAt: endedAt,
            lastHeartbeatAt: BoardRunPoint.date(point.lastHeartbeatAt) ?? endedAt ?? startedAt ?? Date(timeIntervalSince1970: 0),
            outcome: outcome ?? .failed, verification: verification, reportedDuration: point.durationS,
            sizeBytes: point.sizeBytes, progress: point.progress)
    }
}

/// One job on the compact board, judged at the document's `generated_at`: what the board draws and what it
/// needs to judge restore states itself (`RestoreStates`). Times are Unix milliseconds.
package struct BoardRowDocument: Codable, Equatable {
    package let id: Int64
    /// The data version of the last write that changed this job (see `BoardChanges`).
    let version: Int64
    package let slug: String
    let name: String
    let state: String
    let evaluatedState: String
    let conditions: [String]
    let priority: String
    let muted: Bool
    let paused: Bool
    let kind: String
    let tags: [String]
    /// An index into the document's `schedules`.
    let schedule: Int
    let graceS: Double
    @Null var maxRuntimeS: Double?
    @Null var rpoS: Double?
    @Null var rtoS: Double?
    let tests: [String]
    let requireRestoreTest: Bool
    @Null var minSizeBytes: Int64?
    let createdAt: Int64
    let nextDueAt: Int64
    let deadlineAt: Int64
    let missedPeriods: Int
    @Null var lastGoodAt: Int64?
    @Null var successRate: Double?
    @Null var lastHeartbeatAt: Int64?
    let lastProblems: [String]
    /// The last run, the last finished one and the open one: an index into `runs`, or the run itself when it is
    /// not among them, or null.
    @Null var lastRun: BoardRunReference?
    @Null var lastFinishedRun: BoardRunReference?
    @Null var openRun: BoardRunReference?
    /// The last runs, newest first, for sparklines.
    let runs: [BoardRunPoint]

    enum CodingKeys: String, CodingKey {
        case id, version, slug, name, state, conditions, priority, muted, paused, kind, tags, schedule, tests, runs
        case evaluatedState = "evaluated_state"
        case graceS = "grace_s"
        case maxRuntimeS = "max_runtime_s"
        case rpoS = "rpo_s"
        case rtoS = "rto_s"
        case requireRestoreTest = "require_restore_test"
        case minSizeBytes = "min_size_bytes"
        case createdAt = "created_at"
        case nextDueAt = "next_due_at"
        case deadlineAt = "deadline_at"
        case missedPeriods = "missed_periods"
        case lastGoodAt = "last_good_at"
        case successRate = "success_rate"
        case lastHeartbeatAt = "last_heartbeat_at"
        case lastProblems = "last_problems"
        case lastRun = "last_run"
        case lastFinishedRun = "last_finished_run"
        case openRun = "open_run"
    }

    /// `entry` judged, with its activity's last `runLimit` runs; `schedule` is the index of its schedule.
    package init(_ entry: JobReport, activity: JobActivity, version: Int64, runs runLimit: Int, schedule: Int) {
        let job = entry.job
        let status = entry.status
        id = job.id ?? 0
        self.version = version
        slug = job.slug
        name = job.name
        state = status.state.rawValue
        evaluatedState = status.evaluated.rawValue
        conditions = status.conditions.map(\.rawValue)
        priority = job.priority.rawValue
        muted = entry.muted
        paused = job.paused
        kind = job.kind.rawValue
        tags = job.tags
        self.schedule = schedule
        graceS = job.grace
        maxRuntimeS = job.maxRuntime
        rpoS = job.rpo
        rtoS = job.rto
        tests = job.tests
        requireRestoreTest = job.requireRestoreTest
        minSizeBytes = job.minSize
        createdAt = BoardRunPoint.milliseconds(job.createdAt)
        nextDueAt = BoardRunPoint.milliseconds(status.dueAt)
        deadlineAt = BoardRunPoint.milliseconds(status.deadline)
        missedPeriods = status.missedPeriods
        lastGoodAt = status.lastGoodAt.map(BoardRunPoint.milliseconds)
        successRate = status.successRate
        lastHeartbeatAt = activity.lastHeartbeatAt.map(BoardRunPoint.milliseconds)
        lastProblems = activity.lastProblems
        // The activity keeps its runs oldest first; the row sends the latest `runLimit`, newest first.
        let recent = Array(activity.recentRuns.suffix(runLimit).reversed())
        runs = recent.map(BoardRunPoint.init)
        func reference(_ run: Run?) -> BoardRunReference? {
            guard let run else { return nil }
            if let id = run.id, let index = recent.firstIndex(where: { $0.id == id }), recent[index] == run {
                return .index(index)
            }
            return .point(BoardRunPoint(run))
        }
        lastRun = reference(status.lastRun)
        lastFinishedRun = reference(status.lastFinishedRun)
        openRun = reference(status.openRun)
    }

    /// Reads the row object that starts at `input` by hand (`JSONInput`), as `JSONDecoder` reads it: a missing or
    /// null optional is nil, a key this client does not know is passed over.
    init(reading input: inout JSONInput) throws {
        var id: Int64?, version: Int64?, slug: String?, name: String?, state: String?, evaluatedState: String?
        var conditions: [String]?, priority: String?, muted: Bool?, paused: Bool?, kind: String?, tags: [String]?
        var schedule: Int?, graceS: Double?, maxRuntimeS: Double?, rpoS: Double?, rtoS: Double?, tests: [String]?
        var requireRestoreTest: Bool?, minSizeBytes: Int64?, createdAt: Int64?, nextDueAt: Int64?, deadlineAt: Int64?
        var missedPeriods: Int?, lastGoodAt: Int64?, successRate: Double?, lastHeartbeatAt: Int64?
        var lastProblems: [String]?, lastRun: BoardRunReference?, lastFinishedRun: BoardRunReference?
        var openRun: BoardRunReference?, runs: [BoardRunPoint]?
        try input.members { input, key in
            switch key {
            case "id": id = try input.integer()
            case "version": version = try input.integer()
            case "slug": slug = try input.string()
            case "name": name = try input.string()
            case "state": state = try input.string()
            case "evaluated_state": evaluatedState = try input.string()
            case "conditions": conditions = try input.strings()
            case "priority": priority = try input.string()
            case "muted": muted = try input.bool()
            case "paused": paused = try input.bool()
            case "kind": kind = try input.string()
            case "tags": tags = try input.strings()
            case "schedule": schedule = try input.int()
            case "grace_s": graceS = try input.double()
            case "max_runtime_s": maxRuntimeS = try input.optionalDouble()
            case "rpo_s": rpoS = try input.optionalDouble()
            case "rto_s": rtoS = try input.optionalDouble()
            case "tests": tests = try input.strings()
            case "require_restore_test": requireRestoreTest = try input.bool()
            case "min_size_bytes": minSizeBytes = try input.optionalInteger()
            case "created_at": createdAt = try input.integer()
            case "next_due_at": nextDueAt = try input.integer()
            case "deadline_at": deadlineAt = try input.integer()
            case "missed_periods": missedPeriods = try input.int()
            case "last_good_at": lastGoodAt = try input.optionalInteger()
            case "success_rate": successRate = try input.optionalDouble()
            case "last_heartbeat_at": lastHeartbeatAt = try input.optionalInteger()
            case "last_problems": lastProblems = try input.strings()
            case "last_run": lastRun = try BoardRunReference.read(&input)
            case "last_finished_run": lastFinishedRun = try BoardRunReference.read(&input)
            case "open_run": openRun = try BoardRunReference.read(&input)
            case "runs":
                var points: [BoardRunPoint] = []
                try input.elements { points.append(try BoardRunPoint(reading: &$0)) }
                runs = points
            default: try input.skipValue()
            }
        }
        func required<Value>(_ value: Value?, _ key: String) throws -> Value {
            guard let value else { throw BoardError.invalidValue("a job on the server's board without \(key)") }
            return value
        }
        self.id = try required(id, "id")
        self.version = try required(version, "version")
        self.slug = try required(slug, "slug")
        self.name = try required(name, "name")
        self.state = try required(state, "state")
        self.evaluatedState = try required(evaluatedState, "evaluated_state")
        self.conditions = try required(conditions, "conditions")
        self.priority = try required(priority, "priority")
        self.muted = try required(muted, "muted")
        self.paused = try required(paused, "paused")
        self.kind = try required(kind, "kind")
        self.tags = try required(tags, "tags")
        self.schedule = try required(schedule, "schedule")
        self.graceS = try required(graceS, "grace_s")
        _maxRuntimeS = Null(wrappedValue: maxRuntimeS)
        _rpoS = Null(wrappedValue: rpoS)
        _rtoS = Null(wrappedValue: rtoS)
        self.tests = try required(tests, "tests")
        self.requireRestoreTest = try required(requireRestoreTest, "require_restore_test")
        _minSizeBytes = Null(wrappedValue: minSizeBytes)
        self.createdAt = try required(createdAt, "created_at")
        self.nextDueAt = try required(nextDueAt, "next_due_at")
        self.deadlineAt = try required(deadlineAt, "deadline_at")
        self.missedPeriods = try required(missedPeriods, "missed_periods")
        _lastGoodAt = Null(wrappedValue: lastGoodAt)
        _successRate = Null(wrappedValue: successRate)
        _lastHeartbeatAt = Null(wrappedValue: lastHeartbeatAt)
        self.lastProblems = try required(lastProblems, "last_problems")
        _lastRun = Null(wrappedValue: lastRun)
        _lastFinishedRun = Null(wrappedValue: lastFinishedRun)
        _openRun = Null(wrappedValue: openRun)
        self.runs = try required(runs, "runs")
    }

    /// The job as the server judged it, for rendering with the local formatters.
    func report(schedule: Schedule, reading document: BoardDocument) throws -> JobReport {
        func jobState(_ text: String) throws -> JobState {
            guard let state = JobState(rawValue: text) else {
                throw BoardError.invalidValue("unknown job state '\(text)' in the server's answer")
            }
            return state
        }
        func run(_ reference: BoardRunReference?) throws -> Run? {
            switch reference {
            case nil: return nil
            case .point(let point): return document.run(point, of: id)
            case .index(let index):
                guard runs.indices.contains(index) else {
                    throw BoardError.invalidValue("job \(slug) names run \(index) of \(runs.count) in the server's answer")
                }
                return document.run(runs[index], of: id)
            }
        }
        let job = Job(
            id: id, slug: slug, name: name, pingKey: "", schedule: schedule, grace: graceS, maxRuntime: maxRuntimeS,
            kind: BackupKind(rawValue: kind) ?? .other, priority: JobPriority(rawValue: priority) ?? .medium,
            minSize: minSizeBytes, rpo: rpoS, rto: rtoS, tests: tests, requireRestoreTest: requireRestoreTest, tags: tags,
            paused: paused, createdAt: BoardRunPoint.date(createdAt) ?? Date(timeIntervalSince1970: 0))
        let status = JobStatus(
            shown: try jobState(state), evaluated: try jobState(evaluatedState), dueAt: BoardRunPoint.date(nextDueAt)!,
            deadline: BoardRunPoint.date(deadlineAt)!, missedPeriods: missedPeriods, lastRun: try run(lastRun),
            lastFinishedRun: try run(lastFinishedRun), openRun: try run(openRun),
            lastGoodAt: BoardRunPoint.date(lastGoodAt), successRate: successRate, conditions: try conditions.map(jobState))
        return JobReport(job: job, status: status, muted: muted)
    }
}

/// A run on the compact board, written as an array:
/// `[id, outcome, started_at, ended_at, last_heartbeat_at, duration_s, size_bytes, verification, progress]`,
/// times in Unix milliseconds, `outcome` and `verification` as indexes into the document's `run_outcomes` and
/// `verifications`; nulls at the end are left out.
package struct BoardRunPoint: Codable, Equatable, Sendable {
    var id: Int64?
    var outcome: Int
    var startedAt: Int64?
    var endedAt: Int64?
    var lastHeartbeatAt: Int64?
    var durationS: Double?
    var sizeBytes: Int64?
    var verification: Int?
    var progress: Double?

    private static let outcomeCodes = Dictionary(uniqueKeysWithValues: RunOutcome.allCases.enumerated().map { ($1, $0) })
    private static let verificationCodes = Dictionary(uniqueKeysWithValues: Verification.allCases.enumerated().map { ($1, $0) })

    init(_ run: Run) {
        id = run.id
        outcome = Self.outcomeCodes[run.outcome] ?? 0
        startedAt = run.startedAt.map(Self.milliseconds)
        endedAt = run.endedAt.map(Self.milliseconds)
        // The last heartbeat of a finished run is its end, mostly: written only when it says more.
        lastHeartbeatAt = run.lastHeartbeatAt == (run.endedAt ?? run.startedAt) ? nil : Self.milliseconds(run.lastHeartbeatAt)
        // A run with both times has its duration from them (`Run.duration`): the reported one is sent only without.
        durationS = run.startedAt != nil && run.endedAt != nil ? nil : run.reportedDuration
        sizeBytes = run.sizeBytes
        verification = run.verification.flatMap { Self.verificationCodes[$0] }
        progress = run.progress
    }

    package init(from decoder: any Decoder) throws {
        // Nil at a null or past the end (nulls at the end are left out). 300,000 points make a board of 10,000
        // jobs: one concrete call a field, not a generic one.
        var c = try decoder.unkeyedContainer()
        id = try c.decodeIfPresent(Int64.self)
        outcome = try c.decodeIfPresent(Int.self) ?? 0
        startedAt = try c.decodeIfPresent(Int64.self)
        endedAt = try c.decodeIfPresent(Int64.self)
        lastHeartbeatAt = try c.decodeIfPresent(Int64.self)
        durationS = try c.decodeIfPresent(Double.self)
        sizeBytes = try c.decodeIfPresent(Int64.self)
        verification = try c.decodeIfPresent(Int.self)
        progress = try c.decodeIfPresent(Double.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        let fields: [(any Encodable)?] = [id, outcome, startedAt, endedAt, lastHeartbeatAt, durationS, sizeBytes, verification, progress]
        let count = (fields.lastIndex { $0 != nil } ?? -1) + 1
        for field in fields.prefix(count) {
            if let field { try c.encode(field) } else { try c.encodeNil() }
        }
    }

    /// A date as whole Unix milliseconds.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000).rounded())
    }

    static func date(_ milliseconds: Int64?) -> Date? {
        milliseconds.map { Date(timeIntervalSince1970: Double($0) / 1_000) }
    }
}

/// A row's last, last finished or open run: an index into its `runs`, or the run itself.
package enum BoardRunReference: Codable, Equatable, Sendable {
    case index(Int)
    case point(BoardRunPoint)

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let index = try? c.decode(Int.self) {
            self = .index(index)
        } else {
            self = .point(try c.decode(BoardRunPoint.self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .index(let index): try c.encode(index)
        case .point(let point): try c.encode(point)
        }
    }
}

/// Writes a `BoardDocument` as JSON in chunks, making one row at a time, so the answer for 10,000 jobs never
/// sits in memory whole: the envelope up to `"jobs":[`, the rows (written by hand, `BoardRowDocument+JSON`),
/// then the schedules the rows named.
package struct BoardDocumentWriter: Sendable {
    /// About how many bytes each chunk holds.
    package static let chunkSize = 64 * 1024

    let envelope: BoardDocument
    let report: FleetReport
    let board: BoardSnapshot
    let changes: BoardChanges
    let runs: Int

    /// The answer for `board` judged as `report`, with the jobs changed since `changes.since` (all, when
    /// `full`), each with its last `runs` runs.
    package init(
        board: BoardSnapshot, report: FleetReport, changes: BoardChanges, full: Bool, runs: Int, stale: Bool,
        evaluatorInterval: TimeInterval
    ) {
        envelope = BoardDocument(
            board: board, report: report, changes: changes, full: full, stale: stale, evaluatorInterval: evaluatorInterval)
        self.report = report
        self.board = board
        self.changes = changes
        self.runs = runs
    }

    /// Hands `emit` the document's bytes, chunk by chunk; they read back as the document encoded whole.
    package func write(_ emit: ([UInt8]) async throws -> Void) async throws {
        let encoder = APIJSON.encoder()
        let envelopeEncoder = APIJSON.encoder()
        envelopeEncoder.userInfo[BoardDocument.envelopeOnly] = true
        let head = Array(try envelopeEncoder.encode(envelope))
        guard head.last == UInt8(ascii: "}") else { throw BoardError.invalidValue("the board's envelope is not a JSON object") }
        var chunk = JSONOutput(bytes: Array(head.dropLast()))
        chunk.bytes.reserveCapacity(Self.chunkSize + 4_096)
        // The open alerts one by one, written by hand.
        chunk.key("open_alerts")
        if let alerts = envelope.openAlerts {
            chunk.openArray()
            for (index, alert) in alerts.enumerated() {
                // The comma by hand: the chunk before may have just been handed on, leaving nothing to follow.
                if index > 0 { chunk.bytes.append(UInt8(ascii: ",")) }
                alert.write(to: &chunk)
                try await emitFull(&chunk, emit)
            }
            chunk.closeArray()
        } else {
            chunk.null()
        }
        chunk.bytes.append(contentsOf: #","jobs":["#.utf8)
        let activities = Dictionary(board.entries.map { ($0.activity.jobID, $0.activity) }, uniquingKeysWith: { a, _ in a })
        var schedules: [ScheduleDocument] = []
        var scheduleIndex: [ScheduleDocument: Int] = [:]
        var first = true
        for entry in report.jobs {
            let id = entry.job.id ?? 0
            guard let version = changes.jobVersions[id] else { continue }
            let schedule = ScheduleDocument(entry.job.schedule)
            let index = scheduleIndex[schedule] ?? {
                schedules.append(schedule)
                scheduleIndex[schedule] = schedules.count - 1
                return schedules.count - 1
            }()
            let row = BoardRowDocument(
                entry, activity: activities[id] ?? JobActivity(jobID: id), version: version, runs: runs, schedule: index)
            if !first { chunk.bytes.append(UInt8(ascii: ",")) }
            first = false
            try row.write(to: &chunk)
            try await emitFull(&chunk, emit)
        }
        chunk.bytes.append(contentsOf: #"],"schedules":"#.utf8)
        chunk.bytes.append(contentsOf: try encoder.encode(schedules))
        chunk.bytes.append(contentsOf: "}\n".utf8)
        try await emit(chunk.bytes)
    }

    /// Hands `emit` the chunk once it holds `chunkSize` bytes, and starts the next.
    private func emitFull(_ chunk: inout JSONOutput, _ emit: ([UInt8]) async throws -> Void) async throws {
        guard chunk.bytes.count >= Self.chunkSize else { return }
        try await emit(chunk.bytes)
        chunk.bytes.removeAll(keepingCapacity: true)
    }

    /// The whole document's bytes at once (tests, small boards).
    package func bytes() async throws -> [UInt8] {
        var bytes: [UInt8] = []
        try await write { bytes.append(contentsOf: $0) }
        return bytes
    }
}
