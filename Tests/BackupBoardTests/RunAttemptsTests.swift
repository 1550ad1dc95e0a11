@testable import BackupBoard
@testable import BoardClient
@testable import BoardServe
@testable import BoardSQLite
import BoardModel
import Foundation
import Testing
import TestSupport

/// `run --attempts`: the real binary retrying a real command, against a stub server and a live one.
@Suite(.serialized) struct RunAttemptsTests {
    let key = "attemptsTestKey0123456789"

    /// A shell command that fails with `code` the first `failures` times it runs in `folder`, printing
    /// `try N` each time.
    func flaky(failures: Int, code: Int = 3, in folder: String) -> [String] {
        ["sh", "-c", """
            mkdir -p '\(folder)'; n=$(cat '\(folder)/count' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '\(folder)/count'
            echo "try $n"; [ $n -gt \(failures) ] || exit \(code)
            """]
    }

    @Test func twoFailuresThenASuccessIsOneCompletedRunOfThreeAttempts() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let result = try await cli.run(
            ["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"), "--attempts", "3",
             "--attempt-delay", "0s", "--"] + flaky(failures: 2, in: cli.path("")))
        #expect(result.code == 0)
        #expect(result.out == "try 1\ntry 2\ntry 3\n")
        #expect(result.err == """
            warning: attempt 1 of 3 failed (exit 3); attempt 2 in 0s
            warning: attempt 2 of 3 failed (exit 3); attempt 3 in 0s

            """)

        let requests = server.requests().map(\.fields)
        try #require(requests.count == 4)
        #expect(requests.map { $0["status"] as? String } == ["started", "progress", "progress", "completed"])
        let rid = try #require(requests[0]["rid"] as? String)
        #expect(requests.allSatisfy { $0["rid"] as? String == rid })
        #expect(requests[1]["attempt"] as? Int == 2)
        #expect(requests[1]["attempt_exit_code"] as? Int == 3)
        #expect(requests[1]["exit_code"] == nil, "exit_code would mean the run failed")
        #expect(requests[1]["output"] as? String == "try 1")
        #expect(requests[2]["attempt"] as? Int == 3)
        let ended = requests[3]
        #expect(ended["attempts"] as? Int == 3)
        #expect(ended["exit_code"] as? Int == 0)
        #expect(ended["output"] as? String == "try 3")
        #expect(ended["message"] as? String == "succeeded on attempt 3 of 3; attempts 1–2 exited 3, 3")
    }

    @Test func aRunFailsWhenItsLastAttemptFails() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let result = try await cli.run(
            ["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"), "--attempts", "2",
             "--attempt-delay", "0s", "--"] + flaky(failures: 5, code: 4, in: cli.path("")))
        #expect(result.code == 4)
        let ended = try #require(server.requests().last?.fields)
        #expect(ended["status"] as? String == "failed")
        #expect(ended["exit_code"] as? Int == 4)
        #expect(ended["attempts"] as? Int == 2)
        #expect(ended["message"] as? String == "failed on attempt 2 of 2 (exit 4); attempt 1 exited 4")
    }

    @Test func onlyTheCodesInRetryOnAreRetried() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let skipped = try await cli.run(
            ["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"), "--attempts", "3",
             "--attempt-delay", "0s", "--retry-on", "1,5-9", "--"] + flaky(failures: 1, code: 3, in: cli.path("")))
        #expect(skipped.code == 3)
        #expect(skipped.out == "try 1\n")
        let ended = try #require(server.requests().last?.fields)
        #expect(server.requests().count == 2)
        #expect(ended["attempts"] as? Int == 1)

        let retried = try await cli.run(
            ["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"), "--attempts", "3",
             "--attempt-delay", "0s", "--retry-on", "1,5-9", "--"] + flaky(failures: 2, code: 7, in: cli.path("b")))
        #expect(retried.code == 0)
        #expect(server.requests().last?.fields["attempts"] as? Int == 3)
    }

    @Test func aCommandKilledByASignalIsNotRetried() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let result = try await cli.run(
            ["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"), "--attempts", "3",
             "--attempt-delay", "0s", "--", "sh", "-c", "echo once; kill -KILL $$"])
        #expect(result.code == 137)
        #expect(result.out == "once\n")
        let ended = try #require(server.requests().last?.fields)
        #expect(server.requests().count == 2)
        #expect(ended["status"] as? String == "failed")
        #expect(ended["message"] as? String == "ended by signal 9")
        #expect(ended["attempts"] as? Int == 1)
    }

    @Test func sigtermWhileWaitingForTheNextAttemptEndsTheRun() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let process = Process()
        process.executableURL = CommandLine.binary
        process.arguments = ["run", "--key", key, "--server", server.url, "--spool", cli.path("spool"), "--attempts", "3",
                             "--attempt-delay", "1h", "--", "sh", "-c", "exit 5"]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let seen = try await offThePool {
            var seen = Data()
            while !String(decoding: seen, as: UTF8.self).contains("attempt 2 in 1h") {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen.append(chunk)
            }
            kill(process.processIdentifier, SIGTERM)
            seen.append(err.fileHandleForReading.readDataToEndOfFile())
            process.waitUntilExit()
            return String(decoding: seen, as: UTF8.self)
        }
        #expect(process.terminationStatus == 5)
        #expect(seen.contains("warning: stopped by signal 15; no further attempt"))
        let ended = try #require(server.requests().last?.fields)
        #expect(ended["status"] as? String == "failed")
        #expect(ended["attempts"] as? Int == 1)
    }

    @Test func badAttemptOptionsAreOneSentence() async throws {
        let cli = try CommandLine()
        let cases: [([String], String)] = [
            (["--attempts", "0"], "--attempts takes 1 to 100, not 0"),
            (["--attempt-delay", "soon"], "--attempt-delay 'soon' is not a duration from 0s to 24h (try 30s, 5m)"),
            (["--retry-on", "0"], "--retry-on '0': exit codes run from 1 to 255 ('0' is outside; 0 is a success, never retried)"),
            (["--retry-on", "5-3"], "--retry-on '5-3': the range '5-3' runs backwards"),
            (["--retry-on", "1,,2"], "--retry-on '1,,2': '' is not an exit code or a range such as 3-5"),
            (["--retry-on", "x"], "--retry-on 'x': 'x' is not an exit code or a range such as 3-5"),
        ]
        for (options, sentence) in cases {
            let result = try await cli.run(["run", "--key", key] + options + ["--", "true"])
            #expect(result.code == 64, "\(options)")
            #expect(result.err.contains(sentence), "\(result.err)")
        }
    }

    @Test func theAttemptPolicyDecides() throws {
        let policy = AttemptPolicy(attempts: 3, delay: 0, retryOn: try AttemptPolicy.codes("1,3-5"))
        #expect(policy.retries(after: .exited(4), attempt: 1))
        #expect(policy.retries(after: .exited(3), attempt: 2))
        #expect(!policy.retries(after: .exited(3), attempt: 3), "no fourth attempt")
        #expect(!policy.retries(after: .exited(2), attempt: 1), "2 is not listed")
        #expect(!policy.retries(after: .exited(0), attempt: 1))
        #expect(!policy.retries(after: .killed(signal: 15), attempt: 1))
        #expect(!policy.retries(after: .notStarted, attempt: 1))
        #expect(!policy.retries(after: .exited(1), attempt: 1, stopRequested: true))
        #expect(AttemptPolicy(attempts: 2).retries(after: .exited(255), attempt: 1), "any non-zero by default")
        #expect(try AttemptPolicy.codes(" 2 , 10-12 ") == [2...2, 10...12])
    }

    // MARK: End to end

    /// The real binary wrapping real restic, retried once, against a live server: the stored run, the API
    /// and the report all say it took two attempts.
    @Test func aResticRunThatNeededASecondAttemptEndToEnd() async throws {
        try await BackupToolbox.require("restic", package: "restic")
        let box = try BackupToolbox()
        defer { box.remove() }
        try #require(try await box.run(["restic", "init", "-r", "repo"]).code == 0)
        let live = try await ServedBoard.start(keys: ["files": key])
        let cli = try CommandLine()
        // The first attempt finds the repository locked, as a flaky night does; the second backs up.
        let script = """
            if [ ! -e '\(box.path("locked-once"))' ]; then touch '\(box.path("locked-once"))'
              echo 'Fatal: unable to create lock in backend: repository is already locked' >&2; exit 1; fi
            exec restic -r '\(box.path("repo"))' backup '\(box.path("data"))'
            """
        let environment = box.environment
        let result = try await cli.run(
            ["run", "--key", key, "--server", "http://127.0.0.1:\(live.port)", "--spool", cli.path("spool"),
             "--attempts", "2", "--attempt-delay", "0s", "--", "sh", "-c", script],
            environment: ["RESTIC_PASSWORD": environment["RESTIC_PASSWORD"]!, "RESTIC_CACHE_DIR": environment["RESTIC_CACHE_DIR"]!])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("snapshot "))

        let job = try #require(try await live.store.job(slug: "files"))
        let run = try #require(try await live.store.runs(ofJob: job.id!, limit: 5).first)
        #expect(run.outcome == .completed)
        #expect(run.attempts == 2)
        #expect(run.files == 3)
        #expect(abs((run.sizeBytes ?? 0) - BackupToolbox.dataBytes) < 100)
        #expect(run.message == "succeeded on attempt 2 of 2; attempt 1 exited 1")
        let heartbeats = try await live.heartbeats(of: "files").reversed().map { $0 }
        #expect(heartbeats.map(\.report.status) == [.started, .progress, .completed])
        #expect(heartbeats[1].report.fields["attempt_exit_code"] == "1")
        #expect(heartbeats[2].report.fields["backup_tool"] == "restic")

        let detail = try await request([live.url("/api/v1/jobs/files")])
        #expect(detail.code == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(detail.body.utf8)) as? [String: Any])
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.first?["attempts"] as? Int == 2)

        let report = try await cli.run(["report", "--db", live.databasePath, "--format", "json"])
        #expect(report.code == 0, "\(report.err)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(report.out.utf8)) as? [String: Any])
        let entry = try #require((document["jobs"] as? [[String: Any]])?.first)
        #expect(entry["retried_runs"] as? Int == 1)
        #expect(entry["attempts"] as? Int == 2)
        let text = try await cli.run(["report", "--db", live.databasePath])
        #expect(text.out.contains("1 (1 retried, 2 attempts)"), "\(text.out)")
        live.stop()
    }
}
