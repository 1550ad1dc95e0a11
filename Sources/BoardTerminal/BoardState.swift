import BoardModel
import Foundation

/// Which list the movement keys move in.
enum Pane: Sendable, Equatable {
    case jobs, alerts
}

/// How the job table is ordered; `s` cycles through them.
enum SortOrder: String, Sendable, Equatable, CaseIterable {
    /// Worst state first (then priority, slug): the fleet report's order.
    case state
    /// Critical jobs first.
    case priority
    /// By display name.
    case name
    /// Soonest due first; overdue jobs, due in the past, come first.
    case nextDue = "next due"
    /// Oldest last run first (never-run jobs first): neglected jobs surface.
    case lastRun = "last run"

    /// The next order in the cycle.
    var next: SortOrder {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// A question on the bottom row; while one is open, keys go to it.
enum Prompt: Sendable, Equatable {
    /// Typing a filter; the table follows as you type. Esc restores `previous`.
    case filter(text: String, previous: String)
    /// An optional note for acknowledging `alertIDs` (one alert, or a job's open alerts).
    case acknowledgeNote(alertIDs: [Int64], subject: String, text: String)
    /// `A`: acknowledge these visible alerts? y/n.
    case confirmAcknowledgeAll(alertIDs: [Int64])
    /// `m`: for how long? 1 = 1h, 2 = 4h, 3 = 1d, 4 = custom.
    case muteDuration(slug: String)
    /// A custom mute duration being typed (`90m`, `2d`); `problem` when the last one did not read.
    case muteCustomDuration(slug: String, text: String, problem: String?)
    /// Why the job is muted (required).
    case muteReason(slug: String, duration: TimeInterval, text: String, problem: String?)
}

/// A line of feedback on the bottom row until the next key.
package struct StatusMessage: Sendable, Equatable {
    package enum Level: Sendable, Equatable {
        case info, warning, error
    }

    var text: String
    var level: Level
}

/// The open detail view: which job, its data once loaded, how far it is scrolled.
struct DetailState: Sendable, Equatable {
    var slug: String
    var jobID: Int64
    /// Nil until the loader answers `loadDetail`.
    var data: JobDetail?
    var scroll: Int = 0
    /// The next due times: made when the detail opens, its data comes or the job is judged again.
    var expected: [Date] = []
}

/// Everything the board shows and every change a key can make: the model half of the TUI. The renderer
/// draws it; the terminal loop feeds it keys, loads and ticks, and performs the effects `handle(_:)` returns.
package struct BoardState: Sendable {
    // MARK: Data

    /// The last snapshot loaded, judged at `now`; only what changed or what time made stale is judged again.
    private var judge: FleetJudge
    /// The clock: every age, countdown and state on screen is judged at this moment.
    private(set) var now: Date
    /// Jobs by shown state, over the whole fleet, for the header.
    private(set) var counts: [JobState: Int] = [:]
    /// Every job's restore state at `now` (docs/restore-tests.md): made again when jobs are judged again or a
    /// restore deadline passes, never while drawing.
    private(set) var restore: RestoreStates = .empty
    /// When the last load succeeded (the feed age); nil before the first.
    private(set) var loadedAt: Date?
    /// Why the latest load failed, until one succeeds again.
    private(set) var loadError: String?

    // MARK: Settings

    /// A glance-screen board: acknowledging and muting are refused.
    var readonly: Bool
    /// Zone of the clock and of the times shown.
    var timeZone: TimeZone {
        didSet { calendar.timeZone = timeZone }
    }
    /// A Gregorian calendar in `timeZone`, made once rather than on every frame.
    private(set) var calendar = Calendar(identifier: .gregorian)
    /// The feed is stale when the last successful load is older than this.
    var staleAfter: TimeInterval
    /// `serve`'s evaluator interval, for "evaluator last ran" staleness.
    var evaluatorInterval: TimeInterval
    /// The keys; the help overlay is generated from it.
    let keymap: Keymap

    // MARK: View

    // Changed by `handle(_:)` (in BoardState+Keys.swift); the rows only by `refreshRows()`.

    var width: Int
    var height: Int
    var focus: Pane = .jobs
    var filter = ""
    var sort: SortOrder = .state
    /// The jobs the table lists: filtered and sorted.
    var visibleJobs: [JobReport] { filteredJobs ?? report.jobs }
    /// The rows when a filter or another order is in force; nil lists the report as it is. (The rows never
    /// keep a copy of the report's own array: the judge then writes into it in place, rather than copying
    /// 10,000 reports to change one.)
    private var filteredJobs: [JobReport]?
    /// The open alerts the log lists, newest first, filtered like the jobs.
    private(set) var visibleAlerts: [Alert] = [] {
        didSet { acknowledgedAlerts = visibleAlerts.reduce(0) { $0 + ($1.isAcknowledged ? 1 : 0) } }
    }
    /// How many of `visibleAlerts` are acknowledged: counted when they change, not on every frame.
    private(set) var acknowledgedAlerts = 0
    /// The open fleet alert the header shows as a banner: found when the alerts change, not on every frame
    /// (a fleet may have thousands open).
    private(set) var fleetAlert: Alert?
    /// Index of the selected job in `visibleJobs` (0 when empty) and the first row shown.
    var jobIndex = 0
    var jobScroll = 0
    var alertIndex = 0
    var alertScroll = 0
    var detail: DetailState?
    var showsHelp = false
    var helpScroll = 0
    var prompt: Prompt?
    var message: StatusMessage?

    /// The sparklines of the rows on screen, by job id: made when a job's data or judgement changes or its
    /// row scrolls into view, never while drawing (docs/architecture.md §7).
    private(set) var trends: [Int64: JobTrends] = [:]

    /// Positions in `snapshot.entries` by job id, so rows find a job's runs in O(1).
    private var entryPositions: [Int64: Int] = [:]

    /// The selection is kept by identity across reloads and re-sorts.
    private var selectedSlug: String?
    private var selectedAlertID: Int64?

    /// A board showing `snapshot` at `now`; `loadedAt` is when the snapshot was read (nil: not yet loaded).
    package init(
        snapshot: BoardSnapshot, now: Date, loadedAt: Date?, readonly: Bool = false, width: Int = 80,
        height: Int = 24, timeZone: TimeZone = .current, staleAfter: TimeInterval = 30,
        evaluatorInterval: TimeInterval = BoardSnapshot.defaultEvaluatorInterval, keymap: Keymap = .standard
    ) {
        judge = FleetJudge(snapshot, at: now)
        self.now = now
        self.loadedAt = loadedAt
        self.readonly = readonly
        self.width = max(0, width)
        self.height = max(0, height)
        self.timeZone = timeZone
        calendar.timeZone = timeZone
        self.staleAfter = staleAfter
        self.evaluatorInterval = evaluatorInterval
        self.keymap = keymap
        indexEntries()
        judgementChanged()
    }

    /// An empty board before the first load.
    package static func empty(now: Date, readonly: Bool = false, width: Int = 80, height: Int = 24) -> BoardState {
        BoardState(
            snapshot: BoardSnapshot(entries: [], openAlerts: [], activeMutes: [], unknownKeys: [], evaluatorLastTick: nil, dataVersion: 0),
            now: now, loadedAt: nil, readonly: readonly, width: width, height: height)
    }

    // MARK: Feeding the model

    /// The last snapshot loaded successfully.
    package var snapshot: BoardSnapshot { judge.snapshot }
    /// Every job judged at `now`, worst first.
    var report: FleetReport { judge.report }

    /// A load succeeded at `now`: new data, fresh feed. Only the jobs whose data changed are judged again.
    package mutating func load(_ snapshot: BoardSnapshot, at now: Date) {
        loadedAt = now
        loadError = nil
        self.now = now
        let entriesMoved = snapshot.entries.count != judge.snapshot.entries.count
            || snapshot.dataVersion != judge.snapshot.dataVersion || snapshot.dataVersion == 0
        judge.update(snapshot, at: now)
        if entriesMoved { indexEntries() }
        judgementChanged()
    }

    /// A load from a board source at `now`: data the board judges itself, or a fleet judged by a server.
    package mutating func load(_ load: BoardLoad, at now: Date) {
        guard let judged = load.judged else { return self.load(load.snapshot, at: now) }
        loadedAt = now
        loadError = nil
        self.now = now
        // The evaluator's tick every interval, an alert, a mute: 10,000 jobs are not taken again for them.
        let before = snapshot
        if load.jobsUnchanged, judge.take(unchangedJobsOf: load.snapshot, at: now) {
            if load.snapshot.openAlerts != before.openAlerts || load.snapshot.activeMutes != before.activeMutes {
                refreshRows()
            }
            return
        }
        judge.take(judged, of: load.snapshot, at: now)
        indexEntries()
        judgementChanged()
    }

    /// The source answered at `now` and nothing had changed: the data on screen is fresh again.
    package mutating func answered(at now: Date) {
        loadedAt = now
        loadError = nil
    }

    /// A load failed: the old data stays on screen, marked stale with the reason.
    package mutating func loadFailed(_ reason: String, at now: Date) {
        loadError = reason
        tick(now)
    }

    /// The clock moved: timers and countdowns tick from here; the jobs whose judgement ran out (a deadline
    /// passed, a mute ended) are judged again, and only then do the rows change.
    package mutating func tick(_ now: Date) {
        self.now = now
        if judge.advance(to: now) {
            judgementChanged()
        } else if now >= restore.validUntil {
            restore = report.restoreStates
        }
    }

    private mutating func indexEntries() {
        entryPositions = [:]
        entryPositions.reserveCapacity(snapshot.entries.count)
        let entries = snapshot.entries
        for index in entries.indices {
            if let id = entries[index].job.id { entryPositions[id] = index }
        }
    }

    /// Recounts the header and remakes the rows after jobs were judged again.
    private mutating func judgementChanged() {
        counts = report.countsByState
        restore = report.restoreStates
        refreshRows()
        refreshDetailSchedule()
    }

    /// The open detail's next due times, from the job's schedule (its detail's, once loaded): worked out
    /// here rather than while drawing (docs/architecture.md §7).
    mutating func refreshDetailSchedule() {
        guard let current = detail, let entry = jobReport(slug: current.slug) else { return }
        let job = current.data?.job ?? entry.job
        let due = entry.status.dueAt
        detail?.expected = job.paused ? [] : [due] + job.schedule.fireTimes(after: due, count: DetailView.expectedCount - 1)
    }

    /// The loader's answer to `loadDetail`; ignored if the detail view has closed or moved on.
    package mutating func showDetail(_ data: JobDetail) {
        guard detail?.jobID == data.jobID else { return }
        detail?.data = data
        refreshDetailSchedule()
    }

    /// Feedback from the I/O layer (an ack stored, a write refused by the database).
    package mutating func show(_ text: String, level: StatusMessage.Level = .info) {
        message = StatusMessage(text: text, level: level)
    }

    // MARK: Derived

    /// No successful load yet, the last one failed, or it is older than `staleAfter`.
    var feedIsStale: Bool {
        guard let loadedAt, loadError == nil else { return true }
        return now.timeIntervalSince(loadedAt) > staleAfter
    }

    /// `serve`'s evaluator has not ticked for three intervals: states may be out of date.
    var evaluatorIsStale: Bool {
        snapshot.evaluatorIsStale(at: now, interval: evaluatorInterval)
    }

    /// Nothing opens or closes alerts: the data is loaded, but `serve`'s evaluator has never run on it or
    /// not for three intervals. The header and the alert log say so, rather than "no open alerts".
    var evaluatorNotRunning: Bool {
        loadedAt != nil && (snapshot.evaluatorLastTick == nil || evaluatorIsStale)
    }

    /// `alerts come from `backupboard serve`, which last ran 3h05m ago` (or has not run on this database).
    var evaluatorNotice: String? {
        guard evaluatorNotRunning else { return nil }
        let when = snapshot.evaluatorLastTick.map { "last ran \(TimeText.ago($0, now: now))" } ?? "has not run on this database"
        return "alerts come from `backupboard serve`, which \(when)"
    }

    /// The selected job, if the table is not empty.
    var selectedJob: JobReport? {
        visibleJobs.indices.contains(jobIndex) ? visibleJobs[jobIndex] : nil
    }

    /// The selected alert, if the log is not empty.
    var selectedAlert: Alert? {
        visibleAlerts.indices.contains(alertIndex) ? visibleAlerts[alertIndex] : nil
    }

    /// The job and current-state row with this id.
    func entry(jobID: Int64) -> BoardSnapshot.Entry? {
        entryPositions[jobID].map { snapshot.entries[$0] }
    }

    /// The job report (judged at `now`) of the job with this slug.
    func jobReport(slug: String) -> JobReport? {
        judge.job(slug: slug)
    }

    /// The job report of the job with this id.
    func jobReport(jobID: Int64) -> JobReport? {
        entry(jobID: jobID).flatMap { jobReport(slug: $0.job.slug) }
    }

    /// A line the header shows under the counts, in its role.
    struct Warning: Sendable, Equatable {
        var text: String
        var role: StyleRole
    }

    /// Warning lines the header shows under the counts, worst first: the fleet alert as a banner, a stale
    /// feed or evaluator, unknown keys.
    var warnings: [Warning] {
        var lines: [Warning] = []
        if let fleet = fleetAlert {
            let acknowledged = fleet.acknowledgedBy.map { ", acknowledged by \($0)" } ?? ""
            lines.append(Warning(
                text: "FLEET \(fleet.severity.rawValue.uppercased()) since \(TimeText.ago(fleet.openedAt, now: now))"
                    + "\(acknowledged): \(fleet.message)",
                role: AlertLog.role(fleet.severity)))
        }
        var stale: [String] = []
        if let loadError {
            let age = loadedAt.map { "last good load \(TimeText.ago($0, now: now))" } ?? "nothing loaded yet"
            stale.append("feed stale: \(loadError) (\(age))")
        } else if feedIsStale, let loadedAt {
            stale.append("feed stale: last load \(TimeText.ago(loadedAt, now: now))")
        }
        if let evaluatorNotice { stale.append(evaluatorNotice) }
        lines += stale.map { Warning(text: $0, role: .banner) }
        if let outbox = outboxWarning { lines.append(outbox) }
        if let key = snapshot.unknownKeys.first {
            let more = snapshot.unknownKeys.count > 1 ? " (+\(snapshot.unknownKeys.count - 1) more keys)" : ""
            let agent = key.lastUserAgent.map { ", \($0)" } ?? ""
            lines.append(Warning(
                text: "404s for unknown key \(key.keyPrefix)... (\(key.count) pings, last \(TimeText.ago(key.lastSeenAt, now: now)) "
                    + "from \(key.lastSource ?? "?")\(agent))\(more): a mistyped ping URL?",
                role: .warning))
        }
        return lines
    }

    /// Notifications waiting longer than a minute, or failing: `notifications waiting: slack 3 for 12m (last
    /// error: HTTP 503)`; critical once the oldest has waited as long as `serve`'s `/healthz` calls stuck.
    private var outboxWarning: Warning? {
        let late = snapshot.outboxBacklog.filter { now.timeIntervalSince($0.oldestSince) > 60 || $0.lastError != nil }
        guard !late.isEmpty else { return nil }
        let parts = late.map { backlog in
            "\(backlog.channel) \(backlog.pending) for \(HumanUnits.shortDuration(now.timeIntervalSince(backlog.oldestSince)))"
                + (backlog.lastError.map { " (last error: \($0))" } ?? "")
        }
        let stuck = late.contains { now.timeIntervalSince($0.oldestSince) > Self.outboxStuckAfter }
        return Warning(text: "notifications waiting: " + parts.joined(separator: "; "), role: stuck ? .critical : .warning)
    }

    /// How long a notification may wait before the outbox counts as stuck (as `/healthz` judges it by default).
    static let outboxStuckAfter: TimeInterval = 15 * 60

    /// Where everything goes at the current size.
    var layout: BoardLayout {
        BoardLayout(width: width, height: height, warningLines: warnings.count, jobCount: visibleJobs.count) { width in
            AlertLog.lineCount(of: self, width: width, upTo: height)
        }
    }

    // MARK: Rows

    /// Recomputes the visible rows after the data, filter or sort changed, keeping the selection on the
    /// same job and alert when they are still listed.
    mutating func refreshRows() {
        let terms = filter.lowercased().split(separator: " ").map(String.init)
        // Unfiltered in the report's own order, the rows are the report: shared, not copied.
        filteredJobs = terms.isEmpty && sort == .state
            ? nil : Self.sorted(report.jobs.filter { Self.matches($0, terms: terms) }, by: sort)
        fleetAlert = snapshot.openAlerts.first { $0.kind == .fleet }
        visibleAlerts = snapshot.openAlerts.sorted { ($0.openedAt, $0.id ?? 0) > ($1.openedAt, $1.id ?? 0) }.filter { alert in
            guard !terms.isEmpty else { return true }
            if let jobID = alert.jobID, let entry = jobReport(jobID: jobID), Self.matches(entry, terms: terms) {
                return true
            }
            let text = (alert.message + " " + alert.kind.rawValue + " " + alert.severity.rawValue).lowercased()
            return terms.allSatisfy(text.contains)
        }
        if let slug = selectedSlug, let index = visibleJobs.firstIndex(where: { $0.job.slug == slug }) {
            jobIndex = index
        }
        if let id = selectedAlertID, let index = visibleAlerts.firstIndex(where: { $0.id == id }) {
            alertIndex = index
        }
        select(jobIndex, in: .jobs)
        select(alertIndex, in: .alerts)
    }

    /// Moves the selection of `pane` to `index` (clamped) and scrolls just enough to show it.
    mutating func select(_ index: Int, in pane: Pane) {
        let layout = self.layout
        switch pane {
        case .jobs:
            jobIndex = max(0, min(index, visibleJobs.count - 1))
            jobScroll = Self.scroll(jobScroll, keeping: jobIndex, rows: layout.jobRows, count: visibleJobs.count)
            selectedSlug = selectedJob?.job.slug
            refreshTrends(rows: layout.jobRows)
        case .alerts:
            alertIndex = max(0, min(index, visibleAlerts.count - 1))
            alertScroll = Self.scroll(alertScroll, keeping: alertIndex, rows: layout.alertRows, count: visibleAlerts.count)
            selectedAlertID = selectedAlert?.id
        }
    }

    /// Keeps the sparklines of the rows on screen, remaking those whose job's data version or judgement
    /// moved since they were made (every time, for data without versions); rows scrolled away are let go.
    private mutating func refreshTrends(rows: Int) {
        let shown = visibleJobs.dropFirst(jobScroll).prefix(rows)
        var kept: [Int64: JobTrends] = [:]
        kept.reserveCapacity(shown.count)
        for row in shown {
            guard let id = row.job.id, let entry = entry(jobID: id) else { continue }
            let source = JobTrends.Source(version: entry.version, validUntil: row.status.validUntil)
            if entry.version != 0, let old = trends[id], old.source == source {
                kept[id] = old
            } else {
                kept[id] = JobTrends(
                    runs: entry.activity.recentRuns, job: entry.job, status: row.status, at: now, source: source)
            }
        }
        trends = kept
    }

    /// The first row to show so that `index` is visible, moving `scroll` as little as possible.
    static func scroll(_ scroll: Int, keeping index: Int, rows: Int, count: Int) -> Int {
        guard rows > 0, count > 0 else { return 0 }
        var first = min(scroll, index)
        if index >= first + rows { first = index - rows + 1 }
        return max(0, min(first, count - rows))
    }

    /// Every filter word must appear in the name, slug, a tag or the state word (`muted` finds muted jobs).
    static func matches(_ entry: JobReport, terms: [String]) -> Bool {
        guard !terms.isEmpty else { return true }
        var fields = [entry.job.name, entry.job.slug, entry.status.state.word, entry.status.state.rawValue]
        fields += entry.job.tags
        if entry.muted { fields.append("muted") }
        let haystack = fields.joined(separator: "\u{1}").lowercased()
        return terms.allSatisfy(haystack.contains)
    }

    /// `jobs` in `order`; every order falls back to the slug so rows never swap places between frames.
    static func sorted(_ jobs: [JobReport], by order: SortOrder) -> [JobReport] {
        switch order {
        case .state:
            return jobs
        case .priority:
            return jobs.sorted {
                ($0.job.priority.rank, $0.status.state.rank, $0.job.slug) < ($1.job.priority.rank, $1.status.state.rank, $1.job.slug)
            }
        case .name:
            return jobs.sorted {
                ($0.job.name.lowercased(), $0.job.slug) < ($1.job.name.lowercased(), $1.job.slug)
            }
        case .nextDue:
            // Paused jobs are due never.
            func key(_ entry: JobReport) -> Double {
                entry.job.paused ? .infinity : entry.status.dueAt.timeIntervalSince1970
            }
            return jobs.sorted { (key($0), $0.job.slug) < (key($1), $1.job.slug) }
        case .lastRun:
            func key(_ entry: JobReport) -> Double {
                entry.status.lastRun?.time.timeIntervalSince1970 ?? -.infinity
            }
            return jobs.sorted { (key($0), $0.job.slug) < (key($1), $1.job.slug) }
        }
    }
}
