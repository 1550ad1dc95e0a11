/// A rectangle of the screen.
struct Rect: Sendable, Equatable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int

    static let zero = Rect(x: 0, y: 0, width: 0, height: 0)
}

/// Where each part of the board goes at a screen size. Both the renderer and the key handling use it, so
/// a page down moves exactly one visible page. The rules are written down in docs/board.md.
struct BoardLayout: Sendable, Equatable {
    /// Below this many columns or rows the board draws a compact summary instead.
    static let minimumWidth = 40
    static let minimumHeight = 10
    /// The alert log beside the table is never narrower than this, nor wider than `besideMaximum`.
    static let besideMinimum = 50
    static let besideMaximum = 70
    /// From this many columns on, the alert log sits to the right of the job table (which still gets every
    /// column at its comfortable width); below, under it, across the whole width.
    static let sideBySideWidth = JobTable.fullWidth + 1 + besideMinimum

    var width: Int
    var height: Int
    /// Too small for panes: counts and the worst jobs only.
    var compact: Bool
    /// The header: the counts line, then warning lines (stale feed, evaluator, unknown keys).
    var header: Rect
    /// The job table: column titles on its first row, then one job per row.
    var table: Rect
    /// The alert log: a title row, then its lines (an alert may wrap onto several).
    var alerts: Rect
    /// Whether the alert log is beside the table (a vertical line between them) or under it.
    var alertsBeside: Bool
    /// The bottom row: key hints, a prompt or a message.
    var footer: Rect

    /// Rows of jobs the table shows.
    var jobRows: Int { max(0, table.height - 1) }
    /// Rows of alert lines the log shows.
    var alertRows: Int { max(0, alerts.height - 1) }

    /// The layout for a `width` × `height` screen with `warningLines` warnings wanting a header row each,
    /// `jobCount` rows in the table, and an alert log whose lines at a given width are `alertLines(width)`
    /// (its title row not counted).
    init(width: Int, height: Int, warningLines: Int, jobCount: Int, alertLines: (_ width: Int) -> Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        compact = width < Self.minimumWidth || height < Self.minimumHeight
        alertsBeside = width >= Self.sideBySideWidth
        guard !compact else {
            header = Rect(x: 0, y: 0, width: self.width, height: self.height)
            table = .zero
            alerts = .zero
            footer = .zero
            return
        }
        // Warnings never take more than a quarter of what is left for the panes.
        let warnings = min(warningLines, max(0, (height - 6) / 4))
        header = Rect(x: 0, y: 0, width: width, height: 1 + warnings)
        footer = Rect(x: 0, y: height - 1, width: width, height: 1)
        let bodyTop = header.height
        let bodyHeight = height - header.height - footer.height
        if alertsBeside {
            let alertWidth = min(Self.besideMaximum, width - JobTable.fullWidth - 1)
            table = Rect(x: 0, y: bodyTop, width: width - alertWidth - 1, height: bodyHeight)
            alerts = Rect(x: width - alertWidth, y: bodyTop, width: alertWidth, height: bodyHeight)
        } else {
            // The log takes the lines it needs when the table leaves them, and at least a third of the body
            // (three rows at the least) when the table would fill it; the table keeps its titles and a row.
            let wanted = 1 + max(1, alertLines(width))
            let left = bodyHeight - (1 + max(1, jobCount))
            let alertHeight = max(0, min(wanted, max(3, bodyHeight / 3, left), bodyHeight - 2))
            table = Rect(x: 0, y: bodyTop, width: width, height: bodyHeight - alertHeight)
            alerts = Rect(x: 0, y: bodyTop + table.height, width: width, height: alertHeight)
        }
    }
}
