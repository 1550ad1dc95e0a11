import ArgumentParser
import BoardModel
import Foundation
import BoardClient

/// `backupboard run --key KEY -- CMD…`: wraps a backup command in `started` and `completed`/`failed`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a backup command and report its start and end.",
        discussion: """
            Sends `started` with a fresh run id, runs the command with its output passed through unchanged, \
            passes SIGINT and SIGTERM on to it, then sends `completed` (exit 0) or `failed` with the same run \
            id, the measured duration, the exit code, the last 64 lines (8 KB) of output, the --artifact's \
            size, and what the tool's summary says (files, size, data added, transfer rate): restic backup \
            (plain or --json), borg create --stats or --json, rsync --stats, rclone copy/sync with -v, \
            --stats-one-line or --use-json-log. Heartbeats that cannot be delivered are spooled as by `ping`.

            With --attempts N, a command that fails is run again, up to N times in all, after --attempt-delay; \
            each retry sends a `progress` heartbeat of the same run (attempt, attempt_exit_code). The run \
            fails only if its last attempt fails; its duration is the whole run, its output and summary the \
            last attempt's. A command killed by a signal, or one that cannot be started, is never retried, and \
            neither is a run that was sent SIGINT or SIGTERM.

            Exit status: the last attempt's (128 + N when signal N ended it; 127 when it cannot be found, 126 \
            when it cannot be run). Monitoring never changes it: a heartbeat that fails only prints a warning.
            """
    )

    @Option(help: ArgumentHelp("The job's ping key, or its full ping URL.", valueName: "key-or-url"))
    var key: String

    @Option(help: ArgumentHelp("A file the backup writes; its size is reported.", valueName: "file"))
    var artifact: String?

    @Option(help: ArgumentHelp("How many times to run a failing command in all (1 to 100; 1 = no retry).", valueName: "n"))
    var attempts = 1

    @Option(help: ArgumentHelp("How long to wait before each further attempt (0s to 24h).", valueName: "duration"))
    var attemptDelay = "1m"

    @Option(
        help: ArgumentHelp(
            "The exit codes that are retried: a comma list and ranges such as 1,3-5. Default: any non-zero.",
            valueName: "codes"))
    var retryOn: String?

    @OptionGroup var options: HeartbeatOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The backup command, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("Give the backup command after --, e.g. run --key KEY -- restic backup /data") }
        _ = try options.url(for: key)
        _ = try attemptPolicy()
    }

    /// `--attempts`, `--attempt-delay` and `--retry-on`, read; a ValidationError says what is wrong.
    func attemptPolicy() throws -> AttemptPolicy {
        guard (1...100).contains(attempts) else { throw ValidationError("--attempts takes 1 to 100, not \(attempts)") }
        guard let delay = HumanUnits.duration(attemptDelay), delay <= 86_400 else {
            throw ValidationError("--attempt-delay '\(attemptDelay)' is not a duration from 0s to 24h (try 30s, 5m)")
        }
        do {
            return AttemptPolicy(attempts: attempts, delay: delay, retryOn: try retryOn.map(AttemptPolicy.codes))
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let url = try options.url(for: key)
        let policy = try attemptPolicy()
        let client = options.client
        let runID = UUID().uuidString.lowercased()

        let started = await client.deliver(HeartbeatDelivery(url: url, fields: ["status": .text("started"), "rid": .text(runID)]))
        _ = started.report(what: "start heartbeat")

        let process = BackupProcess(arguments: command)
        let clock = ContinuousClock()
        let start = clock.now
        var history: [Int32] = []
        var fields: [String: HeartbeatValue]
        while true {
            let attempt = history.count + 1
            let ending: AttemptPolicy.Ending
            do {
                let outcome = try process.run()
                ending = outcome.signal.map { .killed(signal: $0) } ?? .exited(outcome.exitCode)
                history.append(outcome.exitCode)
                fields = Self.endFields(outcome, runID: runID, artifact: artifact)
            } catch {
                CommandOutput.standardError("backupboard: \(error)")
                ending = .notStarted
                history.append(error.exitCode)
                fields = [
                    "status": .text("failed"), "rid": .text(runID), "exit_code": .integer(Int64(error.exitCode)),
                    "message": .text(error.description),
                ]
            }
            let stop = SignalForwarding.stopRequested
            guard policy.retries(after: ending, attempt: attempt, stopRequested: stop != nil) else { break }

            let note = "attempt \(attempt) of \(policy.attempts) failed (exit \(history[attempt - 1])); "
                + "attempt \(attempt + 1) in \(HumanUnits.formatDuration(policy.delay))"
            CommandOutput.warning(note)
            var progress: [String: HeartbeatValue] = [
                "status": .text("progress"), "rid": .text(runID), "attempt": .integer(Int64(attempt + 1)),
                "attempt_exit_code": .integer(Int64(history[attempt - 1])), "message": .text(note),
            ]
            progress["output"] = fields["output"]
            _ = await client.deliver(HeartbeatDelivery(url: url, fields: progress)).report(what: "retry heartbeat")
            guard SignalForwarding.pause(for: policy.delay) else {
                CommandOutput.warning("stopped by signal \(SignalForwarding.stopRequested ?? 0); no further attempt")
                break
            }
        }

        fields["duration"] = HeartbeatValue.seconds(Self.seconds(clock.now - start))
        if policy.attempts > 1 {
            fields["attempts"] = .integer(Int64(history.count))
            if history.count > 1, fields["message"] == nil { fields["message"] = .text(Self.attemptsMessage(history, of: policy.attempts)) }
        }
        let ended = await client.deliver(HeartbeatDelivery(url: url, fields: fields))
        _ = ended.report(what: "end heartbeat")
        throw ExitCode(history.last ?? 1)
    }

    /// `succeeded on attempt 2 of 3; attempt 1 exited 3`, or `failed on attempt 3 of 3 (exit 2); attempts
    /// 1–2 exited 3, 3`: what the board shows for a run that needed more than one attempt.
    static func attemptsMessage(_ codes: [Int32], of allowed: Int) -> String {
        let earlier = codes.dropLast().map(String.init).joined(separator: ", ")
        let before = codes.count == 2 ? "attempt 1 exited \(earlier)" : "attempts 1–\(codes.count - 1) exited \(earlier)"
        guard let last = codes.last, last != 0 else { return "succeeded on attempt \(codes.count) of \(allowed); \(before)" }
        return "failed on attempt \(codes.count) of \(allowed) (exit \(last)); \(before)"
    }

    /// A Duration in seconds.
    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The end heartbeat of one attempt: status, run id, measured duration, exit code, output tail, artifact
    /// size and the tool's summary. The artifact's size wins over the summary's.
    static func endFields(_ outcome: BackupProcess.Outcome, runID: String, artifact: String?) -> [String: HeartbeatValue] {
        var fields = BackupSummary.parse(output: outcome.standardOutputTail, errorOutput: outcome.standardErrorTail)?
            .fields ?? [:]
        fields["status"] = .text(outcome.exitCode == 0 ? "completed" : "failed")
        fields["rid"] = .text(runID)
        fields["exit_code"] = .integer(Int64(outcome.exitCode))
        fields["duration"] = HeartbeatValue.seconds(outcome.duration)
        if !outcome.outputTail.isEmpty { fields["output"] = .text(outcome.outputTail) }
        if let signal = outcome.signal { fields["message"] = .text("ended by signal \(signal)") }
        if let artifact {
            if let bytes = (try? FileManager.default.attributesOfItem(atPath: artifact))?[.size] as? NSNumber {
                if let summarySize = fields["size"] { fields["source_size"] = summarySize }
                fields["size"] = .integer(bytes.int64Value)
            } else {
                CommandOutput.warning("--artifact \(artifact) is not there; no size reported")
                fields["artifact_missing"] = .text(artifact)
            }
        }
        return fields
    }
}
