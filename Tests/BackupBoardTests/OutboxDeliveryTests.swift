@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import BoardModel
import Foundation
import Logging
import Synchronization
import Testing

// The outbox worker against real receivers on loopback: an HTTP stub that can answer errors for a while, and a
// local SMTP receiver.

private func event(_ id: String, alert: Int64? = nil, action: NotificationAction = .trigger) -> NotificationEvent {
    NotificationEvent(
        id: id, event: "failed", action: action, severity: .critical, alertID: alert, alertKind: .failed, jobSlug: "db-prod",
        message: "backup failed", occurredAt: Date())
}

private func enqueue(_ event: NotificationEvent, on channel: String, in store: BoardStore, at date: Date = TestClock().read()) async throws {
    try await store.enqueue(OutboxMessage(eventID: event.id, channel: channel, alertID: event.alertID, payload: event.encoded(), createdAt: date))
}

/// The worker's clock in these tests: it moves only when the test moves it, so a backoff is a step of the
/// test, never a wait on a machine that may be busy.
final class TestClock: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    func read() -> Date { now.withLock { $0 } }
    func advance(by seconds: TimeInterval) { now.withLock { $0 += seconds } }
}

private func worker(
    _ store: BoardStore, _ channels: [NotificationChannel], clock: TestClock = TestClock(), logger: Logger = quietLogger
) -> OutboxWorker {
    var worker = OutboxWorker(
        store: store, channels: Dictionary(uniqueKeysWithValues: channels.map { ($0.name, $0) }), sender: ChannelSender(timeout: 60),
        logger: logger)
    worker.backoff = RetryBackoff(base: 30, cap: 60, jitter: 0.5)
    worker.clock = { clock.read() }
    return worker
}

/// Runs the worker round by round, the clock a minute on between rounds (past any backoff), until nothing is
/// pending; fails the test if something still is after 20 rounds.
private func drain(_ worker: OutboxWorker, _ store: BoardStore, clock: TestClock, sourceLocation: SourceLocation = #_sourceLocation)
    async throws
{
    for _ in 0..<20 {
        try await worker.deliverDue(at: clock.read())
        if try await store.outboxHealth().allSatisfy({ $0.pending == 0 }) { return }
        clock.advance(by: 60)
    }
    Issue.record("notifications still pending after 20 rounds", sourceLocation: sourceLocation)
}

@Suite(.serialized) struct OutboxDeliveryTests {
    @Test func aReceiverDownForAWhileGetsTheNotificationOnceItIsBack() async throws {
        let stub = try await StubHeartbeatServer()
        try stub.answer([503, 503, 503])
        let store = try BoardStore.inMemory()
        let clock = TestClock()
        try await enqueue(event("alert-1-opened", alert: 1), on: "hook", in: store)
        let worker = worker(store, [NotificationChannel(name: "hook", kind: .webhook(WebhookChannel(url: URL(string: stub.url + "/hook")!)))], clock: clock)
        try await drain(worker, store, clock: clock)
        let requests = stub.requests()
        #expect(requests.map(\.status) == [503, 503, 503, 200])
        #expect(requests.allSatisfy { $0.headers["idempotency-key"] == "alert-1-opened" && $0.path == "/hook" })
        #expect(requests.last?.fields["id"] as? String == "alert-1-opened")
        let health = try #require(try await store.outboxHealth().first)
        #expect(health.pending == 0 && health.failed == 0 && health.lastDeliveredAt != nil)
    }

    /// A receiver that takes its time holds back only its own notifications: with three requests to the slow
    /// one still open, the fast one's notification is delivered and recorded, and nothing waits for the slow
    /// ones to answer. The order of events is what is checked, not how long anything took.
    @Test func aSlowReceiverDoesNotHoldBackAnotherChannel() async throws {
        let slow = try await StubHeartbeatServer()
        let fast = try await StubHeartbeatServer()
        let store = try BoardStore.inMemory()
        for alert in 1...3 {
            try await enqueue(event("alert-\(alert)-opened", alert: Int64(alert)), on: "slow", in: store, at: Date())
        }
        try await enqueue(event("alert-4-opened", alert: 4), on: "fast", in: store, at: Date())
        var worker = worker(store, [
            NotificationChannel(name: "slow", kind: .webhook(WebhookChannel(url: URL(string: slow.url + "/held")!))),
            NotificationChannel(name: "fast", kind: .webhook(WebhookChannel(url: URL(string: fast.url + "/hook")!))),
        ])
        worker.clock = { Date() }
        worker.pollInterval = .milliseconds(50)
        let running = Task { [worker] in await worker.run() }
        defer { running.cancel() }

        func delivered(_ channel: String) async throws -> Int {
            try await store.outboxHealth().first { $0.channel == channel }.map { $0.lastDeliveredAt == nil ? 0 : 1 } ?? 0
        }
        // Shorter than the sender's 60-s timeout: the slow requests cannot have ended by themselves meanwhile.
        let opened = ContinuousClock.now + .seconds(30)
        while (try await delivered("fast") == 0 || slow.heldArrivals() < 3) && ContinuousClock.now < opened {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await delivered("fast") == 1, "the fast receiver's notification is recorded as delivered")
        #expect(slow.heldArrivals() == 3 && slow.requests().isEmpty, "while the slow receiver still holds all three requests")

        try slow.release()
        let deadline = ContinuousClock.now + .seconds(60)
        while try await store.outboxHealth().contains(where: { $0.pending > 0 }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(slow.requests().count == 3)
        #expect(try await store.outboxHealth().allSatisfy { $0.pending == 0 && $0.failed == 0 })
    }

    @Test func aRefusedRequestIsGivenUpAfterItsAttemptsWithTheLastErrorKept() async throws {
        let stub = try await StubHeartbeatServer()
        try stub.answer([400, 400, 400, 400])
        let store = try BoardStore.inMemory()
        let clock = TestClock()
        try await enqueue(event("alert-2-opened", alert: 2), on: "slack", in: store)
        let log = LogRecorder()
        let worker = worker(
            store, [NotificationChannel(name: "slack", kind: .slack(URL(string: stub.url + "/services/T/B/secret")!))], clock: clock,
            logger: log.logger)
        try await drain(worker, store, clock: clock)
        #expect(stub.requests().count == 3)
        // The first failure is a warning; giving up, the notification lost, an error.
        #expect(log.lines.map(\.level) == [.warning, .error])
        #expect(log.lines.last?.message.hasPrefix("notify: gave up on alert-2-opened to slack after 3 attempts") == true)
        let health = try #require(try await store.outboxHealth().first)
        #expect(health.failed == 1 && health.pending == 0)
        // The error names the receiver, not the secret path of its URL.
        #expect(health.lastError == "slack: HTTP 400 from http://127.0.0.1:\(stub.port): ok")
    }

    @Test func anUnreachableReceiverIsRetriedNotGivenUp() async throws {
        let port = try await StubHeartbeatServer.closedPort()
        let store = try BoardStore.inMemory()
        let clock = TestClock()
        try await enqueue(event("alert-3-opened", alert: 3), on: "hook", in: store)
        let worker = worker(store, [NotificationChannel(name: "hook", kind: .webhook(WebhookChannel(url: URL(string: "http://127.0.0.1:\(port)/")!)))], clock: clock)
        try await worker.deliverDue(at: clock.read())
        let pending = try #require(try await store.dueNotifications(at: clock.read().addingTimeInterval(60)).first)
        #expect(pending.attempts == 1 && pending.failedAt == nil)
        #expect(pending.lastError?.hasPrefix("hook: cannot reach http://127.0.0.1:\(port)") == true)
    }

    @Test func pagerDutyHearsTheResolveOnlyAfterTheTrigger() async throws {
        let stub = try await StubHeartbeatServer()
        try stub.answer([503])
        let store = try BoardStore.inMemory()
        let clock = TestClock()
        try await enqueue(event("alert-5-opened", alert: 5), on: "pd", in: store)
        try await enqueue(event("alert-5-resolved", alert: 5, action: .resolve), on: "pd", in: store)
        let worker = worker(store, [NotificationChannel(
            name: "pd", kind: .pagerDuty(URL(string: stub.url + "/v2/enqueue")!, routingKey: "RK"))], clock: clock)
        try await drain(worker, store, clock: clock)
        let requests = stub.requests()
        #expect(requests.map { "\($0.fields["event_action"] as? String ?? "?") \($0.status)" } == ["trigger 503", "trigger 200", "resolve 200"])
        #expect(requests.allSatisfy { $0.fields["dedup_key"] as? String == "5" })
    }

    @Test func emailGoesThroughALocalSMTPReceiver() async throws {
        let smtp = try await StubSMTPServer()
        let store = try BoardStore.inMemory()
        let clock = TestClock()
        try await enqueue(event("alert-9-opened", alert: 9), on: "mail", in: store)
        let settings = SMTPSettings(
            host: "127.0.0.1", port: smtp.port, startTLS: false, from: "bb@example.com", to: ["ops@example.com", "dba@example.com"],
            username: "bb", password: "pw")
        try await drain(worker(store, [NotificationChannel(name: "mail", kind: .email(settings))], clock: clock), store, clock: clock)
        let mails = smtp.mails()
        #expect(mails.count == 1)
        #expect(mails.first?.from == "<bb@example.com>")
        #expect(mails.first?.to == ["<ops@example.com>", "<dba@example.com>"])
        #expect(mails.first?.auth == "|bb|pw")
        #expect(mails.first?.data.contains("Message-ID: <alert-9-opened@backupboard>\r\n") == true)
        // The dash is not ASCII: the subject is RFC 2047 encoded.
        let subject = Data("[BackupBoard] CRITICAL failed — db-prod".utf8).base64EncodedString()
        #expect(mails.first?.data.contains("Subject: =?utf-8?B?\(subject)?=\r\n") == true)
        #expect(try await store.outboxHealth().first?.lastDeliveredAt != nil)
    }

    @Test func emailUpgradesToTLSWithSTARTTLSAndChecksTheCertificate() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (certificate, key) = try await StubSMTPServer.makeCertificate(in: folder)
        let smtp = try await StubSMTPServer(certificate: certificate, key: key)
        var settings = SMTPSettings(
            host: "127.0.0.1", port: smtp.port, startTLS: true, from: "bb@example.com", to: ["ops@example.com"],
            username: "bb", password: "pw", caFile: certificate)
        let store = try BoardStore.inMemory()
        let clock = TestClock()
        try await enqueue(event("alert-10-opened", alert: 10), on: "mail", in: store)
        try await drain(worker(store, [NotificationChannel(name: "mail", kind: .email(settings))], clock: clock), store, clock: clock)
        #expect(smtp.mails().map(\.tls) == [true])
        #expect(smtp.mails().first?.auth == "|bb|pw")

        // Without the certificate among its roots, the client refuses the server: nothing is sent.
        settings.caFile = nil
        try await enqueue(event("alert-11-opened", alert: 11), on: "mail", in: store)
        try await worker(store, [NotificationChannel(name: "mail", kind: .email(settings))], clock: clock).deliverDue(at: clock.read())
        #expect(smtp.mails().count == 1)
        let refused = try #require(try await store.dueNotifications(at: clock.read().addingTimeInterval(600)).first)
        #expect(refused.eventID == "alert-11-opened" && refused.lastError?.contains("127.0.0.1:\(smtp.port)") == true)
    }
}
