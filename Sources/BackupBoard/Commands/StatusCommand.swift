import ArgumentParser
import BoardModel
import Foundation

/// `backupboard status`: a one-shot summary whose exit code scripts and status bars can use.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print every job's state; exit 0 ok, 1 warning, 2 critical, 3 unreadable or stale.",
        discussion: """
            Exit codes count jobs neither muted nor paused: 2 if any failed, failed verification, or is overdue \
            by a further whole period; 1 if any is late, overdue or running too long; 3 when the database cannot \
            be read or the evaluator of `backupboard serve` last ran more than three intervals ago.
            """
    )

    @OptionGroup var database: DatabaseOptions

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
        let path = database.resolvedPath
        let snapshot: BoardSnapshot
        do {
            snapshot = try BoardStore(path: path, readOnly: true).loadBoard()
        } catch {
            CommandOutput.error(error)
            throw ExitCode(3)
        }
        let now = Date()
        let report = FleetReport(snapshot, at: now)
        let stale = snapshot.evaluatorIsStale(at: now)
        let glyphs = ascii ? GlyphSet.ascii : GlyphSet.current()
        let formatter = StatusFormatter(report: report, glyphs: glyphs)

        if json {
            print(try StatusDocument(report: report, stale: stale, evaluatorLastTick: snapshot.evaluatorLastTick).encoded())
        } else if oneline {
            print(stale ? "stale " + formatter.oneLine() : formatter.oneLine())
        } else if report.jobs.isEmpty {
            print("No jobs in \(path) yet. Add one with `backupboard jobs add SLUG --every 6h` or `backupboard jobs apply FILE.toml`.")
        } else {
            print(formatter.table())
            for line in formatter.notes(unknownKeys: snapshot.unknownKeys, stale: stale, lastTick: snapshot.evaluatorLastTick) {
                print(line)
            }
        }
        let code = stale ? 3 : Int32(report.level.rawValue)
        if code != 0 { throw ExitCode(code) }
    }
}
