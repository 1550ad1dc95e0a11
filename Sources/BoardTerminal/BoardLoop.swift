import BoardModel
import Foundation

/// The board's event loop: the terminal, the model and the feed, one frame per key or second.
///
/// The loop blocks on the terminal's key reads, so it runs on a thread of its own; the feed's work runs
/// in tasks on Swift's pool, which the loop never holds.
package struct BoardLoop: Sendable {
    /// How the board looks and who signs its writes.
    package struct Options: Sendable {
        package var readonly: Bool
        /// A theme name or a TOML file; nil: the default.
        package var theme: String?
        package var ascii: Bool
        /// Signs acknowledgements and mutes.
        package var signature: String

        package init(readonly: Bool, theme: String?, ascii: Bool, signature: String) {
            self.readonly = readonly
            self.theme = theme
            self.ascii = ascii
            self.signature = signature
        }
    }

    let source: any BoardSource
    let options: Options
    let beforePoll: (@Sendable () async -> Void)?

    package init(source: any BoardSource, options: Options, beforePoll: (@Sendable () async -> Void)? = nil) {
        self.source = source
        self.options = options
        self.beforePoll = beforePoll
    }

    /// Runs the board on the terminal until the user quits or a stop signal comes; `first` is the load made
    /// before taking over the terminal, at `start`, so the first frame shows data. Answers the signal that
    /// stopped it, if one did; throws when the terminal cannot be started.
    package func run(first: Result<BoardLoad, any Error>, at start: Date) async throws -> Int32? {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int32?, any Error>) in
            let thread = Thread { done.resume(with: Result { try self.drive(first: first, at: start) }) }
            thread.name = "board-terminal"
            thread.start()
        }
    }

    private func drive(first: Result<BoardLoad, any Error>, at start: Date) throws -> Int32? {
        // Every theme `t` cycles through is read now, so the key reads no file.
        let (initial, themeNote) = Theme.loadOrDefault(options.theme)
        var theme = initial
        let themes = Theme.cycle(startingWith: initial)
        let terminal = try Terminal.start(asciiOnly: options.ascii)
        defer { terminal.stop() }
        let feed = BoardFeed(source: source, who: options.signature, loaded: try? first.get(), beforePoll: beforePoll)
        defer { feed.stop() }

        var size = terminal.size
        var state = BoardState.empty(now: start, readonly: options.readonly, width: size.width, height: size.height)
        switch first {
        case .success(let load): state.load(load, at: start)
        case .failure(let error): state.loadFailed("\(error)", at: start)
        }
        for note in terminal.notes + [themeNote].compactMap({ $0 }) { state.show(note, level: .warning) }

        var lastTick = Date()
        loop: while terminal.receivedSignal == nil {
            let now = Date()
            if let update = feed.take() {
                if let load = update.load {
                    state.load(load, at: update.answeredAt ?? now)
                } else if let answeredAt = update.answeredAt {
                    state.answered(at: answeredAt)
                }
                if let failure = update.failure { state.loadFailed(failure, at: now) }
                if let detail = update.detail { state.showDetail(detail) }
                for message in update.messages { state.show(message.text, level: message.level) }
            }
            if now.timeIntervalSince(lastTick) >= 1 || terminal.size != size {
                lastTick = now
                state.tick(now)
                if terminal.size != size {
                    size = terminal.size
                    _ = state.handle(.resize(width: size.width, height: size.height))
                }
            }
            var buffer = ScreenBuffer(width: size.width, height: size.height)
            BoardRenderer.render(state, into: &buffer, glyphs: terminal.glyphs)
            terminal.draw(buffer, theme: theme)

            // Wake at the next whole second so the timers tick, or sooner for a key.
            let wait = max(0.05, 1 - Date().timeIntervalSince(lastTick))
            guard let key = terminal.readKey(timeout: .milliseconds(Int64(wait * 1_000))) else { continue }
            for effect in state.handle(key) {
                switch effect {
                case .quit:
                    break loop
                case .refresh:
                    feed.reload()
                case .loadDetail(let jobID):
                    feed.loadDetail(jobID: jobID)
                case .nextTheme:
                    theme = Theme.next(after: theme, in: themes)
                    state.show("theme: \(theme.name)", level: .info)
                case .acknowledge, .acknowledgeAll, .mute, .unmute:
                    feed.perform(effect)
                }
            }
        }
        terminal.stop()
        return terminal.receivedSignal
    }
}
