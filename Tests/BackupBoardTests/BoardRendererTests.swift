import Foundation
import Testing
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
@testable import BoardModel

struct BoardRendererTests {
    struct Golden: CustomTestStringConvertible, Sendable {
        var width: Int
        var height: Int
        var glyphs: GlyphSet
        var expected: [String]
        var testDescription: String { "\(width)x\(height) \(glyphs.unicode ? "Unicode" : "ASCII")" }
    }

    static let goldens: [Golden] = [
        Golden(width: 80, height: 24, glyphs: .utf8, expected: BoardGoldens.board80x24Unicode),
        Golden(width: 80, height: 24, glyphs: .ascii, expected: BoardGoldens.board80x24ASCII),
        Golden(width: 100, height: 30, glyphs: .utf8, expected: BoardGoldens.board100x30Unicode),
        Golden(width: 100, height: 30, glyphs: .ascii, expected: BoardGoldens.board100x30ASCII),
        Golden(width: 120, height: 40, glyphs: .utf8, expected: BoardGoldens.board120x40Unicode),
        Golden(width: 120, height: 40, glyphs: .ascii, expected: BoardGoldens.board120x40ASCII),
        Golden(width: 200, height: 50, glyphs: .utf8, expected: BoardGoldens.board200x50Unicode),
        Golden(width: 200, height: 50, glyphs: .ascii, expected: BoardGoldens.board200x50ASCII),
        Golden(width: 60, height: 15, glyphs: .utf8, expected: BoardGoldens.board60x15Unicode),
        Golden(width: 60, height: 15, glyphs: .ascii, expected: BoardGoldens.board60x15ASCII),
        Golden(width: 39, height: 9, glyphs: .utf8, expected: BoardGoldens.board39x9Unicode),
        Golden(width: 39, height: 9, glyphs: .ascii, expected: BoardGoldens.board39x9ASCII),
    ]

    @Test(arguments: goldens)
    func boardMatchesGolden(_ golden: Golden) {
        let buffer = BoardFixture.render(BoardFixture.state(width: golden.width, height: golden.height), glyphs: golden.glyphs)
        #expect(buffer.lines.count == golden.expected.count)
        for (index, pair) in zip(buffer.lines, golden.expected).enumerated() {
            #expect(pair.0 == pair.1, "row \(index)")
        }
    }

    @Test func detailMatchesGolden() {
        var state = BoardFixture.state(width: 100, height: 44)
        _ = state.handle(.character("j"))
        #expect(state.handle(.enter) == [.loadDetail(jobID: 1)])
        state.showDetail(BoardFixture.billingDetail)
        #expect(BoardFixture.render(state, glyphs: .utf8).lines == BoardGoldens.detail100x44Unicode)
    }

    @Test func detailShowsTheAttemptsOfRetriedRuns() {
        var state = BoardFixture.state(width: 100, height: 44)
        _ = state.handle(.character("j"))
        _ = state.handle(.enter)
        var detail = BoardFixture.billingDetail
        detail.runs[0].attempts = 3
        detail.runs[1].attempts = 2
        detail.runs[2].attempts = 1
        state.showDetail(detail)
        let lines = BoardFixture.render(state, glyphs: .utf8).lines
        let runs = lines.drop { $0 != "LAST RUNS" }.dropFirst(2).prefix(3)
        #expect(Array(runs) == [
            "  Thu 05-28 18:26 failed, attempt 3    3m     -       mysqldump: Got error 2013",
            "  Wed 05-27 18:26 completed, attempt 2 13m    2.0 GB",
            "  Tue 05-26 18:26 completed            14m    2.1 GB",
        ])
    }

    @Test func readonlyHelpMatchesGolden() {
        var state = BoardFixture.state(width: 80, height: 24, readonly: true)
        _ = state.handle(.character("?"))
        #expect(BoardFixture.render(state, glyphs: .ascii).lines == BoardGoldens.helpReadonly80x24ASCII)
    }

    @Test func cellsCarryRolesNotColours() {
        let buffer = BoardFixture.render(BoardFixture.state(width: 200, height: 50), glyphs: .utf8)
        let lines = buffer.lines
        func row(_ slug: String) -> Int { lines.firstIndex { $0.contains(slug) }! }
        func column(_ text: String, in y: Int) -> Int { lines[y].distance(from: lines[y].startIndex, to: lines[y].range(of: text)!.lowerBound) }
        // The selected (first) row is painted as the selection; the failed job's glyph keeps the fail role.
        #expect(buffer[0, 3].style.role == .selection)
        let billing = row("MySQL billing")
        #expect(buffer[0, billing].style.role == .fail)
        #expect(buffer[0, 1].style.role == .warning, "unknown keys warn")
        // Backup older than its RPO, a collapsed size, a progress bar, the muted state, a late countdown.
        let s3 = row("S3 assets")
        #expect(buffer[column("2h14m/2h", in: s3), s3].style.role == .warn)
        let orders = row("MySQL orders")
        #expect(buffer[column("20 KB", in: orders), orders].style.role == .anomaly)
        let analytics = row("Postgres analytics")
        #expect(buffer[column("██", in: analytics), analytics].style.role == .progress)
        let configs = row("Configs /etc")
        #expect(buffer[column("up (muted)", in: configs), configs].style.role == .muted)
        let overdue = row("GitLab data")
        #expect(buffer[column("overdue 1d03h", in: overdue), overdue].style.role == .fail, "overdue by a further period is critical")
        // In the sparkline, the failed run is marked in the fail role.
        let marker = column("✖", in: s3)
        #expect(buffer[marker, s3].style.role == .fail)
        #expect(buffer[marker - 1, s3].style.role == .sparkline)
        // The acknowledged alert is dimmed; an open critical one is loud.
        let acked = lines.firstIndex { $0.contains("16:26 EMRG") }!
        let ackedX = column("EMRG", in: acked)
        #expect(buffer[ackedX, acked].style.role == .dim)
        let open = lines.firstIndex { $0.contains("18:32 CRIT") }!
        #expect(buffer[column("CRIT", in: open), open].style.role == .critical)
    }

    @Test func neverBlankNeverCrashingAtAnySize() {
        let state = BoardFixture.state(width: 80, height: 24)
        var sizes = [(0, 0), (1, 1), (0, 5), (5, 0), (39, 9), (40, 10), (99, 30), (100, 30), (100, 10), (300, 100)]
        for width in 1...14 { for height in 1...12 { sizes.append((width * 3, height)) } }
        for (width, height) in sizes {
            var sized = state
            _ = sized.handle(.resize(width: width, height: height))
            for glyphs in [GlyphSet.utf8, .ascii] {
                let buffer = BoardFixture.render(sized, glyphs: glyphs)
                #expect(buffer.width == width && buffer.height == height)
                if width > 0, height > 0 {
                    #expect(buffer.lines.contains { !$0.isEmpty }, "blank at \(width)x\(height)")
                }
            }
        }
        var tiny = ScreenBuffer(width: 1, height: 1)
        BoardRenderer.render(state, into: &tiny, glyphs: .utf8)
        #expect(tiny.lines == ["‼"], "the worst state still shows in one cell")
    }

    @Test func overlaysAndPromptsSurviveTinyScreens() {
        var state = BoardFixture.state(width: 12, height: 4)
        _ = state.handle(.character("m"))
        for (width, height) in [(12, 4), (2, 2), (45, 11), (100, 12)] {
            _ = state.handle(.resize(width: width, height: height))
            var help = state
            help.showsHelp = true
            _ = BoardFixture.render(help, glyphs: .utf8)
            let lines = BoardFixture.render(state, glyphs: .ascii).lines
            if height > 1, width >= 5 { #expect(lines.last!.hasPrefix("Mute"), "\(width)x\(height)") }
            if width >= 45 { #expect(lines.last!.hasPrefix("Mute nas-photos: 1=1h 2=4h 3=1d 4=custom")) }
        }
    }

    @Test func longAnswersKeepTheirEndInView() {
        var state = BoardFixture.state(width: 60, height: 15)
        _ = state.handle(.character("j"))
        _ = state.handle(.character("m"))
        _ = state.handle(.character("3"))
        for character in "storage array swap, vendor ticket 4711 open" { _ = state.handle(.character(character)) }
        let footer = BoardFixture.render(state, glyphs: .ascii).lines.last!
        #expect(footer == "Mute mysql-billing for 1d, reason: ~vendor ticket 4711 open_")
        #expect(footer.count == 60)
    }

    @Test func overdueTimerTicksFromNow() {
        var state = BoardFixture.state(width: 80, height: 24)
        func gitlab(_ lines: [String]) -> String { lines.first { $0.contains("GitLab data") } ?? "" }
        #expect(gitlab(BoardFixture.render(state, glyphs: .ascii).lines).contains("overdue 1d03h"))
        #expect(BoardFixture.render(state, glyphs: .ascii).lines[0].hasSuffix("20:26:40"))
        state.tick(BoardFixture.now.addingTimeInterval(3_600))
        let lines = BoardFixture.render(state, glyphs: .ascii).lines
        #expect(gitlab(lines).contains("overdue 1d04h"))
        #expect(lines[0].hasSuffix("21:26:40"))
        // An hour without a load: the feed is stale, and says so under the counts.
        #expect(lines[1] == "! feed stale: last load 1h00m ago")
    }

    @Test func staleFeedAndFailedLoadAreSaid() {
        var state = BoardFixture.state(width: 100, height: 30)
        state.loadFailed("cannot open database at /tmp/x.sqlite: disk I/O error", at: BoardFixture.now.addingTimeInterval(60))
        let buffer = BoardFixture.render(state, glyphs: .ascii)
        #expect(buffer.lines[1] == "! feed stale: cannot open database at /tmp/x.sqlite: disk I/O error (last good load 1m ago)")
        #expect(buffer[0, 1].style.role == .banner)
        let feed = buffer.lines[0].range(of: "feed 1m ago")!
        #expect(buffer[buffer.lines[0].distance(from: buffer.lines[0].startIndex, to: feed.lowerBound), 0].style.role == .stale)
        // Evaluator silent for more than three intervals.
        let stale = BoardState(
            snapshot: BoardSnapshot(entries: [], openAlerts: [], activeMutes: [], unknownKeys: [],
                                    evaluatorLastTick: BoardFixture.ago(hours: 0.5), dataVersion: 1),
            now: BoardFixture.now, loadedAt: BoardFixture.now, width: 90, height: 12, timeZone: BoardFixture.utc)
        #expect(BoardFixture.render(stale, glyphs: .ascii).lines[1] == "! alerts come from `backupboard serve`, which last ran 30m ago")
    }

    /// Several `serve` on PostgreSQL: the header names the instance leading the evaluator, and gives it up
    /// before the evaluator's age when the line is short.
    @Test func theHeaderNamesTheLeaderWhenTheStoreKnowsIt() {
        let snapshot = BoardSnapshot(
            entries: [], openAlerts: [], activeMutes: [], unknownKeys: [], evaluatorLastTick: BoardFixture.ago(hours: 0),
            dataVersion: 1, evaluatorLeader: "db-2:8080")
        func header(width: Int) -> String {
            let state = BoardState(
                snapshot: snapshot, now: BoardFixture.now, loadedAt: BoardFixture.now, width: width, height: 12,
                timeZone: BoardFixture.utc)
            return BoardFixture.render(state, glyphs: .ascii).lines[0]
        }
        #expect(header(width: 100).hasSuffix("feed 0s ago | evaluator 0s ago | leader db-2:8080 | 20:26:40"), "\(header(width: 100))")
        #expect(header(width: 50).hasSuffix("feed 0s ago | evaluator 0s ago | 20:26:40"), "\(header(width: 50))")
    }

    @Test func emptyBoardExplainsItself() {
        var state = BoardState.empty(now: BoardFixture.now, width: 80, height: 12)
        // Before the first load (a server not answering yet), the table does not claim there are no jobs.
        #expect(BoardFixture.render(state, glyphs: .ascii).lines[2]
            == " nothing loaded yet: the line above says why; the board keeps trying")
        state.load(
            BoardSnapshot(entries: [], openAlerts: [], activeMutes: [], unknownKeys: [], evaluatorLastTick: nil, dataVersion: 1),
            at: BoardFixture.now)
        let lines = BoardFixture.render(state, glyphs: .ascii).lines
        #expect(lines[0].hasPrefix("no jobs"))
        // No evaluator has run on this database yet: said under the counts and in the alert log.
        #expect(lines[1] == "! alerts come from `backupboard serve`, which has not run on this database")
        #expect(lines[3] == " no jobs yet: add some with `backupboard jobs add` or a jobs file")
        #expect(!lines.contains(" no open alerts"))
        #expect(lines.contains(" alerts come from `backupboard serve`, which has not run on this database"))
    }

    @Test func hostileTextStaysOneCellPerCharacter() {
        #expect(ScreenBuffer.displayable("ok\u{1B}[2Jx\tend", glyphs: .utf8) == "ok?[2Jx end")
        #expect(ScreenBuffer.displayable("備份 ✔ é", glyphs: .utf8) == "?? ✔ é")
        #expect(ScreenBuffer.displayable("备份 ✔ é", glyphs: .ascii) == "?? ? ?")
        var buffer = ScreenBuffer(width: 8, height: 1)
        buffer.text("abcdefghij", x: 0, y: 0, width: 8, glyphs: .utf8)
        #expect(buffer.lines == ["abcdefg…"])
        buffer.text("abcdefghij", x: 0, y: 0, width: 8, glyphs: .ascii)
        #expect(buffer.lines == ["abcdefg~"])
        // Combining marks stay in their base's cell, up to two (a cell holds its scalars inline); CR LF is one cell.
        buffer = ScreenBuffer(width: 8, height: 1)
        buffer.text("ca\u{301}fe\u{323}\u{302}!\r\n.", x: 0, y: 0, width: 8, glyphs: .utf8)
        #expect(buffer.lines == ["ca\u{301}fe\u{323}\u{302}!?."])
        #expect(buffer[2, 0].scalars == ["f"])
        #expect(buffer[3, 0].scalars == ["e", "\u{323}", "\u{302}"])
    }

    @Test func demoFleetFromTheStoreRendersAtEverySize() async throws {
        let now = BoardFixture.now
        let fleet = DemoFleet.generate(seed: 7, now: now)
        let store = try BoardStore.inMemory()
        var ids: [String: Int64] = [:]
        for job in fleet.jobs { ids[job.slug] = try await store.insert(job) }
        _ = try await store.insert(fleet.events.map { event in
            Heartbeat(jobID: ids[event.slug]!, receivedAt: event.at, report: event.report, body: Array(event.body.utf8))
        })
        var state = BoardState(snapshot: try await store.loadBoard(at: now), now: now, loadedAt: now, width: 200, height: 50,
                               timeZone: BoardFixture.utc)
        let lines = BoardFixture.render(state, glyphs: .utf8).lines
        #expect(lines[0].contains("✖ 1 failed"))
        #expect(lines.contains { $0.contains("MySQL") })
        for (width, height) in [(80, 24), (120, 40), (60, 15), (39, 9), (1, 1)] {
            _ = state.handle(.resize(width: width, height: height))
            #expect(BoardFixture.render(state, glyphs: .ascii).lines.contains { !$0.isEmpty })
        }
    }
}

extension BoardRendererTests {
    @Test func eightyColumnsShowShortStateWordsWhenTheyFit() {
        // Three of the fixture's states: words fit at 80 columns beside the feed age and the clock.
        var snapshot = BoardFixture.snapshot
        snapshot.entries = snapshot.entries.filter { ["mysql-billing", "fs-gitlab-data", "mysql-orders"].contains($0.job.slug) }
        let state = BoardState(snapshot: snapshot, now: BoardFixture.now, loadedAt: BoardFixture.now.addingTimeInterval(-2),
                               width: 80, height: 24, timeZone: BoardFixture.utc)
        let header = BoardFixture.render(state, glyphs: .utf8).lines[0]
        #expect(header.hasPrefix("✖ 1 failed  ⚠ 1 overdue  ✔ 1 up"))
        // The whole fixture (eight states) needs the short form: glyph and count.
        #expect(BoardFixture.render(BoardFixture.state(width: 80, height: 24), glyphs: .utf8).lines[0].hasPrefix("‼1 ✖1 ⚠1"))
    }
}

extension BoardRendererTests {
    @Test func anOpenFleetAlertIsABannerInItsSeverity() {
        var snapshot = BoardFixture.snapshot
        snapshot.openAlerts.append(Alert(
            id: 99, kind: .fleet, severity: .emergency, jobID: nil,
            message: "4 of 9 jobs newly failed or overdue (threshold 3): mysql-billing, fs-gitlab-data, …",
            openedAt: BoardFixture.ago(hours: 0.1)))
        let state = BoardState(snapshot: snapshot, now: BoardFixture.now, loadedAt: BoardFixture.now,
                               width: 120, height: 40, timeZone: BoardFixture.utc)
        #expect(state.warnings.first?.role == .emergency)
        let buffer = BoardFixture.render(state, glyphs: .utf8)
        #expect(buffer.lines[1].hasPrefix("⚠ FLEET EMERGENCY since 6m ago: 4 of 9 jobs newly failed or overdue"))
        #expect(buffer[0, 1].style.role == .emergency)
        #expect(buffer[119, 1].style.role == .emergency)
    }
}

extension BoardRendererTests {
    @Test func notificationsWaitingShowUnderTheHeaderLouderOnceStuck() {
        var snapshot = BoardFixture.snapshot
        snapshot.outboxBacklog = [
            OutboxBacklog(channel: "email", pending: 1, oldestSince: BoardFixture.ago(hours: 0.005), lastError: nil),
            OutboxBacklog(channel: "slack", pending: 3, oldestSince: BoardFixture.ago(hours: 0.2), lastError: "HTTP 503"),
        ]
        var state = BoardState(snapshot: snapshot, now: BoardFixture.now, loadedAt: BoardFixture.now,
                               width: 120, height: 40, timeZone: BoardFixture.utc)
        // The email waited 18 s: normal. Slack has waited 12 minutes and fails.
        #expect(state.warnings.contains(BoardState.Warning(
            text: "notifications waiting: slack 3 for 12m (last error: HTTP 503)", role: .warning)))
        // Five minutes on, the email is late too, and Slack's oldest has waited past 15 minutes: stuck.
        state.tick(BoardFixture.now.addingTimeInterval(5 * 60))
        let stuck = "notifications waiting: email 1 for 5m; slack 3 for 17m (last error: HTTP 503)"
        #expect(state.warnings.contains(BoardState.Warning(text: stuck, role: .critical)))
        #expect(BoardFixture.render(state, glyphs: .ascii).lines.contains { $0.hasPrefix("! " + stuck) })
    }
}

extension BoardRendererTests {
    @Test func alertMessagesDropTheSlugTheJobColumnShows() {
        #expect(AlertLog.message("pg-main is overdue: due 14:00 UTC", after: "pg-main") == "is overdue: due 14:00 UTC")
        #expect(AlertLog.message("nas-photos's backup of Nov 26 failed verification", after: "nas-photos")
            == "backup of Nov 26 failed verification")
        #expect(AlertLog.message("pg-main-incr failed", after: "pg-main") == "pg-main-incr failed")
        #expect(AlertLog.message("4 of 9 jobs newly failed", after: "fleet") == "4 of 9 jobs newly failed")
    }
}
