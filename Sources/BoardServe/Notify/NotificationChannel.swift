import BoardModel
import Foundation

/// A configured destination for notifications, by name (`[notifications.channels.NAME]`).
package struct NotificationChannel: Sendable, Equatable {
    /// Where and how a channel delivers.
    package enum Kind: Sendable, Equatable {
        /// Generic webhook: the event as JSON, POSTed to the URL.
        case webhook(URL)
        /// Slack incoming webhook.
        case slack(URL)
        /// PagerDuty Events API v2; the URL is configurable (tests point it at loopback).
        case pagerDuty(URL, routingKey: String)
        case email(SMTPSettings)
    }

    var name: String
    var kind: Kind

    package init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The default PagerDuty Events API v2 endpoint.
    static let pagerDutyEndpoint = URL(string: "https://events.pagerduty.com/v2/enqueue")!

    /// PagerDuty must hear how an incident ends, or it stays open.
    var isClosing: Bool {
        if case .pagerDuty = kind { return true }
        return false
    }

    /// `webhook`, `slack`, `pagerduty` or `email`.
    var typeName: String {
        switch kind {
        case .webhook: "webhook"
        case .slack: "slack"
        case .pagerDuty: "pagerduty"
        case .email: "email"
        }
    }
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
/// refused the request itself, the configuration is wrong) give up sooner.
struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    var message: String
    var isPermanent: Bool

    static func temporary(_ message: String) -> DeliveryError { DeliveryError(message: message, isPermanent: false) }
    static func permanent(_ message: String) -> DeliveryError { DeliveryError(message: message, isPermanent: true) }

    var description: String { message }
}
