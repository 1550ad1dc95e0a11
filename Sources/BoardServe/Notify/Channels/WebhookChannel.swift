import BoardModel
import Foundation

/// The generic webhook: by default the event as JSON, POSTed to the URL. With templates it becomes any
/// service with an HTTP API: its method, headers and body are written in the configuration, with the event's
/// values in placeholders (`WebhookTemplate`).
package struct WebhookChannel: HTTPChannelFormat {
    var url: WebhookTemplate
    var method = "POST"
    var headers: [String: WebhookTemplate] = [:]
    /// nil: the event as JSON.
    var body: WebhookTemplate?

    /// The methods a webhook may use.
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// A plain webhook: the event as JSON, POSTed to `url`.
    package init(url: URL) {
        // A URL's own `$` is kept as it is: it is no template.
        self.url = (try? WebhookTemplate(url.absoluteString.replacingOccurrences(of: "$", with: "$$")))!
    }

    init(url: WebhookTemplate, method: String, headers: [String: WebhookTemplate], body: WebhookTemplate?) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }

    /// Whether the body is JSON: its `Content-Type` header says so, or, with none, the body starts with `{` or `[`.
    var bodyIsJSON: Bool {
        guard let body else { return true }
        if let type = headers.first(where: { $0.key.lowercased() == "content-type" })?.value.source {
            return type.lowercased().contains("json")
        }
        return body.source.trimmingCharacters(in: .whitespacesAndNewlines).first.map { "{[".contains($0) } ?? false
    }

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        let target = URL(string: url.render(event, escaping: .url)) ?? URL(string: "http://invalid.invalid")!
        var request = HTTPNotification(
            method: method, url: target, json: body == nil ? Self.eventJSON(event) : [], for: event)
        if let body {
            request.body = Array(body.render(event, escaping: bodyIsJSON ? .json : .raw).utf8)
            request.headers["Content-Type"] = bodyIsJSON ? "application/json" : "text/plain; charset=utf-8"
        }
        if method == "GET" || method == "DELETE", body == nil {
            request.body = []
            request.headers["Content-Type"] = nil
        }
        for (name, value) in headers {
            request.headers[name] = value.render(event, escaping: .raw).filter { $0 != "\r" && $0 != "\n" }
        }
        return [request]
    }

    /// The event as the default webhook body: snake_case keys.
    static func eventJSON(_ event: NotificationEvent) -> [UInt8] {
        NotificationChannel.json(Body(event))
    }

    /// The generic webhook's JSON: the event, with snake_case keys.
    private struct Body: Encodable {
        var id: String
        var event: String
        var action: String
        var severity: String
        var alert_id: Int64?
        var alert_kind: String?
        var job: String?
        var job_name: String?
        var message: String
        var occurred_at: Date
        var opened_at: Date?
        var folded_jobs: Int?
        var renotification: Int?
        var tags: [String]?
        var size_bytes: Int64?
        var duration_seconds: Double?
        var exit_status: Int?

        init(_ event: NotificationEvent) {
            id = event.id
            self.event = event.event
            action = event.action.rawValue
            severity = event.severity.rawValue
            alert_id = event.alertID
            alert_kind = event.alertKind?.rawValue
            job = event.jobSlug
            job_name = event.jobName
            message = event.message
            occurred_at = event.occurredAt
            opened_at = event.openedAt
            folded_jobs = event.foldedJobs
            renotification = event.renotification
            tags = event.tags
            size_bytes = event.sizeBytes
            duration_seconds = event.duration
            exit_status = event.exitStatus
        }
    }
}
