import Foundation

/// An instant written as `2026-03-29T01:00:00Z`.
func instant(_ text: String) -> Date {
    guard let date = ISO8601DateFormatter().date(from: text) else {
        preconditionFailure("bad test date \(text)")
    }
    return date
}

/// Instants as ISO 8601 text, so a failing expectation prints readable times.
func iso(_ dates: [Date]) -> [String] {
    let formatter = ISO8601DateFormatter()
    return dates.map { formatter.string(from: $0) }
}

