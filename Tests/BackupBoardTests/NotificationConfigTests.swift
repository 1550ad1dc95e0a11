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

/// `[notifications]` in the serve config, the channels' wire formats, and the retry backoff.
@Suite struct NotificationConfigTests {
    static let exampleFile: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
        return url.appendingPathComponent("examples/notifications.toml")
    }()

    @Test func theSeedArticlesRoutingIsExpressible() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notify-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let secretFile = folder.appendingPathComponent("audit-url")
        try "http://127.0.0.1:9/audit?token=s3cret\n".write(to: secretFile, atomically: true, encoding: .utf8)
        let text = try String(contentsOf: Self.exampleFile, encoding: .utf8)
            .replacingOccurrences(of: "/etc/backupboard/audit-webhook-url", with: secretFile.path)
        let configuration = try ServeConfiguration.parse(text, path: "notifications.toml", environment: [
            "BACKUPBOARD_SLACK_URL": "http://127.0.0.1:9/slack/T000/B000/xyz", "BACKUPBOARD_PAGERDUTY_KEY": "R0UTING",
        ])
        let settings = configuration.notifications
        #expect(settings.isEnabled)
        #expect(settings.channels["ops-slack"]?.kind == .slack(URL(string: "http://127.0.0.1:9/slack/T000/B000/xyz")!))
        #expect(settings.channels["pagerduty"]?.kind == .pagerDuty(NotificationChannel.pagerDutyEndpoint, routingKey: "R0UTING"))
        #expect(settings.channels["audit-hook"]?.kind == .webhook(WebhookChannel(url: URL(string: "http://127.0.0.1:9/audit?token=s3cret")!)))
        guard case .email(let smtp) = settings.channels["backup-mail"]?.kind else {
            Issue.record("backup-mail is not an email channel")
            return
        }
        #expect(smtp.host == "127.0.0.1" && smtp.port == 25 && smtp.to == ["backups@example.com"])
        #expect(settings.digestMinute == 8 * 60 && settings.digestTimeZone.identifier == "Europe/Berlin")
        #expect(settings.routing.closingChannels == ["pagerduty"])

        let routing = settings.routing
        let prod = Job(slug: "pg", pingKey: "k", schedule: .interval(3_600), priority: .critical, tags: ["prod"], createdAt: Date())
        #expect(routing.channels(event: "failed", severity: .critical, job: prod) == ["ops-slack", "audit-hook"])
        #expect(routing.channels(event: "delayed", severity: .info, job: prod) == ["pagerduty"])
        #expect(routing.channels(event: "succeeded", severity: .info, job: prod) == ["backup-mail"])
        #expect(routing.channels(event: "resolved", severity: .critical, job: prod) == ["ops-slack"])
        #expect(routing.channels(event: "digest", severity: .info, job: nil) == ["backup-mail"])
        #expect(routing.renotifyInterval(channel: "ops-slack", event: "failed", severity: .critical, job: prod) == 14_400)
    }

    @Test func mistakesAreNamedOneSentenceEach() {
        let text = """
            [notifications.channels.slack]
            type = "slack"
            url_env = "NOT_SET_ANYWHERE"

            [notifications.channels.mail]
            type = "email"
            smtp = "127.0.0.1:25"
            from = "a@example.com"
            to = ["b@example.com"]
            starttls = true
            tls_ca_file = "/nonexistent/ca.pem"

            [[notifications.routes]]
            events = ["failed", "exploded"]
            channels = ["slak"]
            """
        #expect {
            try ServeConfiguration.parse(text, path: "serve.toml", environment: [:])
        } throws: { error in
            let message = String(describing: error)
            return message.contains("serve.toml:3: notifications.channels.slack.url_env: the environment variable NOT_SET_ANYWHERE is not set")
                && message.contains("serve.toml:11: notifications.channels.mail.tls_ca_file: cannot read /nonexistent/ca.pem")
                && message.contains("unknown event 'exploded'")
                && message.contains("names channel 'slak', which no [notifications.channels.slak] defines")
        }
    }

    @Test func pagerDutyTriggerAcknowledgeAndResolveShareTheAlertsDedupKey() throws {
        let channel = NotificationChannel(name: "pd", kind: .pagerDuty(URL(string: "http://127.0.0.1:9/v2/enqueue")!, routingKey: "RK"))
        var event = NotificationEvent(
            id: "alert-42-opened", event: "delayed", action: .trigger, severity: .critical, alertID: 42, alertKind: .delayed,
            jobSlug: "pg-prod", message: "overdue by 2 h", occurredAt: Date(timeIntervalSince1970: 1_800_000_000))
        var bodies: [[String: Any]] = []
        for (id, action) in [("alert-42-opened", NotificationAction.trigger), ("alert-42-acknowledged", .acknowledge), ("alert-42-resolved", .resolve)] {
            event.id = id
            event.action = action
            let request = try #require(channel.httpNotifications(for: event).first)
            #expect(request.headers["Idempotency-Key"] == id)
            bodies.append(try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]))
        }
        #expect(bodies.map { $0["dedup_key"] as? String } == ["42", "42", "42"])
        #expect(bodies.map { $0["event_action"] as? String } == ["trigger", "acknowledge", "resolve"])
        #expect(bodies.allSatisfy { $0["routing_key"] as? String == "RK" })
        let payload = try #require(bodies[0]["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "error")
        #expect(payload["source"] as? String == "pg-prod")
        #expect(payload["summary"] as? String == "CRITICAL delayed — pg-prod: overdue by 2 h")
        #expect(bodies[2]["payload"] == nil)
    }

    @Test func slackReadsAndTheWebhookCarriesTheEvent() throws {
        let event = NotificationEvent(
            id: "alert-7-opened", event: "failed", action: .trigger, severity: .critical, alertID: 7, alertKind: .failed,
            jobSlug: "db", jobName: "DB", message: "exit code 2", occurredAt: Date(timeIntervalSince1970: 1_800_000_000),
            openedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let slack = NotificationChannel(name: "s", kind: .slack(URL(string: "http://127.0.0.1:9/s")!)).httpNotifications(for: event).first
        let slackBody = try JSONSerialization.jsonObject(with: Data(try #require(slack).body)) as? [String: String]
        #expect(slackBody?["text"] == ":red_circle: *CRITICAL failed — db*\nexit code 2\nopened 2027-01-15T08:00:00Z · alert #7")
        let hook = NotificationChannel(name: "w", kind: .webhook(WebhookChannel(url: URL(string: "http://127.0.0.1:9/w")!))).httpNotifications(for: event).first
        let hookBody = try JSONSerialization.jsonObject(with: Data(try #require(hook).body)) as? [String: Any]
        #expect(hookBody?["id"] as? String == "alert-7-opened")
        #expect(hookBody?["event"] as? String == "failed")
        #expect(hookBody?["severity"] as? String == "critical")
        #expect(hookBody?["job"] as? String == "db")
        #expect(hookBody?["message"] as? String == "exit code 2")
        #expect(hookBody?["occurred_at"] as? String == "2027-01-15T08:00:00Z")
    }

    @Test func emailHasAMessageIDFromTheEventAndDotStuffing() {
        let event = NotificationEvent(
            id: "digest-2027-01-15", event: "digest", action: .info, severity: .info,
            message: "Daily digest: 0 open alerts\n.hidden line", occurredAt: Date(timeIntervalSince1970: 1_800_000_000))
        let mail = EmailMessage(event, settings: SMTPSettings(
            host: "127.0.0.1", port: 25, startTLS: false, from: "bb@example.com", to: ["ops@example.com"]))
        #expect(mail.messageID == "<digest-2027-01-15@backupboard>")
        #expect(mail.data.contains("Message-ID: <digest-2027-01-15@backupboard>\r\n"))
        #expect(mail.data.contains("Subject: [BackupBoard] Daily digest: 0 open alerts\r\n"))
        #expect(mail.data.contains("\r\n..hidden line\r\n"))
    }

    @Test func theOutboxBacksOffFrom5SecondsTo15MinutesJitteredDownToHalfUnlessTheConfigSaysOtherwise() throws {
        #expect(NotificationSettings().backoff == RetryBackoff(base: 5, cap: 15 * 60, jitter: 0.5))
        let text = "[notifications]\nretry_base = \"1m\"\nretry_cap = \"2h\"\n"
        let configuration = try ServeConfiguration.parse(text, path: "serve.toml", environment: [:])
        #expect(configuration.notifications.backoff == RetryBackoff(base: 60, cap: 7_200, jitter: 0.5))
    }

    @Test func healthzAnswers503WhenTheOutboxIsStuckAndMetricsShowIt() async {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let slack = OutboxChannelHealth(
            channel: "slack", pending: 3, oldestPendingSince: now.addingTimeInterval(-20 * 60), failed: 1,
            lastError: "slack: HTTP 503 from https://hooks.slack.com", lastDeliveredAt: now.addingTimeInterval(-3_600))
        let check = HealthCheck(evaluatorInterval: 10, outboxStuckAfter: 15 * 60)
        let stuck = await check.reply(lastTick: { now }, outbox: { [slack] }, at: now)
        #expect(stuck.status == 503)
        #expect(stuck.body == "outbox stuck: slack has 3 pending, the oldest for 20m, last error: slack: HTTP 503 from https://hooks.slack.com\n")
        var recent = slack
        recent.oldestPendingSince = now.addingTimeInterval(-60)
        await #expect(check.reply(lastTick: { now }, outbox: { [recent] }, at: now).status == 200)
        let metrics = MetricsPage.render(outbox: [slack], at: now)
        #expect(metrics.contains("backupboard_outbox_pending{channel=\"slack\"} 3\n"))
        #expect(metrics.contains("backupboard_outbox_failed{channel=\"slack\"} 1\n"))
        #expect(metrics.contains("backupboard_outbox_oldest_pending_seconds{channel=\"slack\"} 1200\n"))
    }
}
