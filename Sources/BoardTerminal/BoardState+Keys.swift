import BoardModel
import Foundation

extension BoardState {
    /// How long each mute choice lasts: `1` 1h, `2` 4h, `3` 1d (`4` asks).
    static let muteChoices: [(key: Character, label: String, duration: TimeInterval)] = [
        ("1", "1h", 3_600), ("2", "4h", 4 * 3_600), ("3", "1d", 86_400),
    ]

    /// Applies one key and returns what the I/O layer must do. Pure: no clock, no store, no terminal.
    ///
    /// Writes are followed by `.refresh`, so the loop only has to perform effects in order.
    package mutating func handle(_ key: Key) -> [BoardEffect] {
        if case .resize(let width, let height) = key {
            self.width = max(0, width)
            self.height = max(0, height)
            select(jobIndex, in: .jobs)
            select(alertIndex, in: .alerts)
            return []
        }
        message = nil
        if let prompt { return handle(key, in: prompt) }
        if showsHelp {
            handleHelp(key)
            return []
        }
        guard let action = keymap.action(for: key) else { return [] }
        if action.writes, readonly {
            show("read-only board: acknowledging and muting are disabled", level: .warning)
            return []
        }
        if detail != nil { return handleInDetail(action) }
        return perform(action)
    }

    // MARK: Board

    private mutating func perform(_ action: BoardAction) -> [BoardEffect] {
        let layout = self.layout
        let (index, rows) = focus == .jobs ? (jobIndex, layout.jobRows) : (alertIndex, layout.alertRows)
        switch action {
        case .moveDown: select(index + 1, in: focus)
        case .moveUp: select(index - 1, in: focus)
        case .pageDown: select(index + max(1, rows), in: focus)
        case .pageUp: select(index - max(1, rows), in: focus)
        case .first: select(0, in: focus)
        case .last: select(Int.max / 2, in: focus)
        case .switchFocus: focus = focus == .jobs ? .alerts : .jobs
        case .openDetail: return openDetail()
        case .back:
            if !filter.isEmpty { setFilter("") }
        case .filter: prompt = .filter(text: filter, previous: filter)
        case .cycleSort:
            sort = sort.next
            refreshRows()
            show("sorted by \(sort.rawValue)")
        case .acknowledge: startAcknowledge()
        case .acknowledgeAllVisible: startAcknowledgeAll()
        case .mute: startMute()
        case .unmute: return unmute()
        case .refresh: return [.refresh]
        case .nextTheme: return [.nextTheme]
        case .toggleHelp:
            showsHelp = true
            helpScroll = 0
        case .quit: return [.quit]
        }
        return []
    }

    /// The job the job-level keys act on: the detail's job, the selected job, or the selected alert's job.
    private var targetJob: JobReport? {
        if let detail { return jobReport(slug: detail.slug) }
        switch focus {
        case .jobs: return selectedJob
        case .alerts:
            return selectedAlert?.jobID.flatMap { jobReport(jobID: $0) }
        }
    }

    private mutating func openDetail() -> [BoardEffect] {
        guard let target = targetJob, let jobID = target.job.id else {
            show(focus == .alerts ? "this alert is about the whole fleet, not one job" : "no job selected", level: .warning)
            return []
        }
        detail = DetailState(slug: target.job.slug, jobID: jobID)
        refreshDetailSchedule()
        return [.loadDetail(jobID: jobID)]
    }

    private mutating func setFilter(_ text: String) {
        filter = text
        refreshRows()
    }

    // MARK: Detail

    private mutating func handleInDetail(_ action: BoardAction) -> [BoardEffect] {
        guard let current = detail else { return [] }
        let page = max(1, layout.table.height + layout.alerts.height - 1)
        let maxScroll = max(0, DetailView.lineCount(self) - page)
        func scroll(to value: Int) { detail?.scroll = max(0, min(value, maxScroll)) }
        switch action {
        case .moveDown: scroll(to: current.scroll + 1)
        case .moveUp: scroll(to: current.scroll - 1)
        case .pageDown: scroll(to: current.scroll + page)
        case .pageUp: scroll(to: current.scroll - page)
        case .first: scroll(to: 0)
        case .last: scroll(to: maxScroll)
        case .back, .openDetail: detail = nil
        case .refresh: return [.refresh, .loadDetail(jobID: current.jobID)]
        case .acknowledge: startAcknowledge()
        case .acknowledgeAllVisible: startAcknowledgeAll()
        case .mute: startMute()
        case .unmute: return unmute()
        case .nextTheme: return [.nextTheme]
        case .toggleHelp:
            showsHelp = true
            helpScroll = 0
        case .quit: return [.quit]
        case .switchFocus, .filter, .cycleSort: break
        }
        return []
    }

    // MARK: Help

    private mutating func handleHelp(_ key: Key) {
        switch keymap.action(for: key) {
        case .moveDown: helpScroll = min(helpScroll + 1, max(0, keymap.bindings.count - 1))
        case .moveUp: helpScroll = max(0, helpScroll - 1)
        case .toggleHelp, .back, .quit, .openDetail: showsHelp = false
        default: break
        }
    }

    // MARK: Acknowledge

    private mutating func startAcknowledge() {
        if focus == .alerts, detail == nil {
            guard let alert = selectedAlert, let id = alert.id else {
                show("no alert selected", level: .warning)
                return
            }
            let subject = "alert #\(id) (\(alert.kind.rawValue)\(jobSlug(of: alert).map { ", \($0)" } ?? ""))"
            prompt = .acknowledgeNote(alertIDs: [id], subject: subject, text: "")
            return
        }
        guard let target = targetJob else {
            show("no job selected", level: .warning)
            return
        }
        let ids = snapshot.openAlerts.filter { $0.jobID == target.job.id && !$0.isAcknowledged }.compactMap(\.id)
        guard !ids.isEmpty else {
            show("\(target.job.slug) has no unacknowledged alerts")
            return
        }
        let subject = ids.count == 1 ? "alert #\(ids[0]) of \(target.job.slug)" : "\(ids.count) alerts of \(target.job.slug)"
        prompt = .acknowledgeNote(alertIDs: ids, subject: subject, text: "")
    }

    private mutating func startAcknowledgeAll() {
        let ids = visibleAlerts.filter { !$0.isAcknowledged }.compactMap(\.id)
        guard !ids.isEmpty else {
            show("no unacknowledged alerts visible")
            return
        }
        prompt = .confirmAcknowledgeAll(alertIDs: ids)
    }

    /// The slug of the job an alert concerns, nil for fleet alerts.
    func jobSlug(of alert: Alert) -> String? {
        alert.jobID.flatMap { entry(jobID: $0)?.job.slug }
    }

    // MARK: Mute

    private mutating func startMute() {
        guard let target = targetJob else {
            show("no job selected", level: .warning)
            return
        }
        prompt = .muteDuration(slug: target.job.slug)
    }

    private mutating func unmute() -> [BoardEffect] {
        guard let target = targetJob else {
            show("no job selected", level: .warning)
            return []
        }
        let slug = target.job.slug
        if snapshot.activeMutes.contains(where: { $0.scope == .job(slug) && $0.until > now }) {
            show("unmuting \(slug)")
            return [.unmute(slug: slug), .refresh]
        }
        if let other = snapshot.activeMutes.first(where: { $0.covers(target.job, at: now) }) {
            let scope = switch other.scope {
            case .tag(let tag): "tag \(tag)"
            case .fleet: "a fleet-wide mute"
            case .job(let name): name
            }
            show("\(slug) is muted by \(scope); M removes only a job's own mute", level: .warning)
            return []
        }
        show("\(slug) is not muted")
        return []
    }

    // MARK: Prompts

    private mutating func handle(_ key: Key, in prompt: Prompt) -> [BoardEffect] {
        if key == .escape {
            if case .filter(_, let previous) = prompt { setFilter(previous) }
            self.prompt = nil
            if case .filter = prompt {} else { show("cancelled") }
            return []
        }
        switch prompt {
        case .filter(let text, let previous):
            if key == .enter {
                self.prompt = nil
                return []
            }
            let edited = Self.edit(text, with: key)
            self.prompt = .filter(text: edited, previous: previous)
            setFilter(edited)
        case .acknowledgeNote(let ids, let subject, let text):
            if key == .enter {
                self.prompt = nil
                let note = text.trimmingCharacters(in: .whitespaces)
                show(ids.count == 1 ? "acknowledging alert #\(ids[0])" : "acknowledging \(ids.count) alerts")
                return ids.map { .acknowledge(alertID: $0, note: note.isEmpty ? nil : note) } + [.refresh]
            }
            self.prompt = .acknowledgeNote(alertIDs: ids, subject: subject, text: Self.edit(text, with: key))
        case .confirmAcknowledgeAll(let ids):
            switch key {
            case .character("y"), .character("Y"):
                self.prompt = nil
                show("acknowledging \(ids.count) alerts")
                return [.acknowledgeAll(alertIDs: ids), .refresh]
            case .character("n"), .character("N"), .enter:
                self.prompt = nil
                show("cancelled")
            default: break
            }
        case .muteDuration(let slug):
            guard case .character(let character) = key else { break }
            if let choice = Self.muteChoices.first(where: { $0.key == character }) {
                self.prompt = .muteReason(slug: slug, duration: choice.duration, text: "", problem: nil)
            } else if character == "4" || character == "c" {
                self.prompt = .muteCustomDuration(slug: slug, text: "", problem: nil)
            }
        case .muteCustomDuration(let slug, let text, _):
            if key == .enter {
                guard let seconds = HumanUnits.duration(text), seconds > 0 else {
                    let problem = "'\(text)' is not a duration: try 90m, 6h, 2d"
                    self.prompt = .muteCustomDuration(slug: slug, text: text, problem: problem)
                    return []
                }
                self.prompt = .muteReason(slug: slug, duration: seconds, text: "", problem: nil)
                return []
            }
            self.prompt = .muteCustomDuration(slug: slug, text: Self.edit(text, with: key), problem: nil)
        case .muteReason(let slug, let duration, let text, _):
            if key == .enter {
                let reason = text.trimmingCharacters(in: .whitespaces)
                guard !reason.isEmpty else {
                    self.prompt = .muteReason(slug: slug, duration: duration, text: text, problem: "a reason is required")
                    return []
                }
                self.prompt = nil
                show("muting \(slug) for \(HumanUnits.formatDuration(duration))")
                return [.mute(slug: slug, until: now.addingTimeInterval(duration), reason: reason), .refresh]
            }
            self.prompt = .muteReason(slug: slug, duration: duration, text: Self.edit(text, with: key), problem: nil)
        }
        return []
    }

    /// Typing at a prompt: characters append, Backspace removes the last one; other keys change nothing.
    static func edit(_ text: String, with key: Key) -> String {
        switch key {
        case .character(let character) where text.count < 200: text + String(character)
        case .backspace, .delete: String(text.dropLast())
        default: text
        }
    }
}
