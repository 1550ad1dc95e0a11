import BoardModel
import Foundation

/// A configured destination for notifications, by name (`[notifications.channels.NAME]`).
package struct NotificationChannel: Sendable, Equatable {
    /// Where and how a channel delivers. Each HTTP service is a `HTTPChannelFormat` in its own file under
    /// `Channels/`; email and the command channel have their own senders.
    package enum Kind: Sendable, Equatable {
        /// Generic webhook: the event as JSON, or a template, sent to the URL.
        case webhook(WebhookChannel)
        /// Slack incoming webhook.
        case slack(URL)
        /// PagerDuty Events API v2; the URL is configurable (tests point it at loopback).
        case pagerDuty(URL, routingKey: String)
        case email(SMTPSettings)
        case ntfy(NtfyChannel)
        case discord(DiscordChannel)
        case telegram(TelegramChannel)
        case teams(TeamsChannel)
        case matrix(MatrixChannel)
        case opsgenie(OpsgenieChannel)
        case pushover(PushoverChannel)
        case gotify(GotifyChannel)
        /// A local program, the event on its standard input.
        case command(CommandChannel)
    }

    var name: String
    var kind: Kind

    package init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The default PagerDuty Events API v2 endpoint.
    static let pagerDutyEndpoint = URL(string: "https://events.pagerduty.com/v2/enqueue")!

    /// PagerDuty and Opsgenie must hear how an incident ends, or it stays open.
    var isClosing: Bool {
        switch kind {
        case .pagerDuty, .opsgenie: true
        default: false
        }
    }

    /// The `type` of the channel in the configuration.
    var typeName: String {
        switch kind {
        case .webhook: "webhook"
        case .slack: "slack"
        case .pagerDuty: "pagerduty"
        case .email: "email"
        case .ntfy: "ntfy"
        case .discord: "discord"
        case .telegram: "telegram"
        case .teams: "teams"
        case .matrix: "matrix"
        case .opsgenie: "opsgenie"
        case .pushover: "pushover"
        case .gotify: "gotify"
        case .command: "command"
        }
    }

    /// Every `type` a channel may have.
    static let typeNames = [
        "webhook", "slack", "pagerduty", "email", "ntfy", "discord", "telegram", "teams", "matrix", "opsgenie", "pushover",
        "gotify", "command",
    ]
}

/// How to reach a mail server and whom to write to.
package struct SMTPSettings: Sendable, Equatable {
    var host: String
    var port: Int
    /// Upgrade the connection with STARTTLS before authenticating.
    var startTLS: Bool
    var from: String
    var to: [String]
    var username: String?
    var password: String?
    /// A PEM file of certificates to trust for STARTTLS instead of the system's roots (a private relay).
    var caFile: String?
}

/// Why a delivery did not go through. Temporary failures are retried with backoff; permanent ones (the receiver
/// refused the request itself, the configuration is wrong) give up sooner; final ones at once.
struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    var message: String
    var isPermanent: Bool
    /// Give up now, without another attempt (a command that exited with a code other than 75).
    var isFinal = false
    /// How long the receiver asked to be left alone (`Retry-After` of a 429 or 503), honoured up to the
    /// backoff's cap.
    var retryAfter: TimeInterval?

    static func temporary(_ message: String, retryAfter: TimeInterval? = nil) -> DeliveryError {
        DeliveryError(message: message, isPermanent: false, retryAfter: retryAfter)
    }
    static func permanent(_ message: String) -> DeliveryError { DeliveryError(message: message, isPermanent: true) }
    static func final(_ message: String) -> DeliveryError { DeliveryError(message: message, isPermanent: true, isFinal: true) }

    var description: String { message }
}

/// What a receiver answered to a delivery that went through: its first bytes, for `notify test`.
package struct DeliveryReceipt: Sendable, Equatable {
    /// The HTTP status, or the command's exit status.
    package var status: Int
    /// At most the first 200 bytes of the answer (the body, or the command's standard output).
    package var answer: String

    package init(status: Int, answer: some Collection<UInt8>) {
        self.status = status
        self.answer = String(decoding: answer.prefix(200), as: UTF8.self)
    }
}
