import BoardModel
import Foundation

/// The alert log pane: open alerts, newest first, with time, severity, job, message, and ack and mute state.
struct AlertLog {
    let state: BoardState
    let glyphs: GlyphSet

    /// Draws the title row and the visible alerts into `area`.
    func draw(into buffer: inout ScreenBuffer, area: Rect, focused: Bool) {
        guard area.width > 0, area.height > 0 else { return }
        let alerts = state.visibleAlerts
        let acknowledged = alerts.filter(\.isAcknowledged).count
        var title = "ALERTS \(alerts.count) open"
        if acknowledged > 0 { title += ", \(acknowledged) acknowledged" }
        buffer.put(String(repeating: glyphs.horizontal, count: area.width), x: area.x, y: area.y, style: Style(.border), maxWidth: area.width)
        let titleStyle = Style(focused ? .title : .header, bold: true)
        buffer.text(" \(title) ", x: area.x + 1, y: area.y, width: area.width - 2, style: titleStyle, glyphs: glyphs)
        guard !alerts.isEmpty else {
            let text = state.filter.isEmpty ? "no open alerts" : "no open alert matches the filter"
            buffer.text(text, x: area.x + 1, y: area.y + 1, width: area.width - 1, style: Style(.dim), glyphs: glyphs)
            return
        }
        let visible = max(0, area.height - 1)
        let first = BoardState.scroll(state.alertScroll, keeping: state.alertIndex, rows: visible, count: alerts.count)
        for (offset, index) in (first..<min(alerts.count, first + visible)).enumerated() {
            let y = area.y + 1 + offset
            drawRow(alerts[index], into: &buffer, x: area.x, y: y, width: area.width)
            if index == state.alertIndex {
                if focused {
                    buffer.paint(x: area.x, y: y, count: area.width, style: Style(.selection, bold: true))
                } else {
                    buffer.underline(x: area.x, y: y, count: area.width)
                }
            }
        }
    }

    private func drawRow(_ alert: Alert, into buffer: inout ScreenBuffer, x: Int, y: Int, width: Int) {
        let slug = state.jobSlug(of: alert) ?? "fleet"
        let muted = alert.jobID.flatMap { state.jobReport(jobID: $0)?.muted } ?? false
        let flags = [alert.isAcknowledged ? "ack" : nil, muted ? "muted" : nil].compactMap { $0 }.joined(separator: " ")
        let dim = alert.isAcknowledged
        var column = x
        column = buffer.text(time(alert.openedAt), x: column, y: y, width: 5, style: Style(.dim), glyphs: glyphs) + 1
        column = buffer.text(Self.severityWord(alert.severity), x: column, y: y, width: 4,
                             style: Style(dim ? .dim : Self.role(alert.severity), bold: !dim), glyphs: glyphs) + 1
        let slugWidth = min(16, slug.count, max(0, x + width - column - 1))
        column = buffer.text(slug, x: column, y: y, width: slugWidth, style: Style(dim ? .dim : .normal), glyphs: glyphs) + 1
        let flagsWidth = flags.isEmpty ? 0 : flags.count + 1
        let messageWidth = x + width - column - flagsWidth
        buffer.text(Self.message(alert.message, after: slug), x: column, y: y, width: messageWidth,
                    style: Style(dim ? .dim : .normal), glyphs: glyphs)
        if !flags.isEmpty, messageWidth >= 0 {
            buffer.text(flags, x: x + width - flags.count, y: y, width: flags.count, style: Style(muted ? .muted : .dim), glyphs: glyphs)
        }
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
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = state.timeZone
        let parts = calendar.dateComponents([.month, .day, .hour, .minute], from: date)
        if state.now.timeIntervalSince(date) < 86_400 {
            return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        }
        return String(format: "%02d-%02d", parts.month ?? 0, parts.day ?? 0)
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
