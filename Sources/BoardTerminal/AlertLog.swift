import BoardModel
import Foundation

/// The alert log pane: open alerts, newest first, with time, severity, job, message, and ack and mute state.
/// A message longer than its line wraps under the job column, up to `maximumLines` lines an alert; when the
/// pane is short of rows for them all, alerts from the bottom up (never the selected one) take one line. When no evaluator runs, the log says
/// so first (docs/board.md).
struct AlertLog {
    let state: BoardState
    let glyphs: GlyphSet

    /// The lines an alert may take; past them its message is cut with an ellipsis.
    static let maximumLines = 3
    /// `14:05 CRIT `: the time and severity before the job; wrapped lines start under the job.
    static let lead = 11

    /// One alert laid out at a pane's width.
    struct Row: Equatable {
        var slug: String
        var slugWidth: Int
        /// `ack`, `muted`, `ack muted`, or empty; right-aligned on the first line.
        var flags: String
        /// The message's lines: the first beside the job, the others from `lead`.
        var lines: [String]
    }

    /// `alert` laid out in `width` columns.
    static func row(_ alert: Alert, of state: BoardState, width: Int) -> Row {
        let slug = state.jobSlug(of: alert) ?? "fleet"
        let muted = alert.jobID.flatMap { state.jobReport(jobID: $0)?.muted } ?? false
        let flags = [alert.isAcknowledged ? "ack" : nil, muted ? "muted" : nil].compactMap { $0 }.joined(separator: " ")
        let slugWidth = min(width >= 80 ? 24 : 16, slug.count, max(0, width - lead - 1))
        let flagsWidth = flags.isEmpty ? 0 : flags.count + 1
        let first = width - lead - slugWidth - 1 - flagsWidth
        let lines = wrap(message(alert.message, after: slug), first: first, then: width - lead, limit: maximumLines)
        return Row(slug: slug, slugWidth: slugWidth, flags: flags, lines: lines)
    }

    /// The lines the log shows at `width` under its title: the evaluator's notice, then every alert's lines
    /// (or one line saying there are none), counted up to just past `limit` (a fleet may have thousands
    /// open). The layout gives the log this many rows when it can.
    static func lineCount(of state: BoardState, width: Int, upTo limit: Int) -> Int {
        let notice = state.evaluatorNotice.map { wrap($0, first: width - 1, then: width - 1, limit: maximumLines).count } ?? 0
        let alerts = state.visibleAlerts
        if alerts.isEmpty { return notice > 0 ? notice : 1 }
        var count = notice
        var index = alerts.startIndex
        while count <= limit, index < alerts.endIndex {
            count += row(alerts[index], of: state, width: width).lines.count
            index += 1
        }
        return count
    }

    /// Draws the title row and the visible alerts into `area`.
    func draw(into buffer: inout ScreenBuffer, area: Rect, focused: Bool) {
        guard area.width > 0, area.height > 0 else { return }
        let alerts = state.visibleAlerts
        let acknowledged = state.acknowledgedAlerts
        var title = "ALERTS \(alerts.count) open"
        if acknowledged > 0 { title += ", \(acknowledged) acknowledged" }
        buffer.put(String(repeating: glyphs.horizontal, count: area.width), x: area.x, y: area.y, style: Style(.border), maxWidth: area.width)
        let titleStyle = Style(focused ? .title : .header, bold: true)
        buffer.text(" \(title) ", x: area.x + 1, y: area.y, width: area.width - 2, style: titleStyle, glyphs: glyphs)
        var y = area.y + 1
        let bottom = area.y + area.height
        if let notice = state.evaluatorNotice {
            for line in Self.wrap(notice, first: area.width - 1, then: area.width - 1, limit: Self.maximumLines) where y < bottom {
                buffer.text(line, x: area.x + 1, y: y, width: area.width - 1, style: Style(.stale, bold: true), glyphs: glyphs)
                y += 1
            }
        }
        guard !alerts.isEmpty else {
            guard state.evaluatorNotice == nil, y < bottom else { return }
            let text = state.filter.isEmpty ? "no open alerts" : "no open alert matches the filter"
            buffer.text(text, x: area.x + 1, y: y, width: area.width - 1, style: Style(.dim), glyphs: glyphs)
            return
        }
        let room = bottom - y
        // Only the alerts that can be on screen are laid out: at most one a row, from the first the state
        // scrolled to (which keeps the selected one among them).
        let start = BoardState.scroll(state.alertScroll, keeping: state.alertIndex, rows: max(1, room), count: alerts.count)
        let shown = start..<min(alerts.count, start + max(1, room))
        var rows = shown.map { Self.row(alerts[$0], of: state, width: area.width) }
        func row(_ index: Int) -> Row { rows[index - start] }
        // Short of room for every line, alerts from the bottom up take one line each, cut, until the rest
        // fits: more alerts show at a glance, and the selected one keeps its lines, to be read whole.
        var lines = rows.reduce(0) { $0 + $1.lines.count }
        for index in shown.reversed() where lines > room && index != state.alertIndex && row(index).lines.count > 1 {
            lines -= row(index).lines.count - 1
            rows[index - start].lines = [row(index).lines.joined(separator: " ")]
        }
        // Moved on from there until the selected alert fits whole.
        var first = start
        func height(_ range: Range<Int>) -> Int { range.reduce(0) { $0 + row($1).lines.count } }
        while first < state.alertIndex, height(first..<(state.alertIndex + 1)) > room { first += 1 }
        for index in first..<shown.upperBound where y < bottom {
            drawRow(alerts[index], row(index), into: &buffer, x: area.x, y: y, width: area.width, bottom: bottom)
            let lines = min(row(index).lines.count, bottom - y)
            if index == state.alertIndex {
                for line in y..<(y + lines) {
                    if focused {
                        buffer.paint(x: area.x, y: line, count: area.width, style: Style(.selection, bold: true))
                    } else {
                        buffer.underline(x: area.x, y: line, count: area.width)
                    }
                }
            }
            y += lines
        }
    }

    private func drawRow(_ alert: Alert, _ row: Row, into buffer: inout ScreenBuffer, x: Int, y: Int, width: Int, bottom: Int) {
        let dim = alert.isAcknowledged
        var column = x
        column = buffer.text(time(alert.openedAt), x: column, y: y, width: 5, style: Style(.dim), glyphs: glyphs) + 1
        column = buffer.text(Self.severityWord(alert.severity), x: column, y: y, width: 4,
                             style: Style(dim ? .dim : Self.role(alert.severity), bold: !dim), glyphs: glyphs) + 1
        column = buffer.text(row.slug, x: column, y: y, width: row.slugWidth, style: Style(dim ? .dim : .normal), glyphs: glyphs) + 1
        let flagsWidth = row.flags.isEmpty ? 0 : row.flags.count + 1
        let messageStyle = Style(dim ? .dim : .normal)
        for (offset, line) in row.lines.enumerated() where y + offset < bottom {
            let start = offset == 0 ? column : x + Self.lead
            let room = offset == 0 ? x + width - column - flagsWidth : width - Self.lead
            buffer.text(line, x: start, y: y + offset, width: room, style: messageStyle, glyphs: glyphs)
        }
        if !row.flags.isEmpty, x + width - row.flags.count >= column {
            let muted = row.flags.hasSuffix("muted")
            buffer.text(row.flags, x: x + width - row.flags.count, y: y, width: row.flags.count,
                        style: Style(muted ? .muted : .dim), glyphs: glyphs)
        }
    }

    /// `text` in lines of at most `first` characters, then `then`, broken between words where it can;
    /// at most `limit` lines, the last cut with an ellipsis when the text goes on (by `ScreenBuffer.text`).
    static func wrap(_ text: String, first: Int, then: Int, limit: Int) -> [String] {
        guard first > 0, then > 0, limit > 0 else { return [text] }
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let width = lines.isEmpty ? first : then
            if lines.count == limit - 1 || rest.count <= width {
                lines.append(String(rest))
                break
            }
            let window = rest.prefix(width + 1)
            let cut = window.lastIndex(of: " ").map { $0 > rest.startIndex ? $0 : nil } ?? nil
            let end = cut ?? rest.index(rest.startIndex, offsetBy: width)
            lines.append(String(rest[..<end]))
            rest = rest[end...].drop { $0 == " " }
        }
        return lines.isEmpty ? [""] : lines
    }

    /// The message without the job's slug it starts with, which the job column already shows:
    /// `pg-main is overdue: …` reads `is overdue: …`, `pg-main's backup of …` reads `backup of …`.
    static func message(_ message: String, after slug: String) -> String {
        for prefix in [slug + "'s ", slug + " "] where message.hasPrefix(prefix) {
            return String(message.dropFirst(prefix.count))
        }
        return message
    }

    /// `14:05` within the last day, else `05-12`, in the board's time zone.
    private func time(_ date: Date) -> String {
        let parts = state.calendar.dateComponents([.month, .day, .hour, .minute], from: date)
        if state.now.timeIntervalSince(date) < 86_400 {
            return TimeText.twoDigits(parts.hour) + ":" + TimeText.twoDigits(parts.minute)
        }
        return TimeText.twoDigits(parts.month) + "-" + TimeText.twoDigits(parts.day)
    }

    /// Four letters, so the column lines up.
    static func severityWord(_ severity: AlertSeverity) -> String {
        switch severity {
        case .info: "INFO"
        case .warning: "WARN"
        case .critical: "CRIT"
        case .emergency: "EMRG"
        }
    }

    static func role(_ severity: AlertSeverity) -> StyleRole {
        switch severity {
        case .info: .info
        case .warning: .warning
        case .critical: .critical
        case .emergency: .emergency
        }
    }
}
