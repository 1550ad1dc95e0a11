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
            size, and what a restic --json, borg create --json or rsync --stats summary says (files, size, \
            data added, transfer rate). Heartbeats that cannot be delivered are spooled as by `ping`.

            Exit status: the command's own (128 + N when signal N ended it; 127 when it cannot be found, 126 \
            when it cannot be run). Monitoring never changes it: a heartbeat that fails only prints a warning.
            """
    )

    @Option(help: ArgumentHelp("The job's ping key, or its full ping URL.", valueName: "key-or-url"))
    var key: String

    @Option(help: ArgumentHelp("A file the backup writes; its size is reported.", valueName: "file"))
    var artifact: String?

    @OptionGroup var options: HeartbeatOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The backup command, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("Give the backup command after --, e.g. run --key KEY -- restic backup /data") }
        _ = try options.url(for: key)
    }

    func run() async throws {
        let url = try options.url(for: key)
        let client = options.client
        let runID = UUID().uuidString.lowercased()

        let started = await client.deliver(HeartbeatDelivery(url: url, fields: ["status": .text("started"), "rid": .text(runID)]))
        _ = started.report(what: "start heartbeat")

        let process = BackupProcess(arguments: command)
        let end: HeartbeatDelivery
        let exitCode: Int32
        do {
            let outcome = try process.run()
            exitCode = outcome.exitCode
            end = HeartbeatDelivery(url: url, fields: Self.endFields(outcome, runID: runID, artifact: artifact))
        } catch {
            CommandOutput.standardError("backupboard: \(error)")
            exitCode = error.exitCode
            end = HeartbeatDelivery(url: url, fields: [
                "status": .text("failed"), "rid": .text(runID), "exit_code": .integer(Int64(error.exitCode)),
                "message": .text(error.description),
            ])
        }
        let ended = await client.deliver(end)
        _ = ended.report(what: "end heartbeat")
        throw ExitCode(exitCode)
    }

    /// The end heartbeat: status, run id, measured duration, exit code, output tail, artifact size and
    /// the tool's summary. The artifact's size wins over the summary's.
    static func endFields(_ outcome: BackupProcess.Outcome, runID: String, artifact: String?) -> [String: HeartbeatValue] {
        var fields = BackupSummary.parse(output: outcome.standardOutputTail)?.fields ?? [:]
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
