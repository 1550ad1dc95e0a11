import BoardModel
import Foundation

/// One job in full (Enter): metadata, schedule and the next expected runs, the last 20 runs, the last
/// error, the last changes to its definition (who, when, what), the output tail, the raw last payload and its
/// parse problems. A scrollable list of lines.
struct DetailView {
    /// A piece of a line in one style.
    struct Segment: Sendable, Equatable {
        var text: String
        var style: Style

        init(_ text: String, _ style: Style = .normal) {
            self.text = text
            self.style = style
        }
    }

    typealias Line = [Segment]

    /// How many runs the view lists.
    static let runLimit = 20
    /// How many expected times it lists.
    static let expectedCount = 5
    /// How many changes to the definition it lists.
    static let changeLimit = 5

    let state: BoardState
    let glyphs: GlyphSet
    private let dayTimeFormatter: DateFormatter

    init(state: BoardState, glyphs: GlyphSet) {
        self.state = state
        self.glyphs = glyphs
        dayTimeFormatter = DateFormatter()
        dayTimeFormatter.locale = Locale(identifier: "en_US_POSIX")
        dayTimeFormatter.timeZone = state.timeZone
        dayTimeFormatter.dateFormat = "EEE MM-dd HH:mm"
    }

    /// How many lines the open detail has at the state's width (for scrolling).
    static func lineCount(_ state: BoardState) -> Int {
        DetailView(state: state, glyphs: .ascii).lines(width: state.width).count
    }

    /// Draws the lines from the detail's scroll position into `area`.
    func draw(into buffer: inout ScreenBuffer, area: Rect) {
        guard let detail = state.detail, area.width > 0, area.height > 0 else { return }
        let all = lines(width: area.width)
        let first = max(0, min(detail.scroll, all.count - area.height))
        for (offset, line) in all.dropFirst(first).prefix(area.height).enumerated() {
            var x = area.x
            for segment in line where x < area.x + area.width {
                x = buffer.text(segment.text, x: x, y: area.y + offset, width: area.x + area.width - x, style: segment.style, glyphs: glyphs)
            }
        }
    }

    /// `restore  restored 12d ago in 42m ≤ RTO 4h by pg-restore-drill`, or `untested`, `RTO breached` …
    func restoreLine(_ restore: RestoreState, job: Job) -> Line {
        let now = state.now
        let atMost = glyphs.unicode ? "≤" : "<="
        let text: String
        var role: StyleRole = .ok
        var restored = restore.restoreAge(at: now).map { "restored \(HumanUnits.shortDuration($0)) ago" } ?? "never restored"
        if let duration = restore.restoreDuration { restored += " in \(HumanUnits.shortDuration(duration))" }
        switch restore.verdict {
        case .untested:
            text = "untested: no restore test proves it" + (restore.required ? " (required)" : "")
            role = restore.required ? .warn : .dim
        case .failed:
            let when = restore.lastTest.map { " " + HumanUnits.shortDuration(now.timeIntervalSince($0.time)) + " ago" } ?? ""
            text = "restore failed\(when); last good: \(restored)"
            role = .fail
        case .rtoBreach:
            text = "RTO breached: \(restored) > RTO \(restore.rto.map(HumanUnits.formatDuration) ?? "-")"
            role = .fail
        case .overdue:
            let due = restore.dueBy.map { " (due \(HumanUnits.shortDuration(max(0, now.timeIntervalSince($0)))) ago)" } ?? ""
            text = "restore overdue\(due): \(restored)"
            role = restore.missedPeriods >= job.alerting.restoreEscalationPeriods ? .fail : .warn
        case .proved:
            let within = restore.rto.flatMap { rto in
                restore.restoreDuration.map { _ in " \(atMost) RTO \(HumanUnits.formatDuration(rto))" }
            }
            text = restored + (within ?? "")
        }
        var line: Line = [Segment("restore ", Style(.dim)), Segment(text, Style(role))]
        if !restore.tests.isEmpty { line.append(Segment(" by " + restore.tests.joined(separator: ", "), Style(.dim))) }
        return line
    }

    /// Every line of the detail for a screen `width` columns wide.
    func lines(width: Int) -> [Line] {
        guard let detail = state.detail else { return [] }
        guard let entry = state.jobReport(slug: detail.slug) else {
            return [[Segment("\(detail.slug) is no longer on the board (removed?). Esc goes back.", Style(.warn))]]
        }
        // A remote board's jobs carry only what the board document has; the detail brings the rest.
        let job = detail.data?.job ?? entry.job
        let status = entry.status
        let now = state.now
        var lines: [Line] = []
        let role = BoardRenderer.role(for: entry)
        var title: Line = [
            Segment(glyphs.symbol(status.state) + " " + status.state.word, Style(role, bold: true)),
            Segment("  " + job.name, Style(.title, bold: true)),
        ]
        if job.name != job.slug { title.append(Segment(" (\(job.slug))", Style(.dim))) }
        if entry.muted { title.append(Segment("  muted", Style(.muted))) }
        lines.append(title)
        if let description = job.description, !description.isEmpty { lines.append([Segment(description, Style(.dim))]) }
        lines.append(fields([
            ("kind", job.kind.rawValue + (job.chainParent.map { " of \($0)" } ?? "")),
            ("priority", job.priority.rawValue), ("owner", job.owner ?? "-"), ("escalation", job.escalation ?? "-"),
        ]))
        lines.append(fields([
            ("protects", job.protects.isEmpty ? "-" : job.protects.joined(separator: ", ")),
            ("RPO", job.rpo.map(HumanUnits.formatDuration) ?? "-"), ("RTO", job.rto.map(HumanUnits.formatDuration) ?? "-"),
            ("tags", job.tags.isEmpty ? "-" : job.tags.joined(separator: ", ")),
        ]))
        var health = [("schedule", job.schedule.description), ("grace", HumanUnits.formatDuration(job.grace))]
        if let maxRuntime = job.maxRuntime { health.append(("max runtime", HumanUnits.formatDuration(maxRuntime))) }
        if let minSize = job.minSize { health.append(("min size", HumanUnits.formatSize(minSize))) }
        lines.append(fields(health))
        let expected = detail.expected
        lines.append(fields([
            ("next", expected.isEmpty ? "paused" : expected.map(dayTime).joined(separator: ", ")),
        ]))
        lines.append(fields([
            ("due", TimeText.due(status, now: now)),
            ("backup age", status.backupAge(at: now).map(HumanUnits.shortDuration) ?? "no good run"),
            ("success 30d", status.successRate.map { "\(Int(($0 * 100).rounded(.down)))%" } ?? "-"),
        ]))
        if let restore = state.restore[job] { lines.append(restoreLine(restore, job: job)) }
        if job.kind == .restoreTest {
            lines.append(fields([("proves", job.tests.isEmpty ? "-" : job.tests.joined(separator: ", "))]))
        }
        lines.append([])

        guard let data = detail.data else {
            lines.append([Segment("loading runs and the last heartbeat...", Style(.dim))])
            return lines
        }
        lines.append([Segment("LAST RUNS", Style(.header, bold: true))])
        let runs = Array(data.runs.prefix(Self.runLimit))
        if runs.isEmpty {
            lines.append([Segment("  no runs yet", Style(.dim))])
        } else {
            lines.append([Segment("  " + Self.runColumns("STARTED", "OUTCOME", "TOOK", "SIZE", "MESSAGE"), Style(.dim))])
            for run in runs {
                let outcome = Self.outcomeWord(run, minSize: job.minSize)
                lines.append([
                    Segment("  " + Self.pad(dayTime(run.time), 16)),
                    Segment(Self.pad(Self.withAttempts(outcome.word, run), 21), Style(outcome.role)),
                    Segment(Self.pad(run.duration.map(HumanUnits.shortDuration) ?? "-", 7)
                        + Self.pad(run.sizeBytes.map(HumanUnits.formatSize) ?? "-", 8) + (run.message ?? "")),
                ])
            }
        }
        lines.append([])
        if let failed = runs.first(where: { !$0.isGood(minSize: job.minSize) && $0.outcome != .running }) {
            lines.append([Segment("LAST ERROR ", Style(.header, bold: true)), Segment(dayTime(failed.time), Style(.dim))])
            let text = failed.message ?? failed.exitCode.map { "exit code \($0)" } ?? Self.outcomeWord(failed, minSize: job.minSize).word
            lines += wrap(text, width: width, style: Style(.fail))
        } else {
            lines.append([Segment("LAST ERROR ", Style(.header, bold: true)), Segment("none in the last \(runs.count) runs", Style(.dim))])
        }
        lines.append([])
        lines.append([Segment("CHANGES", Style(.header, bold: true))])
        if data.changes.isEmpty {
            lines.append([Segment("  none recorded", Style(.dim))])
        }
        for change in data.changes.prefix(Self.changeLimit) {
            let what = change.change.isEmpty ? "" : change.change + " "
            lines += wrap(
                Self.pad(dayTime(change.at), 16) + Self.pad(change.action.rawValue, 7) + what + "\(glyphs.dot) " + change.actor,
                width: width, style: .normal)
        }
        guard let heartbeat = data.lastHeartbeat else {
            lines.append([Segment("no heartbeat received yet", Style(.dim))])
            return lines
        }
        if let output = heartbeat.report.output, !output.isEmpty {
            lines.append([])
            lines.append([Segment("OUTPUT TAIL", Style(.header, bold: true))])
            lines += wrap(output, width: width, style: .normal)
        }
        lines.append([])
        let received = "\(heartbeat.method) \(heartbeat.contentType ?? "no content type"), received \(TimeText.ago(heartbeat.receivedAt, now: now))"
            + (heartbeat.source.map { " from \($0)" } ?? "")
        lines.append([Segment("LAST PAYLOAD ", Style(.header, bold: true)), Segment(received, Style(.dim))])
        let body = String(decoding: heartbeat.body, as: UTF8.self)
        lines += body.isEmpty ? [[Segment("  (empty body)", Style(.dim))]] : wrap(body, width: width, style: .normal)
        if heartbeat.truncatedBytes > 0 {
            lines.append([Segment("  ... \(heartbeat.truncatedBytes) more bytes were not kept", Style(.dim))])
        }
        lines.append([])
        let problems = heartbeat.report.problems
        lines.append([Segment("PARSE PROBLEMS", Style(.header, bold: true))])
        if problems.isEmpty {
            lines.append([Segment("  none", Style(.dim))])
        } else {
            for problem in problems { lines += wrap("- " + problem, width: width, style: Style(.warn)) }
        }
        return lines
    }

    /// `kind full · priority critical · owner dba`.
    private func fields(_ pairs: [(String, String)]) -> Line {
        var line: Line = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { line.append(Segment(" \(glyphs.dot) ", Style(.dim))) }
            line.append(Segment(pair.0 + " ", Style(.dim)))
            line.append(Segment(pair.1))
        }
        return line
    }

    /// Text split at newlines and cut into pieces that fit, indented by two.
    private func wrap(_ text: String, width: Int, style: Style) -> [Line] {
        let room = max(1, width - 2)
        var lines: [Line] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = Substring(paragraph.replacingOccurrences(of: "\r", with: ""))
            repeat {
                lines.append([Segment("  " + rest.prefix(room), style)])
                rest = rest.dropFirst(room)
            } while !rest.isEmpty
        }
        return lines
    }

    /// `Tue 05-12 02:30` in the board's time zone.
    private func dayTime(_ date: Date) -> String {
        dayTimeFormatter.string(from: date)
    }

    /// A run row: started, outcome, took, size, message.
    private static func runColumns(_ started: String, _ outcome: String, _ took: String, _ size: String, _ message: String) -> String {
        pad(started, 16) + pad(outcome, 21) + pad(took, 7) + pad(size, 8) + message
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    /// `completed, attempt 2`: the outcome of a run that `run --attempts` retried, with the attempt it ended on
    /// (a failed run's exit code makes room for it, so the column stays aligned; the message column says it).
    static func withAttempts(_ word: String, _ run: Run) -> String {
        guard run.neededRetry, let attempts = run.attempts else { return word }
        return (run.outcome == .failed ? "failed" : word) + ", attempt \(attempts)"
    }

    /// `completed`, `failed (exit 2)`, `verification failed`, `below min size`, `abandoned`, `running 40%`.
    static func outcomeWord(_ run: Run, minSize: Int64?) -> (word: String, role: StyleRole) {
        if run.verification == .failed { return ("verification failed", .fail) }
        switch run.outcome {
        case .running: return ("running" + (run.progress.map { " \(Int($0))%" } ?? ""), .running)
        case .abandoned: return ("abandoned", .fail)
        case .failed: return ("failed" + (run.exitCode.map { " (exit \($0))" } ?? ""), .fail)
        case .completed:
            if run.isBelowMinSize(minSize) { return (run.sizeBytes == nil ? "no size reported" : "below min size", .fail) }
            return (run.verification == .passed ? "completed, verified" : "completed", .ok)
        }
    }
}
