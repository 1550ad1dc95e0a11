import ArgumentParser
import BoardModel
import Foundation
import BoardTerminal

/// `backupboard mute`: silences a job, a tag or the fleet until a time, with who and why.
struct MuteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mute",
        abstract: "Mute a job, a tag or the fleet until a time: alerts still open and show, but do not notify.",
        discussion: """
            An end (--for or --until) and a reason are required, so no mute is forgotten. The mute is signed \
            $USER@host, or --as NAME. `backupboard unmute` ends it early.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: MuteScopeOptions

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("How long: a duration such as 4h, 90m or 2d, at most a year; or forever.", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Until when: ISO 8601 (2026-11-28T08:00:00Z) or Unix seconds.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Why (shown on the board and in the API).", valueName: "text"))
    var reason: String

    @OptionGroup var signer: SignatureOptions

    func validate() throws {
        guard (duration == nil) != (until == nil) else {
            throw ValidationError("Give the mute an end: exactly one of --for DURATION and --until TIME.")
        }
        _ = try end(now: Date())
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--reason cannot be empty: say why the alerts are silenced.")
        }
    }

    /// The end of the mute: `now` + `--for` (or `forever`), or `--until`; in the future and within a year.
    func end(now: Date) throws -> Date {
        let end: Date
        if let duration {
            if duration == "forever" {
                end = Mute.forever
            } else {
                guard let seconds = HumanUnits.duration(duration), seconds > 0 else {
                    throw ValidationError("--for must be a positive duration such as 4h, 90m or 2d, or forever, not '\(duration)'.")
                }
                end = now.addingTimeInterval(seconds)
            }
        } else {
            let text = until ?? ""
            guard let date = DemoCommand.parseTime(text) else {
                throw ValidationError("--until '\(text)' is not a time: give ISO 8601 (2026-11-28T08:00:00Z) or Unix seconds.")
            }
            end = date
        }
        if let problem = Mute.problem(until: end, now: now) {
            throw ValidationError("\(duration.map { "--for \($0)" } ?? "--until \(until ?? "")"): \(problem).")
        }
        return end
    }

    func run() async throws {
        let now = Date()
        do {
            let store = try await database.open(.existing)
            try await target.checkJob(in: store)
            if let tag = target.tag, try await !store.jobs().contains(where: { $0.tags.contains(tag) }) {
                CommandOutput.warning("no job has the tag '\(tag)' yet; the mute covers the jobs that get it before it ends.")
            }
            let mute = try await store.add(Mute(
                scope: target.scope, until: try end(now: now), createdBy: signer.signature,
                reason: reason.trimmingCharacters(in: .whitespacesAndNewlines), createdAt: now))
            let end = mute.until == Mute.forever
                ? "forever"
                : "until \(TimeText.utc(mute.until)) UTC (\(HumanUnits.shortDuration(mute.until.timeIntervalSince(now))))"
            print("Muted \(target.words) \(end), signed \(mute.createdBy): \(mute.reason)")
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
    }
}
