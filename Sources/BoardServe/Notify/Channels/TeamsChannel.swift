import BoardModel
import Foundation

/// Microsoft Teams through a Workflows (or legacy incoming) webhook: one Adaptive Card, its title coloured by
/// severity and the details as facts, well under Teams' 28 KB per message.
package struct TeamsChannel: HTTPChannelFormat {
    var url: URL

    /// Bytes of message text kept: the card around it stays far below 28 KB.
    static let messageLimit = 20_000

    func requests(for event: NotificationEvent) -> [HTTPNotification] {
        var facts: [Fact] = []
        if let job = event.jobSlug { facts.append(Fact(title: "Job", value: event.jobName.map { "\($0) (\(job))" } ?? job)) }
        if let kind = event.alertKind { facts.append(Fact(title: "Kind", value: kind.rawValue)) }
        facts.append(Fact(title: "Severity", value: event.severity.rawValue))
        if let id = event.alertID { facts.append(Fact(title: "Alert", value: "#\(id)")) }
        facts.append(Fact(title: "At", value: NotificationChannel.timestamp(event.occurredAt)))
        let card = Card(body: [
            .text(TextBlock(text: NotificationChannel.subject(event), weight: "Bolder", size: "Medium", color: Self.colour(event))),
            .text(TextBlock(text: event.message.cut(to: Self.messageLimit, .utf8))),
            .facts(FactSet(facts: facts)),
        ])
        let body = Message(attachments: [Attachment(content: card)])
        return [HTTPNotification(url: url, json: NotificationChannel.json(body), for: event)]
    }

    /// Adaptive Cards name colours by role.
    static func colour(_ event: NotificationEvent) -> String {
        switch event.action {
        case .resolve, .info: return "Good"
        case .acknowledge: return "Default"
        case .trigger:
            switch event.severity {
            case .emergency, .critical: return "Attention"
            case .warning: return "Warning"
            case .info: return "Accent"
            }
        }
    }

    private struct Message: Encodable {
        var type = "message"
        var attachments: [Attachment]
    }

    private struct Attachment: Encodable {
        var contentType = "application/vnd.microsoft.card.adaptive"
        var content: Card
    }

    private struct Card: Encodable {
        var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        var type = "AdaptiveCard"
        var version = "1.4"
        var body: [Element]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", type, version, body
        }
    }

    private enum Element: Encodable {
        case text(TextBlock)
        case facts(FactSet)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .text(let block): try block.encode(to: encoder)
            case .facts(let set): try set.encode(to: encoder)
            }
        }
    }

    private struct TextBlock: Encodable {
        var type = "TextBlock"
        var text: String
        var wrap = true
        var weight: String?
        var size: String?
        var color: String?

        init(text: String, weight: String? = nil, size: String? = nil, color: String? = nil) {
            self.text = text
            self.weight = weight
            self.size = size
            self.color = color
        }
    }

    private struct FactSet: Encodable {
        var type = "FactSet"
        var facts: [Fact]
    }

    private struct Fact: Encodable {
        var title: String
        var value: String
    }
}
