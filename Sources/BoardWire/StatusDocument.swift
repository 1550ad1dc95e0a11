import BoardModel
import Foundation

/// The JSON shape of `backupboard status --json`; stable keys for scripts.
package struct StatusDocument: Encodable {
    /// One job; also the core of each job in the JSON API's board (`BoardJobDocument`), which decodes it.
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

        package enum CodingKeys: String, CodingKey {
            case slug, name, state, level, muted, paused, priority
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
        jobs = report.jobs.map { JobEntry($0, at: report.now) }
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
    /// The entry of one judged job, its backup age at `now`.
    package init(_ entry: JobReport, at now: Date) {
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
            successRate: status.successRate)
    }
}
