import ArgumentParser
import BoardModel
import Foundation
import BoardClient
import BoardSQLite
import BoardTerminal

/// `backupboard` / `backupboard board`: the ncurses dashboard on the local database or a server.
struct BoardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "The dashboard: every job's state, timers, sparklines and the alert log (q quits, ? helps).",
        discussion: """
            Reads the local database and reloads when it changes, or with --server polls a running \
            `backupboard serve` (its token from $BACKUPBOARD_TOKEN or --token-file), keeping the last data on \
            screen, marked stale, while the server cannot be reached. Acknowledgements and mutes are written with \
            who did them ($USER@host, or --as NAME); --readonly turns writes off for glance screens. When standard \
            output is not a terminal, prints `status` instead.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var remote: ServerOptions
    @OptionGroup var display: BoardDisplayOptions

    func run() throws {
        if let url = remote.url {
            let token: String?
            do {
                token = try remote.token()
            } catch {
                CommandOutput.standardError("backupboard: \(error)")
                throw ExitCode(3)
            }
            try BoardLoop(source: RemoteBoard(client: BoardAPIClient(server: url, token: token)), options: display).run()
            return
        }
        let path = database.resolvedPath
        let store: BoardStore
        do {
            store = try display.readonly ? BoardStore(path: path, readOnly: true) : BoardStore.existing(path: path)
        } catch {
            CommandOutput.error(error)
            throw ExitCode(3)
        }
        try BoardLoop(source: LocalBoard(store: store), options: display).run()
    }
}

/// The options every face that opens the board shares (`board`, `demo`).
struct BoardDisplayOptions: ParsableArguments {
    @Flag(help: "Never write: no acknowledgements or mutes (for glance screens).")
    var readonly = false

    @Option(help: ArgumentHelp("Theme name (dark, light, high-contrast, monochrome, solarized-dark, colorblind) or a TOML file.", valueName: "name|path"))
    var theme: String?

    @Flag(help: "ASCII symbols even in a UTF-8 locale.")
    var ascii = false

    @OptionGroup var signer: SignatureOptions

    /// `--as`, else `$USER@host`.
    var signature: String { signer.signature }
}

/// Runs the board: the terminal, the model and the feed, one frame per key or second.
struct BoardLoop {
    let source: any BoardSource
    let options: BoardDisplayOptions
    var beforePoll: (@Sendable () -> Void)? = nil

    func run() throws {
        // The first frame shows data: load once before taking over the terminal.
        let start = Date()
        let first = Result { try source.load(after: nil, at: start)! }
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            CommandOutput.standardError("backupboard: standard output is not a terminal; printing the status instead")
            let load: BoardLoad
            do {
                load = try first.get()
            } catch {
                CommandOutput.standardError("backupboard: \(error)")
                throw ExitCode(3)
            }
            let report = load.judged ?? FleetReport(load.snapshot, at: start)
            print(StatusFormatter(report: report, glyphs: options.ascii ? .ascii : .current()).table())
            return
        }
        var themeNames = Theme.builtInNames
        var (theme, themeNote) = Theme.loadOrDefault(options.theme)
        let terminal: Terminal
        do {
            terminal = try Terminal.start(asciiOnly: options.ascii)
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
        defer { terminal.stop() }
        let feed = BoardFeed(source: source, who: options.signature, loaded: try? first.get(), beforePoll: beforePoll)
        defer { feed.stop() }

        var size = terminal.size
        var state: BoardState
        switch first {
        case .success(let load):
            state = .empty(now: start, readonly: options.readonly, width: size.width, height: size.height)
            state.load(load, at: start)
        case .failure(let error):
            state = .empty(now: start, readonly: options.readonly, width: size.width, height: size.height)
            state.loadFailed("\(error)", at: start)
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
                    if themeNames.isEmpty { themeNames = [Theme.defaultName] }
                    let next = themeNames[((themeNames.firstIndex(of: theme.name) ?? -1) + 1) % themeNames.count]
                    (theme, themeNote) = Theme.loadOrDefault(next)
                    state.show("theme: \(theme.name)", level: .info)
                case .acknowledge, .acknowledgeAll, .mute, .unmute:
                    feed.perform(effect)
                }
            }
        }
        terminal.stop()
        if let signal = terminal.receivedSignal { throw ExitCode(128 + signal) }
    }
}
