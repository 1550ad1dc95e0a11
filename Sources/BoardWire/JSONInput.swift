import BoardModel
import Foundation

/// JSON read by hand from bytes, for the board's rows (`BoardDocument.init(json:)`), the other half of
/// `JSONOutput`: `JSONDecoder` makes a tree of the whole answer and then a container for every row and run
/// point, which for 10,000 rows of 30 runs was half of the remote board's first frame. A reader pulls one
/// value at a time; anything that is not the JSON it expects throws `BoardError.invalidValue`, never traps.
struct JSONInput {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// Calls `member` with each key of the object that starts here, the reader at its value; `member` must read
    /// or skip the value.
    mutating func members(_ member: (inout JSONInput, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        guard try !closes(UInt8(ascii: "}")) else { return }
        repeat {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
        } while try separates(closing: UInt8(ascii: "}"))
    }

    /// Calls `element` with the reader at each value of the array that starts here; `element` must read or skip it.
    mutating func elements(_ element: (inout JSONInput) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        guard try !closes(UInt8(ascii: "]")) else { return }
        repeat {
            try element(&self)
        } while try separates(closing: UInt8(ascii: "]"))
    }

    /// Whether a `null` comes next, read if so.
    mutating func null() throws -> Bool {
        guard try next() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Whether the next value opens an array (without reading it).
    mutating func isArray() throws -> Bool {
        try next() == UInt8(ascii: "[")
    }

    /// Passes over the value that starts here, whatever it is; returns where its bytes lie.
    @discardableResult
    mutating func skipValue() throws -> Range<Int> {
        let start = try startOfValue()
        switch bytes[start] {
        case UInt8(ascii: "{"): try members { input, _ in try input.skipValue() }
        case UInt8(ascii: "["): try elements { try $0.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
        return start..<position
    }

    /// Nothing but white space is left.
    mutating func end() throws {
        skipSpace()
        guard position == bytes.count else { throw failure("more after the end of the JSON") }
    }

    // MARK: Values

    mutating func bool() throws -> Bool {
        switch try next() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw failure("a boolean expected")
        }
    }

    /// A whole number: refuses a fraction or an exponent, and one that does not fit 64 bits.
    mutating func integer() throws -> Int64 {
        let digits = try number()
        var index = digits.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var value: Int64 = 0
        while index < digits.upperBound {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw failure("a whole number expected") }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = negative ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
            guard !overflow, !overflowSum else { throw failure("a number too large") }
            value = sum
            index += 1
        }
        return value
    }

    mutating func int() throws -> Int {
        Int(try integer())
    }

    mutating func double() throws -> Double {
        let digits = try number()
        guard let value = Double(String(decoding: bytes[digits], as: UTF8.self)), value.isFinite else {
            throw failure("a number expected")
        }
        return value
    }

    /// The integer here, or nil at a `null`.
    mutating func optionalInteger() throws -> Int64? {
        try null() ? nil : integer()
    }

    /// The number here, or nil at a `null`.
    mutating func optionalDouble() throws -> Double? {
        try null() ? nil : double()
    }

    mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        // Most strings hold no escape: read them in one piece.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                defer { position += 1 }
                return String(decoding: bytes[start..<position], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("a control character in a string") }
            position += 1
        }
        var text = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &text)
            case ..<0x20:
                throw failure("a control character in a string")
            default:
                text.append(byte)
            }
        }
        throw failure("a string without its end")
    }

    /// The string here, or nil at a `null`.
    mutating func optionalString() throws -> String? {
        try null() ? nil : string()
    }

    /// A date written as ISO 8601 text, as `APIJSON`'s encoder writes it.
    mutating func date() throws -> Date {
        let text = try string()
        guard let date = try? Self.iso8601.parse(text) else { throw failure("an ISO 8601 date expected, not '\(text)'") }
        return date
    }

    /// The date here, or nil at a `null`.
    mutating func optionalDate() throws -> Date? {
        try null() ? nil : date()
    }

    private static let iso8601 = Date.ISO8601FormatStyle()

    /// `[String]`.
    mutating func strings() throws -> [String] {
        var texts: [String] = []
        try elements { texts.append(try $0.string()) }
        return texts
    }

    // MARK: Bytes

    /// The escape after a backslash, appended as UTF-8.
    private mutating func escape(into text: inout [UInt8]) throws {
        guard position < bytes.count else { throw failure("a string without its end") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate: its low one must follow.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("a lone surrogate in a string")
                }
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone surrogate in a string") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("a lone surrogate in a string") }
            UTF8.encode(unicode) { text.append($0) }
        default:
            throw failure("an unknown escape in a string")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("a string without its end") }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a bad \\u escape in a string")
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    /// The bytes of the number that starts here, in JSON's grammar: `-`, digits, then a fraction and an exponent.
    private mutating func number() throws -> Range<Int> {
        let start = try startOfValue()
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard try digits() > 0 else { throw failure("a value expected") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard try digits() > 0 else { throw failure("a digit expected after the point") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard try digits() > 0 else { throw failure("a digit expected in the exponent") }
        }
        return start..<position
    }

    /// Reads digits; returns how many.
    private mutating func digits() throws -> Int {
        let start = position
        while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 { position += 1 }
        return position - start
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw failure("\(word) expected") }
        let matches = word.withUTF8Buffer { word in word.elementsEqual(bytes[position..<position + count]) }
        guard matches else { throw failure("\(word) expected") }
        position += count
    }

    /// The position of the next value's first byte, white space passed.
    private mutating func startOfValue() throws -> Int {
        skipSpace()
        guard position < bytes.count else { throw failure("the JSON ends early") }
        return position
    }

    /// The next byte, white space passed, without reading it.
    private mutating func next() throws -> UInt8 {
        bytes[try startOfValue()]
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard try next() == byte else { throw failure("'\(Character(Unicode.Scalar(byte)))' expected") }
        position += 1
    }

    /// Whether `closing` comes next (an empty object or array), read if so.
    private mutating func closes(_ closing: UInt8) throws -> Bool {
        guard try next() == closing else { return false }
        position += 1
        return true
    }

    /// After a member or element: true at a comma (another follows), false at `closing`.
    private mutating func separates(closing: UInt8) throws -> Bool {
        switch try next() {
        case UInt8(ascii: ","):
            position += 1
            return true
        case closing:
            position += 1
            return false
        default:
            throw failure("',' or '\(Character(Unicode.Scalar(closing)))' expected")
        }
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    private func failure(_ what: String) -> BoardError {
        BoardError.invalidValue("\(what) at byte \(position) of the server's JSON")
    }
}
