import Foundation
import Testing
@testable import BackupBoard
@testable import BoardTerminal
@testable import BoardModel

/// The layout rules of docs/board.md: which columns show at which width, where the alert log goes, how
/// its messages wrap, and what the board says when no evaluator runs.
struct BoardLayoutTests {
    /// The fixture fleet with the demo's long names (30 and more characters).
    static func longNamed(width: Int, height: Int) -> BoardState {
        var snapshot = BoardFixture.snapshot
        for index in snapshot.entries.indices {
            snapshot.entries[index].job.name += " (nightly dump to the offsite bucket)"
        }
        return BoardFixture.state(snapshot, width: width, height: height)
    }

    static func columns(_ state: BoardState) -> [(column: JobTable.Column, width: Int)] {
        let layout = state.layout
        let rows = state.visibleJobs.prefix(layout.jobRows)
        return JobTable(state: state, glyphs: .utf8).columns(width: layout.table.width, rows: rows)
    }

    @Test func at120ColumnsEveryRowHasItsTrendsAndAReadableName() {
        let state = Self.longNamed(width: 120, height: 40)
        #expect(!state.layout.alertsBeside, "the table needs the width: the alerts go under it")
        let columns = Self.columns(state)
        let shown = Set(columns.map(\.column))
        for column: JobTable.Column in [.glyph, .state, .name, .lastRun, .due, .durationTrend, .sizeTrend, .size, .backupAge] {
            #expect(shown.contains(column), "\(column) at 120 columns")
        }
        let name = columns.first { $0.column == .name }!.width
        #expect(name >= JobTable.nameComfort)
        #expect(columns.reduce(0) { $0 + $1.width } + columns.count - 1 <= 120)
        // Every job row shows both sparklines (the job that never ran has none to show).
        let lines = BoardFixture.render(state, glyphs: .utf8).lines
        for slug in ["NAS photos", "MySQL billing", "GitLab data", "S3 assets", "Configs /etc"] {
            let row = lines.first { $0.contains(slug) }!
            #expect(row.filter { "▁▂▃▄▅▆▇█".contains($0) }.count >= 6, "\(slug): \(row)")
        }
    }

    @Test func shortNamesAreShownWholeAndNarrowScreensKeepTodaysColumns() {
        let wide = Self.columns(BoardFixture.state(width: 120, height: 40))
        #expect(wide.first { $0.column == .name }!.width == "Postgres analytics".count)
        let narrow = Self.columns(BoardFixture.state(width: 80, height: 24)).map(\.column)
        #expect(narrow == [.glyph, .state, .name, .lastRun, .due, .size, .backupAge])
        let tiny = Self.columns(BoardFixture.state(width: 40, height: 12)).map(\.column)
        #expect(tiny.contains(.glyph) && tiny.contains(.name) && tiny.contains(.due))
    }

    @Test func columnsDropInTheWrittenOrder() {
        let state = Self.longNamed(width: 200, height: 50)
        let rows = state.visibleJobs.prefix(10)
        var previous = Set(JobTable.Column.allCases)
        var dropped: [JobTable.Column] = []
        for width in stride(from: 140, through: 20, by: -1) {
            let shown = Set(JobTable(state: state, glyphs: .utf8).columns(width: width, rows: rows).map(\.column))
            #expect(shown.isSubset(of: previous), "a column came back at \(width)")
            dropped += JobTable.Column.allCases.filter { previous.contains($0) && !shown.contains($0) }
            previous = shown
        }
        let written = JobTable.dropOrder.compactMap { drop -> JobTable.Column? in
            if case .column(let column) = drop { return column }
            return nil
        }
        #expect(dropped == written)
    }

    @Test func theAlertLogGoesBesideOnlyWhenTheTableKeepsEveryColumn() {
        var state = BoardFixture.state(width: BoardLayout.sideBySideWidth - 1, height: 40)
        #expect(!state.layout.alertsBeside)
        _ = state.handle(.resize(width: BoardLayout.sideBySideWidth, height: 40))
        let layout = state.layout
        #expect(layout.alertsBeside)
        #expect(layout.table.width == JobTable.fullWidth)
        #expect(layout.alerts.width == BoardLayout.besideMinimum)
        _ = state.handle(.resize(width: 300, height: 40))
        #expect(state.layout.alerts.width == BoardLayout.besideMaximum)
        #expect(state.layout.table.width + 1 + state.layout.alerts.width == 300)
    }

    @Test func theAlertLogUnderTheTableTakesTheLinesItNeeds() {
        // 10 jobs and 5 one-line alerts at 120×40: the log takes its title and five lines, no more.
        let state = BoardFixture.state(width: 120, height: 40)
        #expect(state.layout.alerts.height == 6)
        // With a hundred jobs the table would fill the screen: five alerts still get their six rows, and
        // thirty get a third of the body, and scroll.
        var crowded = BoardFixture.snapshot
        let template = crowded.entries[7]
        for id in 100..<200 {
            var entry = template
            entry.job.id = Int64(id)
            entry.job.slug = "s3-bucket-\(id)"
            crowded.entries.append(entry)
        }
        var many = BoardFixture.state(crowded, width: 120, height: 40)
        #expect(many.layout.alerts.height == 6)
        for id in 100..<125 {
            crowded.openAlerts.append(Alert(id: Int64(id), kind: .failed, severity: .critical, jobID: Int64(id),
                                            message: "run failed", openedAt: BoardFixture.now))
        }
        many.load(crowded, at: BoardFixture.now)
        let body = 40 - many.layout.header.height - 1
        #expect(many.layout.alerts.height == body / 3)
    }

    @Test func longMessagesWrapUnderTheJobInsteadOfBeingCut() {
        var snapshot = BoardFixture.snapshot
        let long = "run failed: exit 2, mysqldump: Got error 2013: Lost connection to MySQL server during query (retried 3 times)"
        snapshot.openAlerts[3].message = long
        let state = BoardFixture.state(snapshot, width: 200, height: 50)
        let layout = state.layout
        let lines = BoardFixture.render(state, glyphs: .utf8).lines
        let pane = lines.map { String($0.dropFirst(layout.alerts.x)) }
        let first = pane.firstIndex { $0.hasPrefix("18:32 CRIT mysql-billing") }!
        let words = pane[first...].prefix(3).joined(separator: " ").split(separator: " ").joined(separator: " ")
        #expect(words.contains("Lost connection to MySQL server during query (retried 3 times)"), "\(pane[first...].prefix(3))")
        #expect(pane[first + 1].hasPrefix(String(repeating: " ", count: AlertLog.lead)))
        #expect(AlertLog.wrap("aaaa bbbb cccc", first: 9, then: 9, limit: 3) == ["aaaa bbbb", "cccc"])
        #expect(AlertLog.wrap("abcdefghij", first: 4, then: 4, limit: 2) == ["abcd", "efghij"])
    }

    @Test func shortOfRowsOnlyTheSelectedAlertWraps() {
        var snapshot = BoardFixture.snapshot
        for index in snapshot.openAlerts.indices {
            snapshot.openAlerts[index].message += ", and a long explanation that does not fit on one line of eighty columns,"
                + " nor on two of them, so that it needs three"
        }
        let state = BoardFixture.state(snapshot, width: 80, height: 24)
        let layout = state.layout
        let pane = BoardFixture.render(state, glyphs: .utf8).lines[(layout.alerts.y + 1)..<(layout.alerts.y + layout.alerts.height)]
        // Fifteen lines for nine rows: the last three alerts take one line each, cut; the first two (the
        // selected one among them) read whole; every alert shows and no row is left empty.
        #expect(pane.count == 9)
        #expect(pane.allSatisfy { !$0.isEmpty })
        #expect(pane.filter { $0.first?.isNumber == true }.count == 5)
        #expect(pane[pane.startIndex].hasPrefix("19:56 WARN etc-configs took 61s"))
        #expect(pane[pane.startIndex + 2].hasSuffix("three"))
        #expect(pane.suffix(3).allSatisfy { $0.contains("…") })
    }

    @Test func thousandsOfOpenAlertsAreLaidOutOnlyAsFarAsTheScreenGoes() {
        var snapshot = BoardFixture.snapshot
        snapshot.openAlerts = (1...2_000).map {
            Alert(id: Int64($0), kind: .failed, severity: .critical, jobID: 1, message: "run \($0) failed", openedAt: BoardFixture.now)
        }
        var state = BoardFixture.state(snapshot, width: 120, height: 40)
        #expect(AlertLog.lineCount(of: state, width: 120, upTo: 40) <= 40 + AlertLog.maximumLines)
        // The last alert (newest first, so the lowest id) is reached and drawn.
        _ = state.handle(.tab)
        _ = state.handle(.character("G"))
        let lines = BoardFixture.render(state, glyphs: .utf8).lines
        #expect(lines.contains { $0.contains("ALERTS 2000 open") })
        #expect(lines.contains { $0.hasSuffix("mysql-billing run 1 failed") })
    }

    @Test func withoutAnEvaluatorTheBoardSaysWhereAlertsComeFrom() {
        var snapshot = BoardFixture.snapshot
        snapshot.openAlerts = []
        snapshot.evaluatorLastTick = nil
        var state = BoardFixture.state(snapshot, width: 120, height: 40)
        var screen = BoardFixture.render(state, glyphs: .utf8).lines.joined(separator: "\n")
        #expect(!screen.contains("no open alerts"))
        #expect(screen.contains("alerts come from `backupboard serve`, which has not run on this database"))
        var wide = state
        _ = wide.handle(.resize(width: 200, height: 40))
        #expect(BoardFixture.render(wide, glyphs: .utf8).lines[0].contains("evaluator never ran"))
        // A tick older than three intervals: when it last ran.
        snapshot.evaluatorLastTick = BoardFixture.now.addingTimeInterval(-3_600)
        state.load(snapshot, at: BoardFixture.now)
        screen = BoardFixture.render(state, glyphs: .utf8).lines.joined(separator: "\n")
        #expect(screen.contains("alerts come from `backupboard serve`, which last ran 1h00m ago"))
        #expect(!screen.contains("no open alerts"))
        // A running evaluator: no notice.
        snapshot.evaluatorLastTick = BoardFixture.now.addingTimeInterval(-4)
        state.load(snapshot, at: BoardFixture.now)
        screen = BoardFixture.render(state, glyphs: .utf8).lines.joined(separator: "\n")
        #expect(screen.contains("no open alerts"))
        #expect(!screen.contains("alerts come from"))
    }

    @Test func sparklinesAreMadeWhenDataChangesNotWhenDrawing() {
        var state = BoardFixture.state(width: 120, height: 16)
        let onScreen = Set(state.visibleJobs.prefix(state.layout.jobRows).compactMap(\.job.id))
        #expect(Set(state.trends.keys) == onScreen)
        // Ticking without a judgement changing keeps them as they are.
        let before = state.trends
        state.tick(BoardFixture.now.addingTimeInterval(1))
        #expect(state.trends == before)
        // Scrolling brings the trends of the rows that came into view.
        _ = state.handle(.character("G"))
        let scrolled = Set(state.visibleJobs.dropFirst(state.jobScroll).prefix(state.layout.jobRows).compactMap(\.job.id))
        #expect(Set(state.trends.keys) == scrolled)
        // New data for a job on screen makes its trends again.
        var snapshot = state.snapshot
        let index = snapshot.entries.firstIndex { $0.job.id == scrolled.first! }!
        snapshot.entries[index].activity.recentRuns.removeAll()
        snapshot.entries[index].version = 99
        snapshot.dataVersion = 99
        state.load(snapshot, at: BoardFixture.now.addingTimeInterval(2))
        #expect(state.trends[scrolled.first!]?.durations.points == [])
    }
}
