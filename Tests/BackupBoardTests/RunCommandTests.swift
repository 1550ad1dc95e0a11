@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import BoardModel
import Foundation
import Testing
import TestSupport

/// `backupboard run` through the real binary against a loopback stub server, and its output tail.
@Suite(.serialized) struct RunCommandTests {
    let key = "runTestKey0123456789abcd"

    @Test func aFailingCommandSendsStartedThenFailedWithItsExitCodeAndOutput() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let result = try await cli.run(["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"),
                                  "--", "sh", "-c", "echo hi; exit 3"])
        #expect(result.code == 3)
        #expect(result.out == "hi\n")
        #expect(result.err.isEmpty)

        let requests = server.requests()
        try #require(requests.count == 2)
        let started = requests[0].fields
        let ended = requests[1].fields
        #expect(started["status"] as? String == "started")
        #expect(ended["status"] as? String == "failed")
        #expect(ended["exit_code"] as? Int == 3)
        #expect(ended["output"] as? String == "hi")
        let rid = try #require(started["rid"] as? String)
        #expect(ended["rid"] as? String == rid)
        #expect((ended["duration"] as? Double ?? (ended["duration"] as? Int).map(Double.init) ?? -1) >= 0)
        #expect(requests[0].headers["heartbeat-id"] != requests[1].headers["heartbeat-id"])
    }

    @Test func aResticRunReportsItsSummaryAndTheArtifactSize() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let artifact = cli.path("dump.sql.gz")
        try Data(repeating: 7, count: 4_321).write(to: URL(fileURLWithPath: artifact))
        let summary = #"{"message_type":"summary","files_new":2,"files_changed":1,"files_unmodified":7,"data_added":512,"total_bytes_processed":10000,"total_duration":2.5,"snapshot_id":"abc123"}"#
        let result = try await cli.run(["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"),
                                  "--artifact", artifact, "--", "sh", "-c", "echo 'progress' >&2; echo '\(summary)'"])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == summary + "\n")
        #expect(result.err == "progress\n")

        let ended = try #require(server.requests().last?.fields)
        #expect(ended["status"] as? String == "completed")
        #expect(ended["exit_code"] as? Int == 0)
        #expect(ended["files"] as? Int == 10)
        #expect(ended["size"] as? Int == 4_321)
        #expect(ended["source_size"] as? Int == 10_000)
        #expect(ended["data_added"] as? Int == 512)
        #expect(ended["backup_tool"] as? String == "restic")
        #expect(ended["snapshot"] as? String == "abc123")
    }

    @Test func monitoringDownNeverChangesTheExitCode() async throws {
        let cli = try CommandLine()
        let port = try await StubHeartbeatServer.closedPort()
        let result = try await cli.run(["run", "--key", key, "--server", "http://127.0.0.1:\(port)", "--retries", "0",
                                  "--spool", cli.path("spool"), "--", "sh", "-c", "exit 0"])
        #expect(result.code == 0)
        #expect(result.err.contains("warning: server unreachable; start heartbeat spooled to"))
        #expect(result.err.contains("warning: server unreachable; end heartbeat spooled to"))
        let spooled = try HeartbeatSpool(directory: cli.path("spool")).entries().compactMap(\.delivery)
        #expect(spooled.count == 2)
        #expect(spooled.map { $0.body.contains("\"started\"") } == [true, false])
    }

    @Test func aMissingCommandExits127AndReportsAFailure() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let result = try await cli.run(["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"),
                                  "--", "no-such-backup-tool-xyz"])
        #expect(result.code == 127)
        #expect(result.err.contains("no-such-backup-tool-xyz: command not found"))
        let ended = try #require(server.requests().last?.fields)
        #expect(ended["status"] as? String == "failed")
        #expect(ended["exit_code"] as? Int == 127)
    }

    @Test func sigtermIsPassedOnAndTheRunReportsIt() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let process = Process()
        process.executableURL = CommandLine.binary
        process.arguments = ["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"), "--",
                             "sh", "-c", "trap 'echo got-term; exit 143' TERM; echo ready; while :; do sleep 0.05; done"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let seen = try await offThePool {
            var seen = Data()
            while !String(decoding: seen, as: UTF8.self).contains("ready") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen.append(chunk)
            }
            kill(process.processIdentifier, SIGTERM)
            seen.append(out.fileHandleForReading.readDataToEndOfFile())
            process.waitUntilExit()
            return seen
        }

        #expect(process.terminationStatus == 143)
        #expect(String(decoding: seen, as: UTF8.self) == "ready\ngot-term\n")
        let ended = try #require(server.requests().last?.fields)
        #expect(ended["status"] as? String == "failed")
        #expect(ended["exit_code"] as? Int == 143)
    }

    @Test func runNeedsACommand() async throws {
        let cli = try CommandLine()
        let result = try await cli.run(["run", "--key", key])
        #expect(result.code == 64)
        #expect(result.err.contains("Give the backup command after --"))
    }

    @Test func theServersParserReadsWhatRunSends() throws {
        let outcome = BackupProcess.Outcome(
            exitCode: 0, signal: nil, duration: 83.2, outputTail: "sent 2.24M bytes  received 1.92K bytes  1.49M bytes/sec",
            standardOutputTail: "Number of files: 4,232\nTotal file size: 1.29G bytes\nsent 2.24M bytes  received 1.92K bytes  1.49M bytes/sec\n"
        )
        let delivery = HeartbeatDelivery(url: "http://127.0.0.1:8470/heartbeat/k",
                                         fields: RunCommand.endFields(outcome, runID: "r1", artifact: nil))
        let report = HeartbeatParser.parse(HeartbeatRequest(contentType: "application/json", body: Array(delivery.body.utf8),
                                                            sentAtHeader: HeartbeatDelivery.timestamp(delivery.createdAt)))
        #expect(report.status == .completed)
        #expect(report.runID == "r1")
        #expect(report.exitCode == 0)
        #expect(report.duration?.value == 83.2)
        #expect(report.size?.value == 1_290_000_000)
        #expect(report.files == 4_232)
        #expect(report.rate?.value == 1_490_000)
        #expect(report.output == outcome.outputTail)
        #expect(report.fields["backup_tool"] == "rsync")
        #expect(report.sentAt.map(HeartbeatDelivery.timestamp) == HeartbeatDelivery.timestamp(delivery.createdAt))
        #expect(report.problems.isEmpty)
    }

    // MARK: Output tail

    @Test func theTailKeepsTheLastLinesWithinItsCap() {
        let tail = OutputTail(maxBytes: 20)
        tail.append(Array("line one\nline two\nline three\nline four\n".utf8))
        // 20 bytes keep "ine three\nline four\n"; the cut first line is left out.
        #expect(tail.text() == "line four")
        let roomy = OutputTail(maxBytes: 1_000)
        for n in 1...100 { roomy.append(Array("line \(n)\n".utf8)) }
        #expect(roomy.text(maxLines: 3) == "line 98\nline 99\nline 100")
    }

    @Test func theTailSurvivesBrokenUTF8() {
        let tail = OutputTail(maxBytes: 100)
        tail.append([0x68, 0x69, 0xFF, 0x0A])
        #expect(tail.text() == "hi\u{FFFD}")
    }
}
