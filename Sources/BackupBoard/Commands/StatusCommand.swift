import ArgumentParser
import BoardModel
import Foundation
import BoardClient
import BoardTerminal
import BoardWire

/// `backupboard status`: a one-shot summary whose exit code scripts and status bars can use.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print every job's state; exit 0 ok, 1 warning, 2 critical, 3 unreadable or stale.",
        discussion: """
            Exit codes count jobs neither muted nor paused: 2 if any failed, failed verification, or is overdue \
            by a further whole period; 1 if any is late, overdue or running too long; 3 when the database cannot \
            be read or the evaluator of `backupboard serve` last ran more than three intervals ago. With --server, \
            the server's JSON API is read instead of the database (its token from $BACKUPBOARD_TOKEN or \
            --token-file, never the command line), and 3 means the server could not be reached or refused.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var remote: ServerOptions

    @Flag(name: .long, help: "Print JSON: an object with a `jobs` array.")
    var json = false

    @Flag(name: .long, help: "Print one line for a tmux status bar, e.g. `✔ 42 ⚠ 2 ✖ 1`.")
    var oneline = false

    @Flag(name: .long, help: "Use ASCII symbols even in a UTF-8 locale.")
    var ascii = false

    func validate() throws {
        if json && oneline { throw ValidationError("Choose one of --json and --oneline.") }
    }

    func run() async throws {
        let report: FleetReport
        let stale: Bool
        let unknownKeys: [UnknownKey]
        let lastTick: Date?
        let source: String
        if let url = remote.url, oneline {
            // A status bar asks every few seconds: the server's counts, not its whole board.
            let status: FleetStatusDocument
            do {
                status = try await BoardAPIClient(server: url, token: try remote.token()).status()
            } catch {
                CommandOutput.standardError("backupboard: \(error)")
                throw ExitCode(3)
            }
            let line = StatusFormatter.oneLine(status.countsByLevel, glyphs: ascii ? GlyphSet.ascii : GlyphSet.current())
            print(status.stale ? "stale " + line : line)
            if status.exitCode != 0 { throw ExitCode(Int32(status.exitCode)) }
            return
        }
        if let url = remote.url {
            do {
                let document = try await BoardAPIClient(server: url, token: try remote.token()).board()
                report = try document.report()
                stale = document.stale
                unknownKeys = document.unknownKeys.map(\.unknownKey)
                lastTick = document.evaluatorLastTick
            } catch {
                CommandOutput.standardError("backupboard: \(error)")
                throw ExitCode(3)
            }
            source = url.absoluteString
        } else {
            let path = database.resolvedPath
            let snapshot: BoardSnapshot
            do {
                snapshot = try await StoreOpening.open(path, .readOnly).loadBoard(at: Date())
            } catch {
                CommandOutput.error(error)
                throw ExitCode(3)
            }
            let now = Date()
            report = FleetReport(snapshot, at: now)
            stale = snapshot.evaluatorIsStale(at: now)
            unknownKeys = snapshot.unknownKeys
            lastTick = snapshot.evaluatorLastTick
            source = StoreOpening.shown(path)
        }
        let glyphs = ascii ? GlyphSet.ascii : GlyphSet.current()
        let formatter = StatusFormatter(report: report, glyphs: glyphs)

        if json {
            print(try StatusDocument(report: report, stale: stale, evaluatorLastTick: lastTick).encoded())
        } else if oneline {
            print(stale ? "stale " + formatter.oneLine() : formatter.oneLine())
        } else if report.jobs.isEmpty {
            print("No jobs in \(source) yet. Add one with `backupboard jobs add SLUG --every 6h` or `backupboard jobs apply FILE.toml`.")
        } else {
            print(formatter.table())
            for line in formatter.notes(unknownKeys: unknownKeys, stale: stale, lastTick: lastTick) {
                print(line)
            }
        }
        let code = stale ? 3 : Int32(report.level.rawValue)
        if code != 0 { throw ExitCode(code) }
    }
}
