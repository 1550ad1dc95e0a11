import BoardModel
import Foundation

/// JSON written by hand into bytes, for the board's rows (`BoardDocumentWriter`): `JSONEncoder` makes a tree
/// of every row before its bytes, which for 10,000 rows cost `serve` seconds and tens of megabytes. Commas go
/// in by themselves: before a key or an array element unless it is the first of its object or array.
struct JSONOutput {
    var bytes: [UInt8]

    init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    /// Before a value in an array, or a key in an object: a comma unless it opens them, follows its key, or
    /// one is there already (the caller's, between pieces written apart).
    private mutating func separate() {
        guard let last = bytes.last else { return }
        if last != UInt8(ascii: "{"), last != UInt8(ascii: "["), last != UInt8(ascii: ":"), last != UInt8(ascii: ",") {
            bytes.append(UInt8(ascii: ","))
        }
    }

    mutating func openObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
    }

    mutating func closeObject() { bytes.append(UInt8(ascii: "}")) }

    mutating func openArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
    }

    mutating func closeArray() { bytes.append(UInt8(ascii: "]")) }

    /// `"name":`, the value to follow.
    mutating func key(_ name: String) {
        separate()
        JSONString.append(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    mutating func value(_ text: String) {
        separate()
        JSONString.append(text, to: &bytes)
    }

    mutating func value(_ flag: Bool) {
        separate()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    mutating func value<Number: BinaryInteger>(_ number: Number) {
        separate()
        guard let number = Int64(exactly: number) else {
            bytes.append(contentsOf: String(number).utf8)
            return
        }
        // The digits straight into the bytes: `String(number)` was a sixth of `serve`'s time writing a board.
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: digits[start...])
        }
    }

    /// An ISO 8601 date in UTC to the second, as `JSONEncoder`'s `.iso8601` writes it (`APIJSON`).
    mutating func value(_ date: Date) {
        value(date.formatted(Self.iso8601))
    }

    mutating func value(_ date: Date?) {
        if let date { value(date) } else { null() }
    }

    mutating func value(_ text: String?) {
        if let text { value(text) } else { null() }
    }

    private static let iso8601 = Date.ISO8601FormatStyle()

    /// The shortest digits that read back as `number` (Swift's `description`: `0.5`, `1e-05`, `3.0`), which
    /// JSON reads as they are; like `JSONEncoder`, infinities and NaN are refused.
    mutating func value(_ number: Double) throws {
        guard number.isFinite else { throw BoardError.invalidValue("\(number) cannot be written as JSON") }
        separate()
        bytes.append(contentsOf: number.description.utf8)
    }

    mutating func value(_ texts: [String]) {
        openArray()
        for text in texts { value(text) }
        closeArray()
    }

    mutating func value(_ number: Int64?) {
        if let number { value(number) } else { null() }
    }

    mutating func value(_ number: Double?) throws {
        if let number { try value(number) } else { null() }
    }
}
