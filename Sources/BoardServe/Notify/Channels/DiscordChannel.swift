import BoardModel
import Foundation

/// A Discord webhook: the subject as the message's content and the details as one embed coloured by severity,
/// within Discord's limits (content 2,000 characters; embed title 256, description 4,096, field values 1,024,
/// 6,000 in all). Mentions in a message are never resolved: a job message cannot ping `@everyone`.
package struct DiscordChannel: HTTPChannelFormat {
    var url: URL

    static let contentLimit = 2_000
    static let titleLimit = 256
    static let descriptionLimit = 4_096
    static let fieldValueLimit = 1_024

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        var fields: [Field] = []
        if let job = event.jobSlug { fields.append(Field(name: "Job", value: job.cut(to: Self.fieldValueLimit, .scalars))) }
        if let kind = event.alertKind { fields.append(Field(name: "Kind", value: kind.rawValue)) }
        if event.action == .trigger { fields.append(Field(name: "Severity", value: event.severity.rawValue)) }
        if let id = event.alertID { fields.append(Field(name: "Alert", value: "#\(id)")) }
        let subject = NotificationChannel.subject(event)
        let embed = Embed(
            title: subject.cut(to: Self.titleLimit, .scalars),
            description: event.message.cut(to: Self.descriptionLimit, .scalars),
            color: NotificationChannel.colour(event), timestamp: NotificationChannel.timestamp(event.occurredAt),
            fields: fields, footer: Footer(text: "backupboard · \(event.id)".cut(to: 256, .scalars)))
        let body = Body(content: subject.cut(to: Self.contentLimit, .scalars), embeds: [embed])
        return [HTTPNotification(url: url, json: NotificationChannel.json(body), for: event)]
    }

    private struct Body: Encodable {
        struct Mentions: Encodable { var parse: [String] = [] }
        var content: String
        var embeds: [Embed]
        var allowed_mentions = Mentions()
        var username = "BackupBoard"
    }

    private struct Embed: Encodable {
        var title: String
        var description: String
        var color: Int
        var timestamp: String
        var fields: [Field]
        var footer: Footer
    }

    private struct Field: Encodable {
        var name: String
        var value: String
        var inline = true
    }

    private struct Footer: Encodable { var text: String }
}
