@testable import BoardServe
@testable import BoardSQLite
import BoardModel
import Foundation
import Logging
import Testing

/// The new channel types in the serve config, webhook templates, and the command channel.
@Suite struct ChannelConfigTests {
    private static let sample = NotificationEvent(
        id: "alert-7-opened", event: "failed", action: .trigger, severity: .critical, alertID: 7, alertKind: .failed,
        jobSlug: "db-prod", jobName: "DB \"prod\" & co", message: "exit 2\nsee log", occurredAt: Date(timeIntervalSince1970: 1_800_000_000),
        tags: ["prod", "db"], sizeBytes: 1_234, duration: 61.4, exitStatus: 2)

    @Test func everyChannelTypeReadsWithItsSecretsFromTheEnvironmentOrAFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("channels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appendingPathComponent("opsgenie-key")
        try "OG-KEY\n".write(to: keyFile, atomically: true, encoding: .utf8)
        let text = """
            [notifications.channels.push]
            type = "ntfy"
            url = "https://ntfy.sh/backups"
            token_env = "NTFY_TOKEN"

            [notifications.channels.chat]
            type = "discord"
            url_env = "DISCORD_URL"

            [notifications.channels.tg]
            type = "telegram"
            bot_token_env = "TG_TOKEN"
            chat_id = -1001234

            [notifications.channels.teams]
            type = "teams"
            url = "https://example.webhook.office.com/workflows/1"

            [notifications.channels.room]
            type = "matrix"
            homeserver = "https://matrix.example.org"
            room = "!ops:example.org"
            access_token_env = "MATRIX_TOKEN"

            [notifications.channels.og]
            type = "opsgenie"
            url = "https://api.eu.opsgenie.com"
            api_key_file = "\(keyFile.path)"

            [notifications.channels.po]
            type = "pushover"
            app_token_env = "PO_APP"
            user_key_env = "PO_USER"

            [notifications.channels.go]
            type = "gotify"
            url = "https://gotify.example.org"
            app_token_env = "GOTIFY_TOKEN"

            [notifications.channels.script]
            type = "command"
            command = ["true", "--ops"]
            timeout = "5s"
            """
        let environment = [
            "NTFY_TOKEN": "tk_1", "DISCORD_URL": "https://discord.com/api/webhooks/1/T", "TG_TOKEN": "1:T", "MATRIX_TOKEN": "syt",
            "PO_APP": "app", "PO_USER": "user", "GOTIFY_TOKEN": "gt", "PATH": "/usr/bin:/bin",
        ]
        let channels = try ServeConfiguration.parse(text, path: "serve.toml", environment: environment).notifications.channels
        #expect(channels["push"]?.kind == .ntfy(NtfyChannel(topicURL: URL(string: "https://ntfy.sh/backups")!, token: "tk_1")))
        #expect(channels["chat"]?.kind == .discord(DiscordChannel(url: URL(string: "https://discord.com/api/webhooks/1/T")!)))
        #expect(channels["tg"]?.kind == .telegram(TelegramChannel(apiURL: TelegramChannel.apiEndpoint, botToken: "1:T", chatID: "-1001234")))
        #expect(channels["teams"]?.typeName == "teams")
        #expect(channels["room"]?.kind == .matrix(MatrixChannel(
            homeserver: URL(string: "https://matrix.example.org")!, room: "!ops:example.org", accessToken: "syt")))
        #expect(channels["og"]?.kind == .opsgenie(OpsgenieChannel(apiURL: URL(string: "https://api.eu.opsgenie.com")!, apiKey: "OG-KEY")))
        #expect(channels["po"]?.kind == .pushover(PushoverChannel(apiURL: PushoverChannel.apiEndpoint, appToken: "app", userKey: "user")))
        #expect(channels["go"]?.kind == .gotify(GotifyChannel(url: URL(string: "https://gotify.example.org")!, appToken: "gt")))
        #expect(channels["script"]?.kind == .command(CommandChannel(arguments: ["/usr/bin/true", "--ops"], timeout: 5)))
        #expect(channels["og"]?.isClosing == true && channels["po"]?.isClosing == false)
    }

    @Test func mistakesInTheNewChannelsAreNamedWithTheirLine() {
        let text = """
            [notifications.channels.tg]
            type = "telegram"
            bot_token = "1:T"

            [notifications.channels.hook]
            type = "webhook"
            url = "http://127.0.0.1:9/$SLUG"
            body = '{"text": "$NAME is $STATE"}'

            [notifications.channels.room]
            type = "matrix"
            homeserver = "https://matrix.example.org"
            room = "#ops:example.org"
            access_token = "t"

            [notifications.channels.run]
            type = "command"
            command = "/bin/notify --all"

            [notifications.channels.push]
            type = "ntfy"
            url = "https://ntfy.sh/t"
            chat_id = 5
            """
        #expect {
            try ServeConfiguration.parse(text, path: "serve.toml", environment: [:])
        } throws: { error in
            let message = String(describing: error)
            return message.contains("serve.toml:1: notifications.channels.tg needs chat_id")
                && message.contains("serve.toml:8: notifications.channels.hook.body: unknown placeholder $STATE (known: $NAME, $SLUG, $STATUS")
                && message.contains("serve.toml:13: notifications.channels.room.room must be a room id")
                && message.contains("serve.toml:18: notifications.channels.run.command must be a list")
                && message.contains("serve.toml:23: unknown key 'notifications.channels.push.chat_id'")
        }
    }

    @Test func webhookTemplatesEscapeEachValueForWhereItLands() throws {
        let channel = WebhookChannel(
            url: try WebhookTemplate("http://127.0.0.1:9/hook/$SLUG?name=$NAME&cost=$$5"), method: "PUT",
            headers: ["X-Status": try WebhookTemplate("$STATUS/$SEVERITY"), "X-Message": try WebhookTemplate("$MESSAGE")],
            body: try WebhookTemplate(#"{"text": "$NAME: $MESSAGE", "tags": "$TAGS", "size": $SIZE, "took": $DURATION, "exit": $EXITSTATUS, "at": "$NOW", "kind": "$KIND", "event": $JSON}"#))
        let request = try #require(channel.requests(for: Self.sample).first)
        #expect(request.method == "PUT")
        #expect(request.url.absoluteString == "http://127.0.0.1:9/hook/db-prod?name=DB%20%22prod%22%20%26%20co&cost=$5")
        #expect(request.headers["X-Status"] == "down/critical")
        #expect(request.headers["X-Message"] == "exit 2see log")
        #expect(request.headers["Content-Type"] == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["text"] as? String == "DB \"prod\" & co: exit 2\nsee log")
        #expect(body["tags"] as? String == "prod db")
        #expect(body["size"] as? Int == 1_234 && body["took"] as? Int == 61 && body["exit"] as? Int == 2)
        #expect(body["at"] as? String == "2027-01-15T08:00:00Z" && body["kind"] as? String == "failed")
        #expect((body["event"] as? [String: Any])?["id"] as? String == "alert-7-opened")

        let plain = WebhookChannel(
            url: try WebhookTemplate("http://127.0.0.1:9/sms"), method: "POST", headers: [:], body: try WebhookTemplate("$NAME \"$STATUS\""))
        let raw = try #require(plain.requests(for: Self.sample).first)
        #expect(String(decoding: raw.body, as: UTF8.self) == "DB \"prod\" & co \"down\"")
        #expect(raw.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(throws: WebhookTemplate.Problem.self) { try WebhookTemplate("cost: $5") }
    }

    /// A script for the command channel: it saves its input and environment, then exits as its first argument says.
    private static func script(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("notify.sh").path
        try """
            #!/bin/sh
            cat > "$2/stdin.json"
            env | grep '^BACKUPBOARD_EVENT_' | sort > "$2/env.txt"
            ls -l /proc/$$/fd > "$2/fds.txt"
            echo "handled $BACKUPBOARD_EVENT_ID"
            echo "something broke for $BACKUPBOARD_EVENT_SLUG" >&2
            [ "$1" = sleep ] && sleep 10
            exit "$1"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func theCommandChannelGetsTheEventOnStandardInputAndInVariablesAndItsExitDecides() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = try Self.script(in: folder)
        let sender = ChannelSender()
        func channel(_ exit: String, timeout: TimeInterval = 30) -> NotificationChannel {
            NotificationChannel(name: "run", kind: .command(CommandChannel(arguments: [script, exit, folder.path], timeout: timeout)))
        }

        // A socket of the server's (SwiftNIO's have no close-on-exec) is not the program's.
        var sockets: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &sockets) == 0)
        defer { sockets.forEach { close($0) } }
        let receipt = try await sender.deliver(Self.sample, via: channel("0"))
        #expect(receipt == DeliveryReceipt(status: 0, answer: Array("handled alert-7-opened\n".utf8)))
        let descriptors = try String(contentsOf: folder.appendingPathComponent("fds.txt"), encoding: .utf8)
        #expect(!descriptors.contains("socket:"), "\(descriptors)")
        let input = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("stdin.json"))) as? [String: Any])
        #expect(input["id"] as? String == "alert-7-opened" && input["exit_status"] as? Int == 2)
        let variables = try String(contentsOf: folder.appendingPathComponent("env.txt"), encoding: .utf8)
        #expect(variables.contains("BACKUPBOARD_EVENT_SLUG=db-prod\n") && variables.contains("BACKUPBOARD_EVENT_STATUS=down\n"))
        #expect(variables.contains("BACKUPBOARD_EVENT_ALERT_ID=7\n") && variables.contains("BACKUPBOARD_EVENT_SIZE=1234\n"))

        await #expect { try await sender.deliver(Self.sample, via: channel("75")) } throws: { error in
            (error as? DeliveryError).map { !$0.isPermanent && $0.message == "run: notify.sh exited 75 (try again later): something broke for db-prod" } ?? false
        }
        await #expect { try await sender.deliver(Self.sample, via: channel("3")) } throws: { error in
            (error as? DeliveryError).map { $0.isFinal && $0.message == "run: notify.sh exited 3: something broke for db-prod" } ?? false
        }
        // The script's `sleep 10` is killed with it: the delivery ends long before the sleep would.
        let started = Date()
        await #expect { try await sender.deliver(Self.sample, via: channel("sleep", timeout: 1)) } throws: { error in
            (error as? DeliveryError).map { !$0.isPermanent && $0.message.hasPrefix("run: notify.sh did not finish within 1 s and was killed") } ?? false
        }
        #expect(Date().timeIntervalSince(started) < 8)
    }

    @Test func aCommandThatFailsIsGivenUpAtOnceWithItsStandardErrorKept() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = try Self.script(in: folder)
        let store = try BoardStore.inMemory()
        try await store.enqueue(OutboxMessage(eventID: Self.sample.id, channel: "run", alertID: 7, payload: Self.sample.encoded(), createdAt: Date()))
        let worker = OutboxWorker(
            store: store, channels: ["run": NotificationChannel(name: "run", kind: .command(CommandChannel(arguments: [script, "3", folder.path])))],
            sender: ChannelSender(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await worker.deliverDue(at: Date())
        let row = try #require(try await store.notification(eventID: Self.sample.id, channel: "run"))
        #expect(row.attempts == 1 && row.failedAt != nil)
        #expect(row.lastError == "run: notify.sh exited 3: something broke for db-prod")
    }
}
