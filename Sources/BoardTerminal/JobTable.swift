import BoardModel
import Foundation

/// The job table: one row per visible job, columns that drop, least important first, as the width narrows.
struct JobTable {
    /// The columns, left to right.
    enum Column: CaseIterable, Sendable {
        case glyph, state, name, lastRun, due, durationTrend, duration, sizeTrend, size, backupAge, restore, successRate

        /// The column's title; a sparkline's is its value column's when that column is not `shown`.
        func title(among shown: [Column]) -> String {
            switch self {
            case .durationTrend: shown.contains(.duration) ? "" : Column.duration.title(among: shown)
            case .sizeTrend: shown.contains(.size) ? "" : Column.size.title(among: shown)
            case .glyph: ""
            case .state: "STATE"
            case .name: "JOB"
            case .lastRun: "LAST RUN"
            case .due: "NEXT DUE"
            case .duration: "TOOK"
            case .size: "SIZE"
            case .backupAge: "AGE/RPO"
            case .restore: "RESTORE"
            case .successRate: "30D OK"
            }
        }
    }

    /// What can give way as the table narrows: a column, or the name's room past `nameMinimum`.
    enum Drop: Sendable, Equatable {
        case column(Column)
        case nameRoom
    }

    /// What goes first as the table narrows (docs/board.md): the restore state (shown only while a row on
    /// screen has one), the 30-day rate, the last duration, the size
    /// sparkline, the name's room past 12 columns, the duration sparkline, the backup age, the size, the
    /// last run, the state word. The status glyph, the name and the due column (the overdue timer, the
    /// progress bar) never drop.
    static let dropOrder: [Drop] = [
        .column(.restore), .column(.successRate), .column(.duration), .column(.sizeTrend), .nameRoom, .column(.durationTrend),
        .column(.backupAge), .column(.size), .column(.lastRun), .column(.state),
    ]

    static let nameMinimum = 12
    /// The name's comfortable width: a name this long (or the longest, when shorter) reads whole before
    /// the sparklines are shown.
    static let nameComfort = 24
    static let nameMaximum = 40
    static let trendMinimum = 8
    static let trendMaximum = JobActivity.recentLimit

    /// The widths the columns start from; `state`, `name` and `backupAge` follow the rows on screen.
    static func minimumWidths(state: Int, name: Int, backupAge: Int) -> [Column: Int] {
        [
            .glyph: 1, .state: state, .name: name, .lastRun: 8, .due: 16, .duration: 6, .durationTrend: trendMinimum,
            .size: 6, .sizeTrend: trendMinimum, .backupAge: backupAge, .successRate: 6, .restore: 0,
        ]
    }

    /// The table's width with every column, the state word `verify failed`, a comfortable name and a
    /// `12h15m/1d12h` backup age (the restore column, shown only for fleets with restore states, left out):
    /// from this width plus the alert log's, the log goes beside the table.
    static let fullWidth: Int = {
        let widths = minimumWidths(state: 13, name: nameComfort, backupAge: 12).filter { $0.key != .restore }
        return widths.values.reduce(0, +) + widths.count - 1
    }()

    let state: BoardState
    let glyphs: GlyphSet

    /// The columns that fit in `width` and the width of each, sized to the rows on screen (`rows`): the
    /// cost of a frame follows the screen's height, never the fleet's size.
    func columns(width: Int, rows: ArraySlice<JobReport>) -> [(column: Column, width: Int)] {
        let stateWidth = min(24, max(5, rows.map { stateWord($0).count }.max() ?? 0))
        let longestName = min(Self.nameMaximum, max(Self.nameMinimum, rows.map(\.job.name.count).max() ?? 0))
        let ageWidth = min(13, max(7, rows.map { backupAge($0).text.count }.max() ?? 0))
        let nameRoom = min(Self.nameComfort, longestName) - Self.nameMinimum
        var widths = Self.minimumWidths(state: stateWidth, name: Self.nameMinimum, backupAge: ageWidth)
        let restoreWidth = rows.compactMap { restore($0)?.text.count }.max()
        widths[.restore] = restoreWidth.map { min(16, max(7, $0)) } ?? 0
        var shown = Column.allCases.filter { $0 != .restore || restoreWidth != nil }
        var roomKept = true
        func total() -> Int { shown.reduce(0) { $0 + widths[$1]! } + shown.count - 1 + (roomKept ? nameRoom : 0) }
        for drop in Self.dropOrder where total() > width {
            switch drop {
            case .column(let column): shown.removeAll { $0 == column }
            case .nameRoom: roomKept = false
            }
        }
        // Spare room widens the name up to the longest, then the sparklines up to every run kept.
        var spare = width - total() + (roomKept ? nameRoom : 0)
        if spare < 0 {
            widths[.name] = max(1, widths[.name]! + spare)
            spare = 0
        }
        let nameGrowth = min(spare, longestName - widths[.name]!)
        widths[.name]! += max(0, nameGrowth)
        spare -= max(0, nameGrowth)
        let trends = shown.filter { $0 == .durationTrend || $0 == .sizeTrend }
        if !trends.isEmpty, spare > 0 {
            let each = min(Self.trendMaximum - Self.trendMinimum, spare / trends.count)
            for trend in trends { widths[trend]! += each }
        }
        return shown.map { ($0, widths[$0]!) }
    }

    /// Draws the titles and the visible rows into `area`.
    func draw(into buffer: inout ScreenBuffer, area: Rect, focused: Bool) {
        guard area.width > 0, area.height > 0 else { return }
        let rows = state.visibleJobs
        let visible = max(0, area.height - 1)
        let first = BoardState.scroll(state.jobScroll, keeping: state.jobIndex, rows: visible, count: rows.count)
        let shown = rows.isEmpty ? [] : rows[first..<min(rows.count, first + visible)]
        let columns = columns(width: area.width, rows: shown)
        var x = area.x
        let shownColumns = columns.map(\.column)
        for (column, width) in columns {
            buffer.text(column.title(among: shownColumns), x: x, y: area.y, width: width, style: Style(.header, bold: true), glyphs: glyphs)
            x += width + 1
        }
        buffer.paint(x: area.x, y: area.y, count: area.width, style: Style(.header, bold: true))
        guard !rows.isEmpty else {
            let text = if state.loadedAt == nil {
                "nothing loaded yet: the line above says why; the board keeps trying"
            } else if state.filter.isEmpty {
                "no jobs yet: add some with `backupboard jobs add` or a jobs file"
            } else {
                "no job matches '\(state.filter)' (Esc clears the filter)"
            }
            buffer.text(text, x: area.x + 1, y: area.y + 1, width: area.width - 1, style: Style(.dim), glyphs: glyphs)
            return
        }
        for (offset, index) in shown.indices.enumerated() {
            let y = area.y + 1 + offset
            drawRow(rows[index], columns: columns, into: &buffer, x: area.x, y: y)
            if index == state.jobIndex {
                if focused {
                    buffer.paint(x: area.x, y: y, count: area.width, style: Style(.selection, bold: true))
                } else {
                    buffer.underline(x: area.x, y: y, count: area.width)
                }
            }
        }
    }

    private func drawRow(_ entry: JobReport, columns: [(column: Column, width: Int)], into buffer: inout ScreenBuffer, x: Int, y: Int) {
        let trends = entry.job.id.flatMap { state.trends[$0] } ?? .none
        var x = x
        for (column, width) in columns {
            draw(column, of: entry, trends: trends, width: width, into: &buffer, x: x, y: y)
            x += width + 1
        }
    }

    private func draw(
        _ column: Column, of entry: JobReport, trends: JobTrends, width: Int, into buffer: inout ScreenBuffer, x: Int, y: Int
    ) {
        let status = entry.status
        let now = state.now
        let stateStyle = Style(BoardRenderer.role(for: entry))
        func put(_ text: String, _ style: Style = .normal) {
            buffer.text(text, x: x, y: y, width: width, style: style, glyphs: glyphs)
        }
        switch column {
        case .glyph:
            put(glyphs.symbol(status.state), stateStyle)
        case .state:
            put(stateWord(entry), entry.muted ? Style(.muted) : stateStyle)
        case .name:
            put(entry.job.name, entry.job.paused ? Style(.paused) : .normal)
        case .lastRun:
            put(status.lastRun.map { HumanUnits.shortDuration(now.timeIntervalSince($0.time)) } ?? "never",
                status.lastRun == nil ? Style(.dim) : .normal)
        case .due:
            drawDue(entry, width: width, into: &buffer, x: x, y: y)
        case .duration:
            put(trends.lastDuration, anomalyStyle(entry, trends[.duration]))
        case .size:
            put(trends.lastSize, anomalyStyle(entry, trends[.size]))
        case .durationTrend, .sizeTrend:
            let measure: Sparkline.Measure = column == .durationTrend ? .duration : .size
            trends[measure].draw(into: &buffer, x: x, y: y, width: width, glyphs: glyphs)
        case .backupAge:
            let age = backupAge(entry)
            put(age.text, age.over ? Style(.warn) : .normal)
        case .restore:
            guard let restore = restore(entry) else { return }
            put(restore.text, Style(restore.role))
        case .successRate:
            guard let rate = status.successRate else { return put("-", Style(.dim)) }
            let percent = String(Int((rate * 100).rounded(.down)))
            put(String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "%", rate < 0.9 ? Style(.warn) : .normal)
        }
    }

    /// `in 3h05m`, `overdue 2h10m` ticking from `now`, or for a running job a progress bar and ETA.
    private func drawDue(_ entry: JobReport, width: Int, into buffer: inout ScreenBuffer, x: Int, y: Int) {
        let status = entry.status
        if let run = status.openRun, status.state == .running || status.state == .runningTooLong {
            let elapsed = state.now.timeIntervalSince(run.startedAt ?? run.lastHeartbeatAt)
            guard let progress = run.progress.map({ min(100, max(0, $0)) }) else {
                buffer.text("running " + HumanUnits.shortDuration(elapsed), x: x, y: y, width: width, style: Style(.running), glyphs: glyphs)
                return
            }
            let barWidth = 5
            let done = Int((progress / 100 * Double(barWidth)).rounded())
            let bar = String(repeating: glyphs.barDone, count: done) + String(repeating: glyphs.barToDo, count: barWidth - done)
            buffer.text(bar, x: x, y: y, width: min(width, barWidth), style: Style(.progress), glyphs: glyphs)
            var label = " \(Int(progress))%"
            if progress > 0, progress < 100 {
                label += " ~" + HumanUnits.shortDuration(elapsed * (100 - progress) / progress)
            }
            let role: StyleRole = status.state == .runningTooLong ? .warn : .running
            buffer.text(label, x: x + barWidth, y: y, width: width - barWidth, style: Style(role), glyphs: glyphs)
            return
        }
        let role: StyleRole = switch TimeText.dueTimer(status) {
        case _ where entry.job.paused: .paused
        case .overdue: status.isCritical ? .fail : .warn
        case .late: .warn
        default: .normal
        }
        buffer.text(TimeText.due(status, now: state.now), x: x, y: y, width: width, style: Style(role), glyphs: glyphs)
    }

    /// `failed`, `up (muted)`.
    func stateWord(_ entry: JobReport) -> String {
        BoardRenderer.word(entry.status.state) + (entry.muted ? " (muted)" : "")
    }

    /// `3h05m/4h`, over when the backup is older than the RPO; `-/4h` with no good run yet.
    func backupAge(_ entry: JobReport) -> (text: String, over: Bool) {
        let age = entry.status.backupAge(at: state.now)
        let ageText = age.map(HumanUnits.shortDuration) ?? "-"
        guard let rpo = entry.job.rpo else { return (ageText, false) }
        let over = age.map { $0 > rpo } ?? (state.now.timeIntervalSince(entry.job.createdAt) > rpo)
        return (ageText + "/" + HumanUnits.formatDuration(rpo), over)
    }

    /// The restore column: `12d 42m/4h` (restored 12 days ago in 42 minutes, RTO 4h), `untested`,
    /// `RTO breached`, `restore failed`, `overdue 3d`; nil for a job with no restore state.
    func restore(_ entry: JobReport) -> (text: String, role: StyleRole)? {
        guard let restore = state.restore[entry.job] else { return nil }
        switch restore.verdict {
        case .failed: return ("restore failed", .fail)
        case .rtoBreach: return ("RTO breached", .fail)
        case .overdue:
            let late = restore.dueBy.map { HumanUnits.shortDuration(max(0, state.now.timeIntervalSince($0))) } ?? ""
            let escalated = restore.missedPeriods >= entry.job.alerting.restoreEscalationPeriods
            return ("overdue \(late)", escalated ? .fail : .warn)
        case .untested: return ("untested", restore.required ? .warn : .dim)
        case .proved:
            var text = restore.restoreAge(at: state.now).map(HumanUnits.shortDuration) ?? "-"
            if let duration = restore.restoreDuration { text += " " + HumanUnits.shortDuration(duration) }
            if let rto = restore.rto { text += "/" + HumanUnits.formatDuration(rto) }
            return (text, .ok)
        }
    }

    /// The anomaly role when the latest finished run's value is anomalous.
    private func anomalyStyle(_ entry: JobReport, _ trend: Sparkline) -> Style {
        guard let last = entry.status.lastFinishedRun, last.isGood(minSize: entry.job.minSize) else {
            return entry.status.lastFinishedRun == nil ? Style(.dim) : Style(.fail)
        }
        if case .value(_, true) = trend.points.last { return Style(.anomaly) }
        return .normal
    }
}
