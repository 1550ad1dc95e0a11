@testable import BackupBoard
import BoardModel
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import Foundation
import Testing

/// The sender and the spool against a real loopback HTTP server, in-process and through the binary.
@Suite(.serialized) struct PingTests {
    let key = "pingTestKey0123456789abc"
    let fast = HeartbeatSender.Policy(timeout: 5, retries: 3, backoff: RetryBackoff(base: 0.01, cap: 0.05, jitter: 0.5))

    func client(_ spool: HeartbeatSpool, _ warnings: WarningLog = WarningLog()) -> HeartbeatClient {
        HeartbeatClient(sender: HeartbeatSender(policy: fast), spool: spool, lockWait: 10, warn: { warnings.add($0) })
    }

    @Test func retriesOn503ThenDeliversWithTheSameId() async throws {
        let server = try await StubHeartbeatServer()
        try server.answer([503, 503])
        let delivery = HeartbeatDelivery(url: PingURL.url(server: server.url, key: key), body: #"{"status":"completed"}"#)
        let outcome = await HeartbeatSender(policy: fast).send(delivery)

        #expect(outcome == .delivered)
        let requests = server.requests()
        #expect(requests.map(\.status) == [503, 503, 200])
        #expect(Set(requests.map { $0.headers["heartbeat-id"] }) == [delivery.heartbeatID])
        #expect(requests.allSatisfy { $0.method == "POST" && $0.path == "/heartbeat/\(key)" && $0.body == delivery.body })
        #expect(requests.allSatisfy { $0.headers["heartbeat-sent-at"] == nil })
    }

    @Test func a404IsNotRetried() async throws {
        let server = try await StubHeartbeatServer()
        try server.answer([404])
        let outcome = await HeartbeatSender(policy: fast).send(HeartbeatDelivery(url: PingURL.url(server: server.url, key: key), body: "{}"))
        #expect(outcome == .unknownKey)
        #expect(server.requests().count == 1)
    }

    @Test func a5xxThatLastsIsUnreachableAfterEveryRetry() async throws {
        let server = try await StubHeartbeatServer()
        try server.answer([503, 503, 503, 503, 503])
        let outcome = await HeartbeatSender(policy: fast).send(HeartbeatDelivery(url: PingURL.url(server: server.url, key: key), body: "{}"))
        #expect(outcome == .unreachable(reason: "the server answered 503"))
        #expect(server.requests().count == 4)
    }

    @Test func serverDownSpoolsAndTheNextPingDeliversTheSpooledOneFirst() async throws {
        let spool = try temporarySpool()
        let port = try await StubHeartbeatServer.closedPort()
        let first = HeartbeatDelivery(url: "http://127.0.0.1:\(port)/heartbeat/\(key)", body: #"{"status":"started"}"#,
                                      createdAt: Date().addingTimeInterval(-600))
        let result = await client(spool).deliver(first)
        guard case .spooled(let path, _) = result else {
            Issue.record("expected spooled, got \(result)")
            return
        }
        let kept = try #require(try spool.entries().first?.delivery)
        #expect(kept.heartbeatID == first.heartbeatID && kept.url == first.url && kept.body == first.body)
        #expect(HeartbeatDelivery.timestamp(kept.createdAt) == HeartbeatDelivery.timestamp(first.createdAt))
        #expect(path.hasPrefix(spool.directory))

        // The server is back (same URL as the spooled heartbeat: a new stub, so point the spooled one at it).
        let server = try await StubHeartbeatServer()
        try spool.remove(#require(spool.entries().first))
        var moved = first
        moved.url = PingURL.url(server: server.url, key: key)
        try spool.write(moved)

        let second = HeartbeatDelivery(url: PingURL.url(server: server.url, key: key), body: #"{"status":"completed"}"#)
        #expect(await client(spool).deliver(second) == .delivered)

        let requests = server.requests()
        #expect(requests.map { $0.headers["heartbeat-id"] } == [first.heartbeatID, second.heartbeatID])
        #expect(requests[0].headers["heartbeat-sent-at"] == HeartbeatDelivery.timestamp(first.createdAt))
        #expect(requests[0].body == first.body)
        #expect(requests[1].headers["heartbeat-sent-at"] == nil)
        #expect(try spool.entries().isEmpty)
    }

    @Test func whileTheSpoolCannotBeDeliveredNewHeartbeatsQueueBehindIt() async throws {
        let spool = try temporarySpool()
        let server = try await StubHeartbeatServer()
        let url = PingURL.url(server: server.url, key: key)
        let old = HeartbeatDelivery(url: url, body: #"{"status":"started"}"#, createdAt: Date().addingTimeInterval(-60))
        try spool.write(old)
        try server.answer([503, 503, 503, 503])
        let new = HeartbeatDelivery(url: url, body: #"{"status":"completed"}"#)
        let result = await client(spool).deliver(new)

        guard case .spooled = result else {
            Issue.record("expected spooled, got \(result)")
            return
        }
        #expect(server.requests().count == 4) // the old one's attempts; the new one waits behind it
        #expect(try spool.entries().map(\.delivery?.heartbeatID) == [old.heartbeatID, new.heartbeatID])
    }

    @Test func aDeadServersSpoolHoldsBackOnlyItsOwnHeartbeats() async throws {
        let spool = try temporarySpool()
        let dead = "http://127.0.0.1:\(try await StubHeartbeatServer.closedPort())/heartbeat/\(key)"
        let server = try await StubHeartbeatServer()
        let live = PingURL.url(server: server.url, key: key)
        let base = Date().addingTimeInterval(-600)
        let stuck = HeartbeatDelivery(url: dead, body: #"{"status":"started"}"#, createdAt: base)
        let behind = HeartbeatDelivery(url: live, body: #"{"status":"started"}"#, createdAt: base.addingTimeInterval(1))
        try spool.write(stuck)
        try spool.write(behind)

        let warnings = WarningLog()
        let new = HeartbeatDelivery(url: live, body: #"{"status":"completed"}"#)
        #expect(await client(spool, warnings).deliver(new) == .delivered)

        // The live server's spooled heartbeat went first, then the new one; the dead server's stays.
        #expect(server.requests().map { $0.headers["heartbeat-id"] } == [behind.heartbeatID, new.heartbeatID])
        #expect(try spool.entries().map(\.delivery?.heartbeatID) == [stuck.heartbeatID])
        #expect(warnings.all.contains { $0.hasPrefix("1 spooled heartbeat waits for \(stuck.server) (oldest ") })
    }

    @Test func theServerOfAHeartbeatIsItsOrigin() {
        #expect(HeartbeatDelivery(url: "http://Example.com/heartbeat/k", body: "").server == "http://example.com:80")
        #expect(HeartbeatDelivery(url: "https://example.com/ping/k/start", body: "").server == "https://example.com:443")
        #expect(HeartbeatDelivery(url: "http://127.0.0.1:8470/heartbeat/k", body: "").server == "http://127.0.0.1:8470")
        #expect(HeartbeatDelivery(url: "http://[::1]:8470/heartbeat/k", body: "").server == "http://[::1]:8470")
    }

    @Test func concurrentClientsSendEachSpooledHeartbeatOnce() async throws {
        let spool = try temporarySpool()
        let server = try await StubHeartbeatServer()
        let url = PingURL.url(server: server.url, key: key)
        let base = Date().addingTimeInterval(-3_600)
        let spooled = (0..<12).map { HeartbeatDelivery(url: url, body: #"{"n":\#($0)}"#, createdAt: base.addingTimeInterval(Double($0))) }
        for delivery in spooled { try spool.write(delivery) }

        let a = client(spool)
        let b = client(spool)
        async let first = a.deliver(HeartbeatDelivery(url: url, body: #"{"who":"a"}"#))
        async let second = b.deliver(HeartbeatDelivery(url: url, body: #"{"who":"b"}"#))
        #expect(await [first, second] == [.delivered, .delivered])

        let ids = server.requests().compactMap { $0.headers["heartbeat-id"] }
        #expect(ids.count == 14)
        #expect(Set(ids).count == 14)
        // The spooled ones went in order, all before the later of the two new heartbeats.
        let spooledOrder = ids.filter { id in spooled.contains { $0.heartbeatID == id } }
        #expect(spooledOrder == spooled.map(\.heartbeatID))
        #expect(try spool.entries().isEmpty)
    }

    // MARK: Through the binary

    @Test func pingSendsTheOptionsAsJSON() async throws {
        let server = try await StubHeartbeatServer()
        let cli = try CommandLine()
        let result = try await cli.run([
            "ping", key, "--server", server.url, "--status", "success", "--duration", "1h30m", "--size", "1.2GB",
            "--message", "all good", "--run-id", "r-42", "--exit-code", "0", "--field", "host=web01", "--field", "note=a=b",
            "--spool", cli.path("spool"),
        ])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.err.isEmpty)
        let request = try #require(server.requests().first)
        #expect(request.path == "/heartbeat/\(key)")
        #expect(request.headers["content-type"] == "application/json")
        #expect(UUID(uuidString: request.headers["heartbeat-id"] ?? "") != nil)
        let fields = request.fields
        #expect(fields["status"] as? String == "completed")
        #expect(fields["duration"] as? Int == 5_400)
        #expect(fields["size"] as? Int == 1_200_000_000)
        #expect(fields["message"] as? String == "all good")
        #expect(fields["rid"] as? String == "r-42")
        #expect(fields["exit_code"] as? Int == 0)
        #expect(fields["host"] as? String == "web01")
        #expect(fields["note"] as? String == "a=b")
    }

    @Test func pingToAnUnknownKeyExitsTwoWithOneSentence() async throws {
        let server = try await StubHeartbeatServer()
        try server.answer([404])
        let cli = try CommandLine()
        let result = try await cli.run(["ping", key, "--server", server.url, "--spool", cli.path("spool")])
        #expect(result.code == 2)
        #expect(result.err == "backupboard: unknown ping key: check the URL (the server answered 404)\n")
        #expect(server.requests().count == 1)
        #expect(try HeartbeatSpool(directory: cli.path("spool")).entries().isEmpty)
    }

    @Test func pingWithTheServerDownSpoolsAndExitsZero() async throws {
        let cli = try CommandLine()
        let port = try await StubHeartbeatServer.closedPort()
        let result = try await cli.run(["ping", "http://127.0.0.1:\(port)/heartbeat/\(key)", "--retries", "0"],
                                 environment: ["XDG_STATE_HOME": cli.path("state")])
        #expect(result.code == 0)
        #expect(result.err.hasPrefix("warning: server unreachable; heartbeat spooled to \(cli.path("state"))/backupboard/spool/"))
        #expect(try HeartbeatSpool(directory: cli.path("state") + "/backupboard/spool").entries().count == 1)
    }

    @Test func pingsToALiveServerAreDeliveredPastADeadServersSpool() async throws {
        // The hardening issue's reproduction: an entry spooled for an old --server jammed every later ping.
        let cli = try CommandLine()
        let spool = HeartbeatSpool(directory: cli.path("spool"))
        let deadPort = try await StubHeartbeatServer.closedPort()
        let stuck = HeartbeatDelivery(url: "http://127.0.0.1:\(deadPort)/heartbeat/\(key)", body: #"{"status":"started"}"#,
                                      createdAt: Date().addingTimeInterval(-3_600))
        try spool.write(stuck)
        let server = try await StubHeartbeatServer()
        for _ in 0..<3 {
            let result = try await cli.run(["ping", key, "--server", server.url, "--retries", "0", "--spool", spool.directory])
            #expect(result.code == 0)
            #expect(result.err.contains("1 spooled heartbeat waits for http://127.0.0.1:\(deadPort)"), "\(result.err)")
        }
        #expect(server.requests().count == 3)

        let listed = try await cli.run(["spool", "list", "--spool", spool.directory])
        #expect(listed.code == 0)
        #expect(listed.out.contains("http://127.0.0.1:\(deadPort): 1 heartbeat"))
        #expect(listed.out.contains("started"))
        #expect(!listed.out.contains(key)) // ping keys are secrets: shortened

        let retried = try await cli.run(["spool", "retry", "--spool", spool.directory])
        #expect(retried.code == 1)
        #expect(retried.out.contains("http://127.0.0.1:\(deadPort): 0 delivered, 1 still waiting"))

        let dropped = try await cli.run(["spool", "drop", "--server", "http://127.0.0.1:\(deadPort)", "--spool", spool.directory])
        #expect(dropped.code == 0)
        #expect(dropped.out.contains("Dropped 1 spooled heartbeat for http://127.0.0.1:\(deadPort)."))
        #expect(try spool.entries().isEmpty)
        let empty = try await cli.run(["spool", "list", "--spool", spool.directory])
        #expect(empty.out.hasPrefix("No heartbeat waits in "))
    }

    @Test func badOptionsAreRefusedBeforeSending() async throws {
        let cli = try CommandLine()
        for arguments in [["ping", key, "--status", "great"], ["ping", key, "--size", "big"], ["ping", "bad key!"],
                          ["ping", key, "--timeout", "soon"], ["ping", key, "--field", "novalue"]] {
            let result = try await cli.run(arguments + ["--spool", cli.path("spool")])
            #expect(result.code == 64, "\(arguments)")
            #expect(result.err.hasPrefix("backupboard: "), "\(arguments)")
        }
    }
}
