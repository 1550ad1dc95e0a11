@testable import BackupBoard
import BoardModel
import Foundation
import Testing

// The outbox worker against real receivers on loopback: an HTTP stub that can answer errors for a while, and a
// local SMTP receiver.

private func event(_ id: String, alert: Int64? = nil, action: NotificationAction = .trigger) -> NotificationEvent {
    NotificationEvent(
        id: id, event: "failed", action: action, severity: .critical, alertID: alert, alertKind: .failed, jobSlug: "db-prod",
        message: "backup failed", occurredAt: Date())
}

private func enqueue(_ event: NotificationEvent, on channel: String, in store: BoardStore) throws {
    try store.enqueue(OutboxMessage(eventID: event.id, channel: channel, alertID: event.alertID, payload: event.encoded(), createdAt: Date()))
}

private func worker(_ store: BoardStore, _ channels: [NotificationChannel]) -> OutboxWorker {
    var worker = OutboxWorker(
        store: store, channels: Dictionary(uniqueKeysWithValues: channels.map { ($0.name, $0) }), sender: ChannelSender(timeout: 5))
    worker.backoff = RetryBackoff(base: 0.05, cap: 0.2)
    worker.log = { _ in }
    return worker
}

/// Runs the worker until nothing is pending (or 20 s pass).
private func drain(_ worker: OutboxWorker) async throws {
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
        try await worker.deliverDue(at: Date())
        if try worker.store.outboxHealth().allSatisfy({ $0.pending == 0 }) { return }
        try await Task.sleep(for: .milliseconds(20))
    }
}

@Suite(.serialized) struct OutboxDeliveryTests {
    @Test func aReceiverDownForAWhileGetsTheNotificationOnceItIsBack() async throws {
        let stub = try StubHeartbeatServer()
        try stub.answer([503, 503, 503])
        let store = try BoardStore.inMemory()
        try enqueue(event("alert-1-opened", alert: 1), on: "hook", in: store)
        let worker = worker(store, [NotificationChannel(name: "hook", kind: .webhook(URL(string: stub.url + "/hook")!))])
        try await drain(worker)
        let requests = stub.requests()
        #expect(requests.map(\.status) == [503, 503, 503, 200])
        #expect(requests.allSatisfy { $0.headers["idempotency-key"] == "alert-1-opened" && $0.path == "/hook" })
        #expect(requests.last?.fields["id"] as? String == "alert-1-opened")
        let health = try #require(try store.outboxHealth().first)
        #expect(health.pending == 0 && health.failed == 0 && health.lastDeliveredAt != nil)
    }

    @Test func aRefusedRequestIsGivenUpAfterItsAttemptsWithTheLastErrorKept() async throws {
        let stub = try StubHeartbeatServer()
        try stub.answer([400, 400, 400, 400])
        let store = try BoardStore.inMemory()
        try enqueue(event("alert-2-opened", alert: 2), on: "slack", in: store)
        let worker = worker(store, [NotificationChannel(name: "slack", kind: .slack(URL(string: stub.url + "/services/T/B/secret")!))])
        try await drain(worker)
        #expect(stub.requests().count == 3)
        let health = try #require(try store.outboxHealth().first)
        #expect(health.failed == 1 && health.pending == 0)
        // The error names the receiver, not the secret path of its URL.
        #expect(health.lastError == "slack: HTTP 400 from http://127.0.0.1:\(stub.port): ok")
    }

    @Test func anUnreachableReceiverIsRetriedNotGivenUp() async throws {
        let port = try StubHeartbeatServer.closedPort()
        let store = try BoardStore.inMemory()
        try enqueue(event("alert-3-opened", alert: 3), on: "hook", in: store)
        let worker = worker(store, [NotificationChannel(name: "hook", kind: .webhook(URL(string: "http://127.0.0.1:\(port)/")!))])
        try await worker.deliverDue(at: Date())
        let pending = try #require(try store.dueNotifications(at: Date().addingTimeInterval(60)).first)
        #expect(pending.attempts == 1 && pending.failedAt == nil)
        #expect(pending.lastError?.hasPrefix("hook: cannot reach http://127.0.0.1:\(port)") == true)
    }

    @Test func pagerDutyHearsTheResolveOnlyAfterTheTrigger() async throws {
        let stub = try StubHeartbeatServer()
        try stub.answer([503])
        let store = try BoardStore.inMemory()
        try enqueue(event("alert-5-opened", alert: 5), on: "pd", in: store)
        try enqueue(event("alert-5-resolved", alert: 5, action: .resolve), on: "pd", in: store)
        let worker = worker(store, [NotificationChannel(
            name: "pd", kind: .pagerDuty(URL(string: stub.url + "/v2/enqueue")!, routingKey: "RK"))])
        try await drain(worker)
        let requests = stub.requests()
        #expect(requests.map { "\($0.fields["event_action"] as? String ?? "?") \($0.status)" } == ["trigger 503", "trigger 200", "resolve 200"])
        #expect(requests.allSatisfy { $0.fields["dedup_key"] as? String == "5" })
    }

    @Test func emailGoesThroughALocalSMTPReceiver() async throws {
        let smtp = try StubSMTPServer()
        let store = try BoardStore.inMemory()
        try enqueue(event("alert-9-opened", alert: 9), on: "mail", in: store)
        let settings = SMTPSettings(
            host: "127.0.0.1", port: smtp.port, startTLS: false, from: "bb@example.com", to: ["ops@example.com", "dba@example.com"],
            username: "bb", password: "pw")
        try await drain(worker(store, [NotificationChannel(name: "mail", kind: .email(settings))]))
        let mails = smtp.mails()
        #expect(mails.count == 1)
        #expect(mails.first?.from == "<bb@example.com>")
        #expect(mails.first?.to == ["<ops@example.com>", "<dba@example.com>"])
        #expect(mails.first?.auth == "|bb|pw")
        #expect(mails.first?.data.contains("Message-ID: <alert-9-opened@backupboard>\r\n") == true)
        // The dash is not ASCII: the subject is RFC 2047 encoded.
        let subject = Data("[BackupBoard] CRITICAL failed — db-prod".utf8).base64EncodedString()
        #expect(mails.first?.data.contains("Subject: =?utf-8?B?\(subject)?=\r\n") == true)
        #expect(try store.outboxHealth().first?.lastDeliveredAt != nil)
    }

    @Test func emailUpgradesToTLSWithSTARTTLSAndChecksTheCertificate() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (certificate, key) = try StubSMTPServer.makeCertificate(in: folder)
        let smtp = try StubSMTPServer(certificate: certificate, key: key)
        var settings = SMTPSettings(
            host: "127.0.0.1", port: smtp.port, startTLS: true, from: "bb@example.com", to: ["ops@example.com"],
            username: "bb", password: "pw", caFile: certificate)
        let store = try BoardStore.inMemory()
        try enqueue(event("alert-10-opened", alert: 10), on: "mail", in: store)
        try await drain(worker(store, [NotificationChannel(name: "mail", kind: .email(settings))]))
        #expect(smtp.mails().map(\.tls) == [true])
        #expect(smtp.mails().first?.auth == "|bb|pw")

        // Without the certificate among its roots, the client refuses the server: nothing is sent.
        settings.caFile = nil
        try enqueue(event("alert-11-opened", alert: 11), on: "mail", in: store)
        try await worker(store, [NotificationChannel(name: "mail", kind: .email(settings))]).deliverDue(at: Date())
        #expect(smtp.mails().count == 1)
        let refused = try #require(try store.dueNotifications(at: Date().addingTimeInterval(600)).first)
        #expect(refused.eventID == "alert-11-opened" && refused.lastError?.contains("127.0.0.1:\(smtp.port)") == true)
    }
}
