import BoardModel
import Foundation

/// The JSON shape of `backupboard status --json`; stable keys for scripts.
package struct StatusDocument: Encodable {
    /// One job; also the core of a job in `GET /api/v1/jobs/SLUG` (`BoardJobDocument`).
    package struct JobEntry: Codable, Equatable {
        package let slug: String
        package let name: String
        package let state: String
        package let evaluatedState: String
        package let level: String
        package let muted: Bool
        package let paused: Bool
        package let priority: String
        @Null package var lastRunAt: Date?
        @Null package var lastRunOutcome: String?
        package let nextDueAt: Date
        @Null package var overdueSince: Date?
        @Null package var lastDurationS: Double?
        @Null package var lastSizeBytes: Int64?
        @Null package var lastGoodAt: Date?
        @Null package var backupAgeS: Double?
        @Null package var rpoS: Double?
        @Null package var successRate: Double?
        /// The job's restore state (docs/restore-tests.md); null for a job with no RTO that no restore test proves.
        @Null package var restore: RestoreDocument?

        package enum CodingKeys: String, CodingKey {
            case slug, name, state, level, muted, paused, priority, restore
            case evaluatedState = "evaluated_state"
            case lastRunAt = "last_run_at"
            case lastRunOutcome = "last_run_outcome"
            case nextDueAt = "next_due_at"
            case overdueSince = "overdue_since"
            case lastDurationS = "last_duration_s"
            case lastSizeBytes = "last_size_bytes"
            case lastGoodAt = "last_good_at"
            case backupAgeS = "backup_age_s"
            case rpoS = "rpo_s"
            case successRate = "success_rate"
        }
    }

    package let generatedAt: Date
    package let level: String
    package let stale: Bool
    @Null package var evaluatorLastTick: Date?
    package let counts: [String: Int]
    package let jobs: [JobEntry]

    package enum CodingKeys: String, CodingKey {
        case level, stale, counts, jobs
        case generatedAt = "generated_at"
        case evaluatorLastTick = "evaluator_last_tick"
    }

    package init(report: FleetReport, stale: Bool, evaluatorLastTick: Date?) {
        generatedAt = report.now
        level = Self.word(report.level)
        self.stale = stale
        self.evaluatorLastTick = evaluatorLastTick
        counts = Dictionary(uniqueKeysWithValues: report.countsByState.map { ($0.key.rawValue, $0.value) })
        let restore = report.restoreStates
        jobs = report.jobs.map { JobEntry($0, restore: restore[$0.job], at: report.now) }
    }

    package static func word(_ level: StateLevel) -> String {
        switch level {
        case .ok: "ok"
        case .warning: "warning"
        case .critical: "critical"
        }
    }

    /// Pretty, sorted-key JSON with ISO 8601 dates.
    package func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension StatusDocument.JobEntry {
    /// The entry of one judged job with its restore state, its backup and restore ages at `now`.
    package init(_ entry: JobReport, restore: RestoreState?, at now: Date) {
        let status = entry.status
        self.init(
            slug: entry.job.slug, name: entry.job.name, state: status.state.rawValue,
            evaluatedState: status.evaluated.rawValue, level: StatusDocument.word(status.level), muted: entry.muted,
            paused: entry.job.paused, priority: entry.job.priority.rawValue,
            lastRunAt: status.lastRun?.time, lastRunOutcome: status.lastRun?.outcome.rawValue,
            nextDueAt: status.dueAt,
            overdueSince: status.evaluated == .overdue ? status.deadline : nil,
            lastDurationS: status.lastFinishedRun?.duration, lastSizeBytes: status.lastFinishedRun?.sizeBytes,
            lastGoodAt: status.lastGoodAt, backupAgeS: status.backupAge(at: now), rpoS: entry.job.rpo,
            successRate: status.successRate, restore: restore.map { RestoreDocument($0, at: now) })
    }
}

/// A job's restore state in `status --json` and the API's board: what the restore tests that prove it showed.
package struct RestoreDocument: Codable, Equatable {
    /// `proved`, `untested`, `overdue`, `rto_breach` or `failed`: the worst of `conditions`.
    package let verdict: String
    package let conditions: [String]
    /// The restore tests proving the job, by slug.
    package let tests: [String]
    /// Whether the job must be tested (`require_restore_test`).
    package let required: Bool
    @Null package var lastTest: String?
    @Null package var lastTestAt: Date?
    @Null package var lastTestOutcome: String?
    @Null package var lastRestoredAt: Date?
    @Null package var restoreAgeS: Double?
    @Null package var restoreDurationS: Double?
    @Null package var rtoS: Double?
    @Null package var dueBy: Date?
    @Null package var periodS: Double?
    package let missedPeriods: Int

    package enum CodingKeys: String, CodingKey {
        case verdict, conditions, tests, required
        case lastTest = "last_test"
        case lastTestAt = "last_test_at"
        case lastTestOutcome = "last_test_outcome"
        case lastRestoredAt = "last_restored_at"
        case restoreAgeS = "restore_age_s"
        case restoreDurationS = "restore_duration_s"
        case rtoS = "rto_s"
        case dueBy = "due_by"
        case periodS = "period_s"
        case missedPeriods = "missed_periods"
    }

    package init(_ state: RestoreState, at now: Date) {
        verdict = state.verdict.rawValue
        conditions = state.conditions.map(\.rawValue)
        tests = state.tests
        required = state.required
        lastTest = state.lastTestSlug
        lastTestAt = state.lastTest?.time
        lastTestOutcome = state.lastTest?.outcome.rawValue
        lastRestoredAt = state.lastRestoredAt
        restoreAgeS = state.restoreAge(at: now)
        restoreDurationS = state.restoreDuration
        rtoS = state.rto
        dueBy = state.dueBy
        periodS = state.period
        missedPeriods = state.missedPeriods
    }
}
