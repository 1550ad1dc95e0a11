import BoardModel
import Foundation

/// A webhook's URL, header or body with Healthchecks-style placeholders (`$NAME`, `$STATUS`, … and `$$` for a
/// literal `$`), parsed once when the configuration is read: an unknown placeholder is an error then, never a
/// surprise at 3 a.m. Each value is escaped for where it lands (docs/notifications.md).
package struct WebhookTemplate: Sendable, Equatable {
    /// The values a template may use.
    enum Placeholder: String, CaseIterable, Sendable {
        case name = "NAME", slug = "SLUG", status = "STATUS", severity = "SEVERITY", kind = "KIND", message = "MESSAGE"
        case tags = "TAGS", now = "NOW", size = "SIZE", duration = "DURATION", exitStatus = "EXITSTATUS", json = "JSON"

        /// The value for `event`, unescaped.
        func value(_ event: NotificationEvent) -> String {
            switch self {
            case .name: event.jobName ?? event.jobSlug ?? (event.alertKind == .fleet ? "fleet" : "BackupBoard")
            case .slug: event.jobSlug ?? ""
            case .status:
                switch event.action {
                case .trigger: "down"
                case .acknowledge: "acknowledged"
                case .resolve, .info: "up"
                }
            case .severity: event.severity.rawValue
            case .kind: event.alertKind?.rawValue ?? event.event
            case .message: event.message
            case .tags: (event.tags ?? []).joined(separator: " ")
            case .now: NotificationChannel.timestamp(event.occurredAt)
            case .size: event.sizeBytes.map(String.init) ?? ""
            case .duration: event.duration.map { String(Int($0.rounded())) } ?? ""
            case .exitStatus: event.exitStatus.map(String.init) ?? ""
            case .json: String(decoding: WebhookChannel.eventJSON(event), as: UTF8.self)
            }
        }
    }

    /// How values are escaped where the template lands.
    enum Escaping: Sendable {
        /// Percent-encoded: inside the URL.
        case url
        /// As inside a JSON string (`$JSON` itself goes in as JSON): inside a JSON body.
        case json
        /// As they are (line breaks removed in headers): elsewhere.
        case raw
    }

    /// Why a template was refused.
    struct Problem: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    enum Segment: Sendable, Equatable {
        case text(String)
        case placeholder(Placeholder)
    }

    let segments: [Segment]
    let source: String

    /// Parses `text`; throws on an unknown placeholder or a `$` that starts none.
    init(_ text: String) throws(Problem) {
        source = text
        var segments: [Segment] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            index = text.index(after: index)
            guard character == "$" else {
                literal.append(character)
                continue
            }
            if index < text.endIndex, text[index] == "$" {
                literal.append("$")
                index = text.index(after: index)
                continue
            }
            let nameEnd = text[index...].firstIndex { !($0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_")) } ?? text.endIndex
            let name = String(text[index..<nameEnd])
            guard let placeholder = Placeholder(rawValue: name) else {
                let known = Placeholder.allCases.map { "$" + $0.rawValue }.joined(separator: ", ")
                throw Problem(description: name.isEmpty
                    ? "a lone '$' (write $$ for a literal $; placeholders: \(known))"
                    : "unknown placeholder $\(name) (known: \(known); $$ for a literal $)")
            }
            if !literal.isEmpty { segments.append(.text(literal)) }
            literal = ""
            segments.append(.placeholder(placeholder))
            index = nameEnd
        }
        if !literal.isEmpty { segments.append(.text(literal)) }
        self.segments = segments
    }

    /// Whether the template uses no placeholder.
    var isLiteral: Bool { !segments.contains { if case .placeholder = $0 { true } else { false } } }

    /// The template filled in for `event`.
    func render(_ event: NotificationEvent, escaping: Escaping) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let text): out += text
            case .placeholder(let placeholder):
                let value = placeholder.value(event)
                switch escaping {
                case .url: out += value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
                case .json: out += placeholder == .json ? value : Self.jsonEscaped(value)
                case .raw: out += value
                }
            }
        }
        return out
    }

    /// RFC 3986's unreserved characters: everything else in a value is percent-encoded.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `text` as the inside of a JSON string.
    static func jsonEscaped(_ text: String) -> String {
        let quoted = String(decoding: NotificationChannel.json([text]), as: UTF8.self)
        // `["…"]`: drop the brackets and the quotes.
        return String(quoted.dropFirst(2).dropLast(2))
    }
}
