import ArgumentParser
import BoardModel
import Foundation
import BoardClient
import BoardTerminal

/// `backupboard` / `backupboard board`: the ncurses dashboard on the local database or a server.
struct BoardCommand: AsyncParsableCommand {
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

    func run() async throws {
        if let url = remote.url {
            let token: String?
            do {
                token = try remote.token()
            } catch {
                CommandOutput.standardError("backupboard: \(error)")
                throw ExitCode(3)
            }
            try await BoardLaunch(source: RemoteBoard(client: BoardAPIClient(server: url, token: token)), options: display).run()
            return
        }
        let path = database.resolvedPath
        let store: any BoardDatabase
        do {
            store = try await StoreOpening.open(path, display.readonly ? .readOnly : .existing)
        } catch {
            CommandOutput.error(error)
            throw ExitCode(3)
        }
        try await BoardLaunch(source: LocalBoard(store: store), options: display).run()
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

/// Opens the board: loads once, then runs `BoardLoop` on the terminal, or prints the status when standard
/// output is not one.
struct BoardLaunch {
    let source: any BoardSource
    let options: BoardDisplayOptions
    var beforePoll: (@Sendable () async -> Void)? = nil

    func run() async throws {
        // The first frame shows data: load once before taking over the terminal.
        let start = Date()
        let first: Result<BoardLoad, any Error>
        do {
            first = .success(try await source.load(after: nil, at: start)!)
        } catch {
            first = .failure(error)
        }
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
        let loop = BoardLoop(
            source: source,
            options: BoardLoop.Options(
                readonly: options.readonly, theme: options.theme, ascii: options.ascii, signature: options.signature),
            beforePoll: beforePoll)
        let signal: Int32?
        do {
            signal = try await loop.run(first: first, at: start)
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
        if let signal { throw ExitCode(128 + signal) }
    }
}
