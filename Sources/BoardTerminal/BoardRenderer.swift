import BoardModel
import Foundation

/// Draws a `BoardState` into a `ScreenBuffer`: a pure function of the state (and the `now` inside it), so
/// a frame can be tested by comparing lines. The terminal type copies the buffer to the screen.
package enum BoardRenderer {
    /// Draws the whole board at the buffer's size: header, job table and alert log (or a job's detail),
    /// the bottom row, and the help overlay on top. Below 40×10, a compact summary. Never blank, never a crash.
    package static func render(_ state: BoardState, into buffer: inout ScreenBuffer, glyphs: GlyphSet) {
        buffer.fill(x: 0, y: 0, width: buffer.width, height: buffer.height)
        guard buffer.width > 0, buffer.height > 0 else { return }
        let layout = BoardLayout(
            width: buffer.width, height: buffer.height, warningLines: state.warnings.count, jobCount: state.visibleJobs.count
        ) { AlertLog.lineCount(of: state, width: $0, upTo: buffer.height) }
        if layout.compact {
            drawCompact(state, into: &buffer, glyphs: glyphs)
            return
        }
        drawHeader(state, area: layout.header, into: &buffer, glyphs: glyphs)
        if state.detail != nil {
            let top = layout.table.y
            let area = Rect(x: 0, y: top, width: buffer.width, height: layout.footer.y - top)
            DetailView(state: state, glyphs: glyphs).draw(into: &buffer, area: area)
        } else {
            JobTable(state: state, glyphs: glyphs).draw(into: &buffer, area: layout.table, focused: state.focus == .jobs)
            if layout.alertsBeside {
                let x = layout.alerts.x - 1
                for y in layout.alerts.y..<(layout.alerts.y + layout.alerts.height) {
                    buffer.put(String(glyphs.vertical), x: x, y: y, style: Style(.border))
                }
            }
            AlertLog(state: state, glyphs: glyphs).draw(into: &buffer, area: layout.alerts, focused: state.focus == .alerts)
        }
        drawFooter(state, area: layout.footer, into: &buffer, glyphs: glyphs)
        if state.showsHelp { drawHelp(state, into: &buffer, glyphs: glyphs) }
    }

    /// The role a job's state is drawn in.
    /// Like `role(forState:)`, and an overdue job that missed a further whole period is as loud as a failure.
    static func role(for entry: JobReport) -> StyleRole {
        entry.status.state == .overdue && entry.status.isCritical ? .fail : role(forState: entry.status.state)
    }

    // MARK: Header

    /// `✖ 1 failed  ⚠ 2 overdue  ✔ 40 up` on the left, `feed 2s ago · evaluator 4s ago · leader db-2 · 14:05:09`
    /// on the right (the leader when several `serve` share a PostgreSQL database), then one line per warning.
    private static func drawHeader(_ state: BoardState, area: Rect, into buffer: inout ScreenBuffer, glyphs: GlyphSet) {
        let counts = stateCounts(state)
        let clock = clockText(state)
        let feed = state.loadedAt.map { "feed " + TimeText.ago($0, now: state.now) } ?? "feed: not loaded"
        let evaluator = state.snapshot.evaluatorLastTick.map { "evaluator " + TimeText.ago($0, now: state.now) }
            ?? (state.evaluatorNotRunning ? "evaluator never ran" : nil)
        let leader = state.snapshot.evaluatorLeader.map { "leader " + $0 }
        let readonly = state.readonly ? "READ-ONLY" : nil
        // Untested jobs (an RTO no restore test proves) follow the states: `3 untested`, `3u` when short.
        let untested = state.restore.untested
        let long = counts.map { "\(glyphs.symbol($0.state)) \($0.count) \(word($0.state))" }
            + (untested > 0 ? ["\(untested) untested"] : [])
        let medium = counts.map { "\(glyphs.symbol($0.state))\($0.count) \(shortWord($0.state))" }
            + (untested > 0 ? ["\(untested) untested"] : [])
        let short = counts.map { "\(glyphs.symbol($0.state))\($0.count)" } + (untested > 0 ? ["\(untested)u"] : [])
        // Counts in words beat the evaluator's age and leader; the feed age and the clock beat words; short words
        // beat none.
        let candidates: [(counts: [String], right: [String?])] = [
            (long, [readonly, feed, evaluator, leader, clock]),
            (long, [readonly, feed, evaluator, clock]), (long, [readonly, feed, clock]),
            (medium, [readonly, feed, evaluator, clock]), (medium, [readonly, feed, clock]),
            (short, [readonly, feed, evaluator, clock]), (short, [readonly, feed, clock]), (short, [readonly, clock]),
            (short, [readonly]), (short, []),
        ]
        var right: [String] = []
        var countTexts = short
        for candidate in candidates {
            let parts = candidate.right.compactMap { $0 }
            let rightWidth = parts.isEmpty ? 0 : parts.joined(separator: " \(glyphs.dot) ").count + 2
            right = parts
            countTexts = candidate.counts
            if joinedWidth(candidate.counts, candidate.counts == short ? 1 : 2) + rightWidth <= area.width { break }
        }
        var x = area.x
        let gap = countTexts == short ? 1 : 2
        for (index, text) in countTexts.enumerated() {
            let style = index < counts.count
                ? Style(role(forState: counts[index].state), bold: counts[index].state.level != .ok) : Style(.dim)
            x = buffer.text(text, x: x, y: area.y, width: area.width - x, style: style, glyphs: glyphs) + gap
        }
        if counts.isEmpty { buffer.text("no jobs", x: 0, y: area.y, width: area.width, style: Style(.dim), glyphs: glyphs) }
        if !right.isEmpty {
            var column = area.width - right.joined(separator: " \(glyphs.dot) ").count
            for (index, part) in right.enumerated() {
                if index > 0 { column = buffer.put(" \(glyphs.dot) ", x: column, y: area.y, style: Style(.dim)) }
                let style: Style = switch part {
                case readonly: Style(.banner, bold: true)
                case feed where state.feedIsStale: Style(.stale, bold: true)
                case evaluator where state.evaluatorNotRunning: Style(.stale, bold: true)
                case clock: Style(.header, bold: true)
                default: Style(.dim)
                }
                column = buffer.put(part, x: column, y: area.y, style: style)
            }
        }
        for (index, warning) in state.warnings.prefix(area.height - 1).enumerated() {
            let y = area.y + 1 + index
            buffer.fill(x: 0, y: y, width: area.width, height: 1, style: Style(warning.role))
            buffer.text("\(glyphs.symbol(.overdue)) \(warning.text)", x: 0, y: y, width: area.width,
                        style: Style(warning.role, bold: true), glyphs: glyphs)
        }
    }

    private static func joinedWidth(_ parts: [String], _ gap: Int) -> Int {
        parts.reduce(0) { $0 + $1.count } + max(0, parts.count - 1) * gap
    }

    /// Jobs per state, worst first, states with no job left out.
    static func stateCounts(_ state: BoardState) -> [(state: JobState, count: Int)] {
        let counts = state.counts
        return JobState.allCases.compactMap { s in counts[s].map { (s, $0) } }
    }

    /// The state word on the board: the two long ones shortened so columns and counts stay narrow.
    static func word(_ state: JobState) -> String {
        switch state {
        case .verificationFailed: "verify failed"
        case .runningTooLong: "running long"
        default: state.word
        }
    }

    /// The state word where room is short: `verify`, `long`; the others as they are.
    static func shortWord(_ state: JobState) -> String {
        switch state {
        case .verificationFailed: "verify"
        case .runningTooLong: "long"
        default: state.word
        }
    }

    static func role(forState state: JobState) -> StyleRole {
        switch state {
        case .verificationFailed, .failed: .fail
        case .overdue, .runningTooLong, .late: .warn
        case .running: .running
        case .up: .ok
        case .new: .dim
        case .paused: .paused
        }
    }

    /// `14:05:09` in the board's time zone.
    static func clockText(_ state: BoardState) -> String {
        let parts = state.calendar.dateComponents([.hour, .minute, .second], from: state.now)
        return TimeText.twoDigits(parts.hour) + ":" + TimeText.twoDigits(parts.minute) + ":" + TimeText.twoDigits(parts.second)
    }

    // MARK: Footer

    /// A prompt, else the message, else key hints with the sort and filter on the right.
    private static func drawFooter(_ state: BoardState, area: Rect, into buffer: inout ScreenBuffer, glyphs: GlyphSet) {
        let y = area.y
        if let prompt = state.prompt {
            let (question, answer, problem) = promptText(prompt)
            buffer.fill(x: 0, y: y, width: area.width, height: 1, style: Style(.banner))
            var x = buffer.text(question, x: 0, y: y, width: area.width, style: Style(.banner, bold: true), glyphs: glyphs)
            if let answer {
                // The end of a long answer is where the typing happens: keep it in view.
                let room = area.width - x - (problem.map { $0.count + 2 } ?? 0)
                let typed = answer + "_"
                let shown = typed.count > room && room > 1 ? String(glyphs.ellipsis) + typed.suffix(room - 1) : typed
                x = buffer.text(shown, x: x, y: y, width: area.width - x, style: Style(.banner), glyphs: glyphs)
            }
            if let problem {
                buffer.text("  " + problem, x: x, y: y, width: area.width - x, style: Style(.warning, bold: true), glyphs: glyphs)
            }
            return
        }
        if let message = state.message {
            let role: StyleRole = switch message.level {
            case .info: .info
            case .warning: .warning
            case .error: .critical
            }
            buffer.text(message.text, x: 0, y: y, width: area.width, style: Style(role, bold: true), glyphs: glyphs)
            return
        }
        let hints: [(String, String)] = state.detail != nil
            ? [("Esc", "back"), ("j/k", "scroll"), ("r", "reload"), ("?", "help"), ("q", "quit")]
            : [("?", "help"), ("/", "filter"), ("s", "sort"), ("Tab", state.focus == .jobs ? "alerts" : "jobs"),
               ("Enter", "details")] + (state.readonly ? [] : [("a", "ack"), ("m", "mute")]) + [("q", "quit")]
        var status: [String] = []
        if state.detail == nil {
            if !state.filter.isEmpty { status.append("filter '\(state.filter)' \(state.visibleJobs.count)/\(state.report.jobs.count)") }
            status.append("sort: \(state.sort.rawValue)")
        }
        let statusText = status.joined(separator: "  ")
        let room = area.width - statusText.count - 1
        var x = 0
        for (key, label) in hints {
            let width = key.count + label.count + 1
            guard x + width <= room else { break }
            x = buffer.put(key, x: x, y: y, style: Style(.header, bold: true))
            x = buffer.put(" " + label + "  ", x: x, y: y, style: Style(.dim))
        }
        if statusText.count < area.width {
            buffer.put(statusText, x: area.width - statusText.count, y: y, style: Style(state.filter.isEmpty ? .dim : .info))
        }
    }

    /// The question, what was typed so far (nil for single-key questions), and what was wrong with it.
    static func promptText(_ prompt: Prompt) -> (String, String?, String?) {
        switch prompt {
        case .filter(let text, _):
            return ("/", text, nil)
        case .acknowledgeNote(_, let subject, let text):
            return ("Ack \(subject): note (optional), Enter acks, Esc cancels: ", text, nil)
        case .confirmAcknowledgeAll(let ids):
            return ("Acknowledge \(ids.count) visible alert\(ids.count == 1 ? "" : "s")? y/n", nil, nil)
        case .muteDuration(let slug):
            let choices = BoardState.muteChoices.map { "\($0.key)=\($0.label)" }.joined(separator: " ")
            return ("Mute \(slug): \(choices) 4=custom, Esc cancels", nil, nil)
        case .muteCustomDuration(let slug, let text, let problem):
            return ("Mute \(slug) for how long (90m, 6h, 2d)? ", text, problem)
        case .muteReason(let slug, let duration, let text, let problem):
            return ("Mute \(slug) for \(HumanUnits.formatDuration(duration)), reason: ", text, problem)
        }
    }

    // MARK: Help

    /// A box in the middle listing the keymap.
    private static func drawHelp(_ state: BoardState, into buffer: inout ScreenBuffer, glyphs: GlyphSet) {
        let lines = state.keymap.helpLines(readonly: state.readonly)
        let title = state.readonly ? " Keys (read-only board) " : " Keys "
        let inner = max(lines.map(\.count).max() ?? 0, title.count)
        let width = min(buffer.width, inner + 4)
        let height = min(buffer.height, lines.count + 3)
        let x = (buffer.width - width) / 2
        let y = (buffer.height - height) / 2
        buffer.fill(x: x, y: y, width: width, height: height, style: Style(.normal))
        let horizontal = String(repeating: glyphs.horizontal, count: max(0, width - 2))
        buffer.put(String(glyphs.topLeft) + horizontal + String(glyphs.topRight), x: x, y: y, style: Style(.border))
        buffer.put(String(glyphs.bottomLeft) + horizontal + String(glyphs.bottomRight), x: x, y: y + height - 1, style: Style(.border))
        for row in (y + 1)..<max(y + 1, y + height - 1) {
            buffer.put(String(glyphs.vertical), x: x, y: row, style: Style(.border))
            buffer.put(String(glyphs.vertical), x: x + width - 1, y: row, style: Style(.border))
        }
        buffer.text(title, x: x + 2, y: y, width: width - 4, style: Style(.title, bold: true), glyphs: glyphs)
        let rows = max(0, height - 3)
        let first = min(state.helpScroll, max(0, lines.count - rows))
        let keyWidth = state.keymap.bindings.map(\.label.count).max() ?? 0
        for (offset, line) in lines.dropFirst(first).prefix(rows).enumerated() {
            buffer.text(String(line.prefix(keyWidth)), x: x + 2, y: y + 1 + offset, width: width - 4, style: Style(.header, bold: true), glyphs: glyphs)
            let writes = state.readonly && line.dropFirst(keyWidth).contains("read-only board")
            buffer.text(String(line.dropFirst(keyWidth)), x: x + 2 + keyWidth, y: y + 1 + offset, width: width - 4 - keyWidth,
                        style: Style(writes ? .dim : .normal), glyphs: glyphs)
        }
        if height >= 3 {
            buffer.text("Esc or ? closes", x: x + 2, y: y + height - 2, width: width - 4, style: Style(.dim), glyphs: glyphs)
        }
    }

    // MARK: Compact

    /// Below 40×10: counts on the first row, then the jobs worst first, a prompt or message on the last row.
    private static func drawCompact(_ state: BoardState, into buffer: inout ScreenBuffer, glyphs: GlyphSet) {
        let width = buffer.width
        var x = 0
        for entry in stateCounts(state) {
            x = buffer.text("\(glyphs.symbol(entry.state))\(entry.count)", x: x, y: 0, width: width - x,
                            style: Style(role(forState: entry.state), bold: entry.state.level != .ok), glyphs: glyphs) + 1
        }
        if state.report.jobs.isEmpty { x = buffer.text("no jobs", x: 0, y: 0, width: width, style: Style(.dim), glyphs: glyphs) + 1 }
        if state.feedIsStale || state.evaluatorIsStale {
            buffer.text("stale", x: x, y: 0, width: width - x, style: Style(.stale, bold: true), glyphs: glyphs)
        }
        var bottom = buffer.height
        if let prompt = state.prompt, buffer.height > 1 {
            bottom -= 1
            let (question, answer, _) = promptText(prompt)
            buffer.text(question + (answer.map { $0 + "_" } ?? ""), x: 0, y: bottom, width: width, style: Style(.banner, bold: true), glyphs: glyphs)
        } else if let message = state.message, buffer.height > 2 {
            bottom -= 1
            buffer.text(message.text, x: 0, y: bottom, width: width, style: Style(.info), glyphs: glyphs)
        }
        guard bottom > 1 else { return }
        for (index, entry) in state.report.jobs.prefix(bottom - 1).enumerated() {
            let y = 1 + index
            let due = switch entry.status.state {
            case .overdue, .late: " " + TimeText.due(entry.status, now: state.now)
            case .verificationFailed, .failed, .runningTooLong: " " + word(entry.status.state)
            default: ""
            }
            let glyphEnd = buffer.text(glyphs.symbol(entry.status.state) + " ", x: 0, y: y, width: width,
                                       style: Style(role(for: entry)), glyphs: glyphs)
            let dueWidth = min(due.count, max(0, width - glyphEnd - 8))
            let nameEnd = buffer.text(entry.job.slug, x: glyphEnd, y: y, width: width - glyphEnd - dueWidth, glyphs: glyphs)
            if dueWidth > 0 {
                buffer.text(due, x: nameEnd, y: y, width: dueWidth, style: Style(role(for: entry)), glyphs: glyphs)
            }
        }
    }
}
