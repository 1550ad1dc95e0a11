@testable import BoardServe
@testable import BoardSQLite
import BoardModel
import Foundation
import Logging
import Testing

// Each channel through the outbox worker to `ServiceReceiver`, which checks the request as the service documents
// it and answers as the service does. A refused request would be recorded with its reason and fail the test.

/// A text over every channel's limit, with characters of one, two and four UTF-8 bytes (and a surrogate pair).
private let longText = String(repeating: "backup é ✓ 🚨 ", count: 800)

private func event(
    _ id: String, alert: Int64? = 42, action: NotificationAction = .trigger, severity: AlertSeverity = .critical,
    message: String = "backup failed (exit 2)"
) -> NotificationEvent {
    NotificationEvent(
        id: id, event: action == .resolve ? "resolved" : "failed", action: action, severity: severity, alertID: alert,
        alertKind: .failed, jobSlug: "db-prod", jobName: "DB prod", message: message,
        occurredAt: Date(timeIntervalSince1970: 1_800_000_000), openedAt: Date(timeIntervalSince1970: 1_800_000_000),
        tags: ["prod", "db"])
}

/// Enqueues `events` on one channel and runs the worker (its clock a minute on between rounds, past any backoff)
/// until nothing is pending; returns the store.
@discardableResult
private func deliver(
    _ events: [NotificationEvent], via kind: NotificationChannel.Kind, rounds: Int = 6, backoff: RetryBackoff = RetryBackoff(base: 30, cap: 60, jitter: 0.5)
) async throws -> BoardStore {
    let store = try BoardStore.inMemory()
    let clock = TestClock()
    for event in events {
        try await store.enqueue(OutboxMessage(
            eventID: event.id, channel: "ch", alertID: event.alertID, payload: event.encoded(), createdAt: clock.read()))
    }
    var worker = OutboxWorker(
        store: store, channels: ["ch": NotificationChannel(name: "ch", kind: kind)], sender: ChannelSender(timeout: 30),
        backoff: backoff, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    worker.clock = { clock.read() }
    for _ in 0..<rounds {
        try await worker.deliverDue(at: clock.read())
        if try await store.outboxHealth().allSatisfy({ $0.pending == 0 }) { break }
        clock.advance(by: 60)
    }
    return store
}

/// The receiver's requests, none refused.
private func accepted(_ receiver: ServiceReceiver, sourceLocation: SourceLocation = #_sourceLocation) -> [StubHeartbeatServer.Request] {
    let all = receiver.requests()
    for (request, reason) in all where !(200..<300).contains(request.status) && request.status != 429 {
        Issue.record("\(request.method) \(request.path) refused with \(request.status): \(reason)", sourceLocation: sourceLocation)
    }
    return all.map(\.request).filter { (200..<300).contains($0.status) }
}

private func object(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}

@Suite(.serialized) struct ChannelDeliveryTests {
    @Test func ntfyPublishesJSONWithPriorityAndTagsFromTheSeverityAndCutsLongText() async throws {
        let receiver = try await ServiceReceiver()
        let channel = NtfyChannel(topicURL: URL(string: receiver.url + "/ntfy/backups")!, token: ServiceReceiver.ntfyToken)
        try await deliver([event("e1", severity: .emergency, message: longText), event("e2", alert: 43, severity: .warning)], via: .ntfy(channel))
        // The two alerts' notifications go out side by side: found by their title, not their order.
        let bodies = accepted(receiver).map { object($0.body) }
        #expect(bodies.count == 2)
        let emergency = try #require(bodies.first { $0["title"] as? String == "EMERGENCY failed — db-prod" })
        #expect(emergency["topic"] as? String == "backups" && emergency["priority"] as? Int == 5)
        #expect(emergency["tags"] as? [String] == ["rotating_light", "failed"])
        let message = try #require(emergency["message"] as? String)
        #expect(message.utf8.count <= 4_096 && message.hasSuffix("…"))
        #expect(bodies.first { $0["title"] as? String == "WARNING failed — db-prod" }?["priority"] as? Int == 3)
    }

    @Test func discordSendsAnEmbedColouredBySeverityWithinDiscordsLimits() async throws {
        let receiver = try await ServiceReceiver()
        let channel = DiscordChannel(url: URL(string: receiver.url + "/api/webhooks/1234/SECRET")!)
        var long = event("e1", message: longText)
        long.jobSlug = String(repeating: "j", count: 3_000)
        try await deliver([long, event("e2", action: .resolve)], via: .discord(channel))
        let requests = accepted(receiver)
        #expect(requests.count == 2)
        let embed = try #require((object(requests[0].body)["embeds"] as? [[String: Any]])?.first)
        #expect(embed["color"] as? Int == 0xE0_1E_1E)
        #expect((embed["description"] as? String)?.hasSuffix("…") == true)
        #expect((object(requests[0].body)["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
        let resolved = try #require((object(requests[1].body)["embeds"] as? [[String: Any]])?.first)
        #expect(resolved["color"] as? Int == 0x2E_B8_6E && (resolved["title"] as? String)?.hasPrefix("RESOLVED") == true)
    }

    @Test func telegramCutsTextTo4096UTF16UnitsAndKeepsTheTokenOutOfErrors() async throws {
        let receiver = try await ServiceReceiver()
        let channel = TelegramChannel(apiURL: URL(string: receiver.url)!, botToken: ServiceReceiver.telegramToken, chatID: "-100123")
        try await deliver([event("e1", message: longText)], via: .telegram(channel))
        let sent = try #require(accepted(receiver).first)
        let text = try #require(object(sent.body)["text"] as? String)
        #expect(text.utf16.count <= 4_096 && text.hasSuffix("…"))
        #expect(object(sent.body)["chat_id"] as? String == "-100123")

        // A wrong token is refused (401, permanent): the error kept names the origin, never the token in the path.
        let wrong = TelegramChannel(apiURL: URL(string: receiver.url)!, botToken: "999:WRONG-SECRET", chatID: "-100123")
        let store = try await deliver([event("e2")], via: .telegram(wrong))
        let health = try #require(try await store.outboxHealth().first)
        #expect(health.failed == 1)
        #expect(health.lastError?.hasPrefix("ch: HTTP 401 from http://127.0.0.1:\(receiver.port)") == true)
        #expect(health.lastError?.contains("WRONG-SECRET") == false)
    }

    @Test func teamsGetsOneAdaptiveCard() async throws {
        let receiver = try await ServiceReceiver()
        try await deliver([event("e1", message: longText)], via: .teams(TeamsChannel(url: URL(string: receiver.url + "/teams/workflows/abc")!)))
        let sent = try #require(accepted(receiver).first)
        let attachment = try #require((object(sent.body)["attachments"] as? [[String: Any]])?.first)
        let card = try #require(attachment["content"] as? [String: Any])
        let title = try #require((card["body"] as? [[String: Any]])?.first)
        #expect(title["color"] as? String == "Attention" && title["text"] as? String == "CRITICAL failed — db-prod")
    }

    @Test func matrixRetriesUnderTheSameTransactionIDSoTheRoomShowsOneMessage() async throws {
        let receiver = try await ServiceReceiver()
        let channel = MatrixChannel(
            homeserver: URL(string: receiver.url)!, room: "!room:example.org", accessToken: ServiceReceiver.matrixToken)
        // The first attempt is taken by the homeserver but the answer is lost (429 here): the retry reuses the id.
        try receiver.limit(1, retryAfter: 1)
        try await deliver([event("alert-42-opened")], via: .matrix(channel))
        try await deliver([event("alert-42-opened")], via: .matrix(channel))
        let requests = receiver.requests()
        #expect(requests.map(\.request.status) == [429, 200, 200])
        #expect(Set(requests.map(\.request.path)) == ["/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/backupboard-alert-42-opened"])
        #expect(requests.map(\.reason) == ["rate limited", "", "duplicate"])
        #expect(requests.allSatisfy { $0.request.method == "PUT" && $0.request.headers["authorization"] == "Bearer \(ServiceReceiver.matrixToken)" })
    }

    @Test func opsgenieAcknowledgesAndClosesTheAlertItOpenedByItsAlias() async throws {
        let receiver = try await ServiceReceiver()
        let channel = OpsgenieChannel(apiURL: URL(string: receiver.url)!, apiKey: ServiceReceiver.opsgenieKey)
        try await deliver(
            [event("alert-42-opened", message: longText), event("alert-42-acknowledged", action: .acknowledge), event("alert-42-resolved", action: .resolve)],
            via: .opsgenie(channel))
        let requests = accepted(receiver)
        #expect(requests.map(\.path) == [
            "/v2/alerts", "/v2/alerts/backupboard-alert-42/acknowledge?identifierType=alias",
            "/v2/alerts/backupboard-alert-42/close?identifierType=alias",
        ])
        #expect(object(requests[0].body)["alias"] as? String == "backupboard-alert-42")
        #expect(object(requests[0].body)["priority"] as? String == "P2")
        #expect(requests.allSatisfy { $0.headers["authorization"] == "GenieKey \(ServiceReceiver.opsgenieKey)" })
    }

    @Test func pushoverRepeatsAnEmergencyUntilItsResolveCancelsIt() async throws {
        let receiver = try await ServiceReceiver()
        let channel = PushoverChannel(apiURL: URL(string: receiver.url)!, appToken: ServiceReceiver.pushoverApp, userKey: ServiceReceiver.pushoverUser)
        try await deliver(
            [event("alert-42-opened", severity: .emergency, message: longText), event("alert-42-resolved", action: .resolve, severity: .emergency)],
            via: .pushover(channel))
        let requests = accepted(receiver)
        #expect(requests.map(\.path) == ["/1/messages.json", "/1/receipts/cancel_by_tag/backupboard-alert-42.json", "/1/messages.json"])
        #expect(object(requests[0].body)["priority"] as? Int == 2 && object(requests[0].body)["tags"] as? String == "backupboard-alert-42")
        #expect((object(requests[0].body)["message"] as? String)?.hasSuffix("…") == true)
        #expect(object(requests[2].body)["priority"] as? Int == 0)
    }

    @Test func gotifySendsTheTokenInAHeader() async throws {
        let receiver = try await ServiceReceiver()
        try await deliver([event("e1")], via: .gotify(GotifyChannel(url: URL(string: receiver.url)!, appToken: ServiceReceiver.gotifyToken)))
        let sent = try #require(accepted(receiver).first)
        #expect(sent.path == "/message" && object(sent.body)["priority"] as? Int == 8)
    }

    /// A 429's `Retry-After` is honoured: the next attempt waits that long (more than the backoff would), but
    /// never longer than the backoff's cap.
    @Test func a429sRetryAfterIsHonouredUpToTheCap() async throws {
        let receiver = try await ServiceReceiver()
        let channel = DiscordChannel(url: URL(string: receiver.url + "/api/webhooks/1/T")!)
        for (asked, expected) in [(45, 45.0), (3_600, 60.0)] {
            try receiver.limit(1, retryAfter: asked)
            let store = try await deliver([event("e-\(asked)")], via: .discord(channel), rounds: 1)
            let row = try #require(try await store.notification(eventID: "e-\(asked)", channel: "ch"))
            #expect(row.attempts == 1 && row.deliveredAt == nil)
            #expect(row.nextAttemptAt.timeIntervalSince(row.createdAt) == expected)
        }
    }

    @Test func textIsCutByTheUnitTheServiceCounts() {
        #expect("abc".cut(to: 3, .scalars) == "abc")
        #expect("abcd".cut(to: 3, .scalars) == "ab…")
        #expect("🚨🚨🚨".cut(to: 4, .utf16) == "🚨…")
        #expect("ééé".cut(to: 5, .utf8) == "é…")
    }
}
