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

struct BoardStateTests {
    private func press(_ state: inout BoardState, _ keys: Key...) -> [BoardEffect] {
        keys.flatMap { state.handle($0) }
    }

    private func type(_ state: inout BoardState, _ text: String) {
        for character in text { _ = state.handle(.character(character)) }
    }

    @Test func aServerLoadWhoseJobsAreUnchangedTakesTheTickAndAlertsButNotTheJobsAgain() {
        let now = BoardFixture.now
        let snapshot = BoardFixture.snapshot
        let judged = FleetReport(snapshot, at: now)
        var state = BoardState.empty(now: now, width: 120, height: 40)
        state.load(BoardLoad(snapshot: snapshot, judged: judged), at: now)
        #expect(state.report.jobs.map(\.job.slug) == judged.jobs.map(\.job.slug))

        // The evaluator ticked and an alert closed; the jobs are said to be the ones taken: a report that
        // came with them is not read (an idle remote board takes 10,000 jobs only when they move).
        var ticked = BoardLoad(snapshot: snapshot, judged: FleetReport(judged: [], at: now), jobsUnchanged: true)
        ticked.snapshot.evaluatorLastTick = now.addingTimeInterval(1)
        ticked.snapshot.openAlerts.removeAll { $0.id == 1 }
        state.load(ticked, at: now.addingTimeInterval(2))
        #expect(state.snapshot.evaluatorLastTick == now.addingTimeInterval(1))
        #expect(state.report.jobs.map(\.job.slug) == judged.jobs.map(\.job.slug))
        #expect(state.visibleAlerts.map(\.id) == [5, 2, 4, 3])
        #expect(state.acknowledgedAlerts == 1)
        #expect(state.fleetAlert == nil)

        // Jobs that did change come whole.
        state.load(BoardLoad(snapshot: snapshot, judged: FleetReport(judged: Array(judged.jobs.prefix(2)), at: now)), at: now)
        #expect(state.report.jobs.count == 2)
    }

    @Test func aLoadTakenInPlaceOfOneNobodyTookKeepsItsNewJobs() {
        let full = BoardLoad(snapshot: BoardFixture.snapshot, judged: FleetReport(BoardFixture.snapshot, at: BoardFixture.now))
        var tick = full
        tick.jobsUnchanged = true
        #expect(!tick.replacing(full).jobsUnchanged)
        #expect(tick.replacing(tick).jobsUnchanged && tick.replacing(nil).jobsUnchanged)
        #expect(!full.replacing(tick).jobsUnchanged)
    }

    @Test func movementClampsAndScrolls() {
        var state = BoardFixture.state(width: 80, height: 24)
        #expect(state.selectedJob?.job.slug == "nas-photos")
        _ = press(&state, .character("k"))
        #expect(state.jobIndex == 0)
        _ = press(&state, .character("j"), .down)
        #expect(state.selectedJob?.job.slug == "fs-gitlab-data")
        _ = press(&state, .character("G"))
        #expect(state.selectedJob?.job.slug == "mssql-legacy-erp")
        _ = press(&state, .character("j"))
        #expect(state.jobIndex == 9)
        _ = press(&state, .home)
        #expect(state.jobIndex == 0)
        // A small screen: 5 job rows; page down moves a page and scrolls to keep the selection visible.
        _ = press(&state, .resize(width: 60, height: 12))
        #expect(state.layout.jobRows == 5)
        _ = press(&state, .pageDown)
        #expect(state.jobIndex == 5)
        #expect(state.jobScroll == 1)
        _ = press(&state, .end, .pageUp)
        #expect(state.jobIndex == 4)
        #expect(state.jobScroll == 4)
    }

    @Test func selectionFollowsTheJobAcrossResortsAndReloads() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("j"), .character("j"))
        #expect(state.selectedJob?.job.slug == "fs-gitlab-data")
        _ = press(&state, .character("s"))
        #expect(state.sort == .priority)
        #expect(state.selectedJob?.job.slug == "fs-gitlab-data")
        state.load(BoardFixture.snapshot, at: BoardFixture.now.addingTimeInterval(5))
        #expect(state.selectedJob?.job.slug == "fs-gitlab-data")
        #expect(!state.feedIsStale)
    }

    @Test func sortCyclesThroughFiveOrders() {
        var state = BoardFixture.state(width: 80, height: 24)
        var firsts: [String] = []
        for _ in 0..<5 {
            firsts.append("\(state.sort.rawValue): \(state.visibleJobs.first!.job.slug)")
            _ = press(&state, .character("s"))
        }
        #expect(firsts == [
            "state: nas-photos", "priority: mysql-billing", "name: etc-configs", "next due: fs-gitlab-data",
            "last run: pg-payments-v2",
        ])
        #expect(state.sort == .state)
        #expect(state.visibleJobs.last?.job.slug == "mssql-legacy-erp")
        _ = press(&state, .character("s"), .character("s"), .character("s"))
        #expect(state.visibleJobs.last?.job.slug == "mssql-legacy-erp", "paused jobs are due never: last")
    }

    @Test func filterMatchesNameSlugTagAndStateAsYouType() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("/"))
        type(&state, "mysql")
        #expect(state.prompt == .filter(text: "mysql", previous: ""))
        #expect(state.visibleJobs.map(\.job.slug) == ["mysql-billing", "mysql-orders"])
        #expect(state.visibleAlerts.map(\.id) == [1, 4], "the alert log follows the filter")
        _ = press(&state, .enter)
        #expect(state.prompt == nil)
        #expect(state.filter == "mysql")
        // Words are ANDed; tags, state words and `muted` match.
        _ = press(&state, .character("/"), .backspace, .backspace, .backspace, .backspace, .backspace)
        type(&state, "prod failed")
        #expect(state.visibleJobs.map(\.job.slug) == ["mysql-billing"])
        _ = press(&state, .escape)
        #expect(state.filter == "mysql", "Esc restores the filter from before the prompt")
        _ = press(&state, .character("/"), .backspace, .backspace, .backspace, .backspace, .backspace)
        type(&state, "Overdue")
        _ = press(&state, .enter)
        #expect(state.visibleJobs.map(\.job.slug) == ["fs-gitlab-data"])
        _ = press(&state, .character("/"))
        for _ in 0..<7 { _ = press(&state, .backspace) }
        type(&state, "muted")
        _ = press(&state, .enter)
        #expect(state.visibleJobs.map(\.job.slug) == ["etc-configs"])
        _ = press(&state, .escape)
        #expect(state.filter.isEmpty)
        #expect(state.visibleJobs.count == 10)
    }

    @Test func acknowledgingTheSelectedAlertAsksForANote() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .tab)
        #expect(state.focus == .alerts)
        #expect(state.selectedAlert?.id == 5, "newest first")
        _ = press(&state, .character("j"), .character("a"))
        #expect(state.prompt == .acknowledgeNote(alertIDs: [1], subject: "alert #1 (failed, mysql-billing)", text: ""))
        type(&state, "on it")
        #expect(press(&state, .enter) == [.acknowledge(alertID: 1, note: "on it"), .refresh])
        #expect(state.prompt == nil)
        // Without a note.
        _ = press(&state, .character("a"))
        #expect(press(&state, .enter) == [.acknowledge(alertID: 1, note: nil), .refresh])
        // Esc cancels.
        _ = press(&state, .character("a"), .character("x"))
        #expect(press(&state, .escape) == [])
        #expect(state.message?.text == "cancelled")
    }

    @Test func acknowledgingFromTheJobTableAcksThatJobsOpenAlerts() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("j"))
        #expect(state.selectedJob?.job.slug == "mysql-billing")
        _ = press(&state, .character("a"))
        #expect(press(&state, .enter) == [.acknowledge(alertID: 1, note: nil), .refresh])
        // nas-photos' only alert is already acknowledged.
        _ = press(&state, .character("k"), .character("a"))
        #expect(state.prompt == nil)
        #expect(state.message?.text == "nas-photos has no unacknowledged alerts")
    }

    @Test func acknowledgeAllVisibleAsksFirst() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("A"))
        #expect(state.prompt == .confirmAcknowledgeAll(alertIDs: [5, 1, 4, 3]), "the acknowledged one is left out")
        #expect(press(&state, .character("x")) == [])
        #expect(press(&state, .character("n")) == [])
        #expect(state.prompt == nil)
        _ = press(&state, .character("/"))
        type(&state, "mysql")
        _ = press(&state, .enter, .character("A"))
        #expect(press(&state, .character("y")) == [.acknowledgeAll(alertIDs: [1, 4]), .refresh])
    }

    @Test func muteAsksForADurationAndAReason() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("j"), .character("m"))
        #expect(state.prompt == .muteDuration(slug: "mysql-billing"))
        #expect(press(&state, .character("9")) == [])
        _ = press(&state, .character("2"))
        #expect(state.prompt == .muteReason(slug: "mysql-billing", duration: 4 * 3_600, text: "", problem: nil))
        _ = press(&state, .enter)
        #expect(state.prompt == .muteReason(slug: "mysql-billing", duration: 4 * 3_600, text: "", problem: "a reason is required"))
        type(&state, "db migration")
        #expect(press(&state, .enter) == [
            .mute(slug: "mysql-billing", until: BoardFixture.now.addingTimeInterval(4 * 3_600), reason: "db migration"), .refresh,
        ])
        // Custom: a duration that does not read is said, and asked again.
        _ = press(&state, .character("m"), .character("4"))
        type(&state, "soon")
        _ = press(&state, .enter)
        #expect(state.prompt == .muteCustomDuration(slug: "mysql-billing", text: "soon", problem: "'soon' is not a duration: try 90m, 6h, 2d"))
        for _ in 0..<4 { _ = press(&state, .backspace) }
        type(&state, "90m")
        _ = press(&state, .enter)
        type(&state, "x")
        #expect(press(&state, .enter) == [
            .mute(slug: "mysql-billing", until: BoardFixture.now.addingTimeInterval(5_400), reason: "x"), .refresh,
        ])
        // From the alert log, the alert's job is muted.
        _ = press(&state, .tab, .character("m"))
        #expect(state.prompt == .muteDuration(slug: "etc-configs"))
        #expect(press(&state, .escape) == [])
    }

    @Test func unmuteRemovesOnlyAJobsOwnMute() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("/"))
        type(&state, "configs")
        _ = press(&state, .enter)
        #expect(press(&state, .character("M")) == [.unmute(slug: "etc-configs"), .refresh])
        _ = press(&state, .escape, .home, .character("M"))
        #expect(state.message?.text == "nas-photos is not muted")
        var tagged = BoardFixture.snapshot
        tagged.activeMutes = [Mute(scope: .tag("nas"), until: BoardFixture.now.addingTimeInterval(60), createdBy: "ana",
                                   reason: "move", createdAt: BoardFixture.now)]
        state.load(tagged, at: BoardFixture.now)
        #expect(press(&state, .character("M")) == [])
        #expect(state.message?.text == "nas-photos is muted by tag nas; M removes only a job's own mute")
    }

    @Test func readonlyRefusesEveryWrite() {
        var state = BoardFixture.state(width: 80, height: 24, readonly: true)
        for key in ["a", "A", "m", "M"] {
            #expect(press(&state, .character(Character(key))) == [])
            #expect(state.prompt == nil)
            #expect(state.message == StatusMessage(text: "read-only board: acknowledging and muting are disabled", level: .warning))
        }
        _ = press(&state, .tab)
        #expect(press(&state, .character("a")) == [])
        #expect(press(&state, .character("r")) == [.refresh], "reading still works")
        #expect(press(&state, .enter) == [.loadDetail(jobID: 10)])
        #expect(press(&state, .character("m")) == [])
        #expect(state.prompt == nil)
    }

    @Test func helpIsGeneratedFromTheKeymap() {
        let keymap = Keymap.standard
        let lines = keymap.helpLines(readonly: false)
        #expect(lines.count == keymap.bindings.count)
        for binding in keymap.bindings {
            #expect(lines.contains { $0.hasPrefix(binding.label) && $0.hasSuffix(binding.help) })
        }
        #expect(lines.first == "j Down      next row")
        let readonly = keymap.helpLines(readonly: true)
        #expect(readonly.filter { $0.contains("read-only board") }.count == 4)
        // Every action has a key, and no key does two things.
        #expect(Set(keymap.bindings.map(\.action)) == Set(BoardAction.allCases))
        let keys = keymap.bindings.flatMap(\.keys)
        #expect(Set(keys).count == keys.count)

        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("?"))
        #expect(state.showsHelp)
        #expect(press(&state, .character("q")) == [], "q closes the help rather than quitting")
        #expect(!state.showsHelp)
        _ = press(&state, .character("?"), .escape)
        #expect(!state.showsHelp)
    }

    @Test func detailOpensLoadsScrollsAndCloses() {
        var state = BoardFixture.state(width: 80, height: 24)
        _ = press(&state, .character("j"))
        #expect(press(&state, .enter) == [.loadDetail(jobID: 1)])
        #expect(state.detail?.slug == "mysql-billing" && state.detail?.jobID == 1 && state.detail?.data == nil)
        // Its next due times are worked out as it opens, not while drawing.
        #expect(state.detail?.expected.count == DetailView.expectedCount)
        state.showDetail(JobDetail(jobID: 2, runs: [], lastHeartbeat: nil))
        #expect(state.detail?.data == nil, "an answer for another job is ignored")
        state.showDetail(BoardFixture.billingDetail)
        #expect(state.detail?.data == BoardFixture.billingDetail)
        _ = press(&state, .character("j"), .character("j"))
        #expect(state.detail?.scroll == 2)
        _ = press(&state, .character("G"))
        let bottom = state.detail!.scroll
        #expect(bottom > 2)
        _ = press(&state, .character("j"))
        #expect(state.detail?.scroll == bottom, "no scrolling past the end")
        #expect(press(&state, .character("r")) == [.refresh, .loadDetail(jobID: 1)])
        #expect(press(&state, .character("a")) == [])
        #expect(state.prompt == .acknowledgeNote(alertIDs: [1], subject: "alert #1 of mysql-billing", text: ""))
        _ = press(&state, .escape)
        #expect(state.prompt == nil)
        _ = press(&state, .escape)
        #expect(state.detail == nil)
        #expect(state.selectedJob?.job.slug == "mysql-billing")
    }

    @Test func plainKeysMapToEffects() {
        var state = BoardFixture.state(width: 80, height: 24)
        #expect(press(&state, .character("r")) == [.refresh])
        #expect(press(&state, .character("t")) == [.nextTheme])
        #expect(press(&state, .character("q")) == [.quit])
        #expect(press(&state, .character("z")) == [])
        // A fleet-wide alert has no job to open.
        var fleet = BoardFixture.snapshot
        fleet.openAlerts = [Alert(id: 9, kind: .fleet, severity: .critical, jobID: nil, message: "4 jobs failed", openedAt: BoardFixture.now)]
        state.load(fleet, at: BoardFixture.now)
        #expect(press(&state, .tab, .enter) == [])
        #expect(state.message?.text == "this alert is about the whole fleet, not one job")
    }

    @Test func resizeMovesTheAlertLogBesideTheTable() {
        var state = BoardFixture.state(width: 80, height: 24)
        #expect(!state.layout.alertsBeside)
        // At 120 columns the table needs the width (docs/board.md): the log stays under it.
        _ = press(&state, .resize(width: 120, height: 40))
        #expect(!state.layout.alertsBeside)
        _ = press(&state, .resize(width: 200, height: 50))
        #expect(state.layout.alertsBeside)
        #expect(state.layout.table.width + 1 + state.layout.alerts.width == 200)
        _ = press(&state, .resize(width: 30, height: 8))
        #expect(state.layout.compact)
    }
}
