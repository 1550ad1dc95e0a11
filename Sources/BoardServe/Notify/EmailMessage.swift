import BoardModel
import Foundation

/// A plain-text email for one notification. Its `Message-ID` is derived from the event id, so a mail system (or
/// a person) can tell a repeat from a new notification.
struct EmailMessage: Sendable, Equatable {
    var from: String
    var to: [String]
    var subject: String
    var messageID: String
    var date: Date
    var body: String

    init(_ event: NotificationEvent, settings: SMTPSettings) {
        from = settings.from
        to = settings.to
        subject = "[BackupBoard] " + NotificationChannel.subject(event)
        messageID = "<\(event.id)@backupboard>"
        date = event.occurredAt
        body = NotificationChannel.text(event, markdown: false) + "\n\nEvent: \(event.id)\n"
    }

    /// The message as DATA sends it: headers, a blank line, the body; CRLF line ends, lines starting with a dot
    /// doubled (RFC 5321 4.5.2), without the final `.` line.
    var data: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let headers = [
            "From: \(from)", "To: \(to.joined(separator: ", "))", "Subject: \(Self.headerText(subject))",
            "Date: \(formatter.string(from: date))", "Message-ID: \(messageID)", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        ]
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(".") ? "." + line : String(line)
        }
        return (headers + [""] + lines).joined(separator: "\r\n")
    }

    /// A header value: one line; RFC 2047 encoded when it is not ASCII.
    private static func headerText(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard line.unicodeScalars.contains(where: { !$0.isASCII }) else { return line }
        return "=?utf-8?B?\(Data(line.utf8).base64EncodedString())?="
    }
}
