@testable import BoardServe
import BoardModel
import BoardSQLite
import Foundation
import Testing

/// `backupboard notify test`, the real binary against loopback receivers.
@Suite(.serialized) struct NotifyTestCommandTests {
    @Test func aTestNotificationGoesThroughTheOutboxAndPrintsTheReceiversAnswer() async throws {
        let cli = try CommandLine()
        let receiver = try await ServiceReceiver()
        let database = cli.path("board.sqlite")
        let config = cli.path("serve.toml")
        try """
            [notifications.channels.chat]
            type = "telegram"
            url = "\(receiver.url)"
            bot_token_env = "TG_TOKEN"
            chat_id = -100123

            [notifications.channels.wrong]
            type = "telegram"
            url = "\(receiver.url)"
            bot_token = "999:NOT-THE-TOKEN"
            chat_id = -100123
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let environment = ["TG_TOKEN": ServiceReceiver.telegramToken, "NO_PROXY": "127.0.0.1", "http_proxy": "", "HTTP_PROXY": ""]

        // Rate limited once for 1 s: the test honours the Retry-After, tries again and is delivered.
        try receiver.limit(1, retryAfter: 1)
        let good = try await cli.run(["notify", "test", "chat", "--config", config, "--db", database], environment: environment)
        #expect(good.code == 0, "\(good.err)")
        #expect(good.out.hasPrefix("delivered to chat (200): {\"ok\": true, \"result\": {\"message_id\": 7"))
        #expect(receiver.requests().map(\.request.status) == [429, 200])
        let row = try #require(try await BoardStore(path: database).dueNotifications(at: Date.distantFuture).isEmpty ? true : nil)
        #expect(row)

        let bad = try await cli.run(["notify", "test", "wrong", "--config", config, "--db", database], environment: environment)
        #expect(bad.code == 1)
        #expect(bad.out.hasPrefix("not delivered to wrong: wrong: HTTP 401 from \(receiver.url)"))
        #expect(!(bad.out + bad.err).contains("NOT-THE-TOKEN") && !(good.out + good.err).contains(ServiceReceiver.telegramToken))

        let missing = try await cli.run(["notify", "test", "nope", "--config", config, "--db", database], environment: environment)
        #expect(missing.code == 1)
        #expect(missing.err == "backupboard: \(config) has no channel 'nope' (channels: chat, wrong)\n")
    }

    /// With `--server`, the running serve's own worker delivers the test; the command prints what it reports.
    @Test func aRunningServeDeliversTheTestForNotifyTestServer() async throws {
        let cli = try CommandLine()
        let receiver = try await ServiceReceiver()
        let port = try await StubHeartbeatServer.closedPort()
        let config = cli.path("serve.toml")
        try """
            listen = "127.0.0.1:\(port)"
            [tokens]
            admin = ["admin-token-0123456789"]
            [notifications.channels.room]
            type = "matrix"
            url = "\(receiver.url)"
            room = "!ops:example.org"
            access_token = "\(ServiceReceiver.matrixToken)"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let serve = try ServeProcess(config: config, database: cli.path("board.sqlite"), port: port, log: URL(fileURLWithPath: cli.path("serve.log")))
        defer { serve.crash() }
        try await serve.waitUntilListening()
        try "admin-token-0123456789\n".write(toFile: cli.path("token"), atomically: true, encoding: .utf8)

        let server = ["--server", "http://127.0.0.1:\(port)", "--token-file", cli.path("token")]
        let environment = ["NO_PROXY": "127.0.0.1", "http_proxy": "", "HTTP_PROXY": ""]
        let good = try await cli.run(["notify", "test", "room"] + server, environment: environment)
        #expect(good.code == 0, "\(good.err)")
        #expect(good.out.hasPrefix("delivered to room (200): {\"event_id\": \"$event1\"}"))
        let sent = try #require(receiver.requests().first)
        #expect(sent.request.method == "PUT" && sent.request.path.hasPrefix("/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/backupboard-test-room-"))

        let unknown = try await cli.run(["notify", "test", "nope"] + server, environment: environment)
        #expect(unknown.code == 1)
        #expect(unknown.err.contains("no channel 'nope' in serve's config (channels: room)"))
        let noToken = try await cli.run(["notify", "test", "room", "--server", "http://127.0.0.1:\(port)"], environment: environment.merging(["BACKUPBOARD_TOKEN": ""]) { $1 })
        #expect(noToken.code == 1 && noToken.err.contains("(401)"))
        #expect(!(good.out + good.err + unknown.err + noToken.err).contains(ServiceReceiver.matrixToken))
    }
}
