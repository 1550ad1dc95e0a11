import BoardModel
import Foundation

/// Turns a fleet report into what `backupboard status` prints: a table, JSON, or one line for a status bar.
struct StatusFormatter {
    let report: FleetReport
    let glyphs: GlyphSet

    /// The table: state (glyph and word), job, last run, next due or how long overdue, last duration, last size.
    func table() -> String {
        let header = ["", "STATE", "JOB", "LAST RUN", "NEXT DUE", "DURATION", "SIZE"]
        let rows = report.jobs.map { entry -> [String] in
            let status = entry.status
            let lastRun = status.lastRun
            return [
                glyphs.symbol(status.state),
                status.state.word + (entry.muted ? " (muted)" : ""),
                entry.job.slug,
                lastRun.map { ago($0.time) } ?? "never",
                dueText(status),
                status.lastFinishedRun?.duration.map(HumanUnits.shortDuration) ?? "-",
                status.lastFinishedRun?.sizeBytes.map(HumanUnits.formatSize) ?? "-",
            ]
        }
        return Self.align([header] + rows)
    }

    /// `✔ 42 ⚠ 2 ✖ 1`: jobs by level, paused ones left out, zero levels left out except ok.
    func oneLine() -> String {
        let counts = report.countsByLevel
        return [StateLevel.ok, .warning, .critical]
            .filter { $0 == .ok || counts[$0, default: 0] > 0 }
            .map { "\(glyphs.symbol($0)) \(counts[$0, default: 0])" }
            .joined(separator: " ")
    }

    /// Lines under the table: a stale evaluator, and keys that got 404s (a mistyped URL looks like a dead job).
    func notes(unknownKeys: [UnknownKey], stale: Bool, lastTick: Date?) -> [String] {
        var lines: [String] = []
        if stale, let lastTick {
            lines.append("")
            lines.append("\(glyphs.symbol(.overdue)) The evaluator of `backupboard serve` last ran \(ago(lastTick)): these states may be stale.")
        }
        if !unknownKeys.isEmpty {
            lines.append("")
            lines.append("\(glyphs.symbol(.overdue)) Heartbeats for unknown keys (mistyped ping URLs?):")
            for key in unknownKeys.prefix(5) {
                let agent = key.lastUserAgent.map { ", \($0)" } ?? ""
                lines.append("    \(key.keyPrefix)…  \(key.count)×, last \(ago(key.lastSeenAt)) from \(key.lastSource ?? "?")\(agent)")
            }
            if unknownKeys.count > 5 { lines.append("    and \(unknownKeys.count - 5) more") }
        }
        return lines
    }

    /// `in 3h05m`, `late 12m`, `overdue 2h10m`, or `running 40%` for a run in progress.
    func dueText(_ status: JobStatus) -> String {
        TimeText.due(status, now: report.now)
    }

    private func ago(_ date: Date) -> String {
        TimeText.ago(date, now: report.now)
    }

    /// Left-aligned columns two spaces apart, trailing spaces trimmed.
    static func align(_ rows: [[String]]) -> String {
        let widths = rows.reduce(into: [Int](repeating: 0, count: rows.first?.count ?? 0)) { widths, row in
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
            .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        .joined(separator: "\n")
    }
}

/// The JSON shape of `backupboard status --json`; stable keys for scripts.
struct StatusDocument: Encodable {
    /// One job; also the core of each job in the JSON API's board (`BoardJobDocument`), which decodes it.
    struct JobEntry: Codable, Equatable {
        let slug: String
        let name: String
        let state: String
        let evaluatedState: String
        let level: String
        let muted: Bool
        let paused: Bool
        let priority: String
        @Null var lastRunAt: Date?
        @Null var lastRunOutcome: String?
        let nextDueAt: Date
        @Null var overdueSince: Date?
        @Null var lastDurationS: Double?
        @Null var lastSizeBytes: Int64?
        @Null var lastGoodAt: Date?
        @Null var backupAgeS: Double?
        @Null var rpoS: Double?
        @Null var successRate: Double?

        enum CodingKeys: String, CodingKey {
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

    let generatedAt: Date
    let level: String
    let stale: Bool
    @Null var evaluatorLastTick: Date?
    let counts: [String: Int]
    let jobs: [JobEntry]

    enum CodingKeys: String, CodingKey {
        case level, stale, counts, jobs
        case generatedAt = "generated_at"
        case evaluatorLastTick = "evaluator_last_tick"
    }

    init(report: FleetReport, stale: Bool, evaluatorLastTick: Date?) {
        generatedAt = report.now
        level = Self.word(report.level)
        self.stale = stale
        self.evaluatorLastTick = evaluatorLastTick
        counts = Dictionary(uniqueKeysWithValues: report.countsByState.map { ($0.key.rawValue, $0.value) })
        jobs = report.jobs.map { JobEntry($0, at: report.now) }
    }

    static func word(_ level: StateLevel) -> String {
        switch level {
        case .ok: "ok"
        case .warning: "warning"
        case .critical: "critical"
        }
    }

    /// Pretty, sorted-key JSON with ISO 8601 dates.
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension StatusDocument.JobEntry {
    /// The entry of one judged job, its backup age at `now`.
    init(_ entry: JobReport, at now: Date) {
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
