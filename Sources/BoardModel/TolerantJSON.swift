import Foundation

/// A JSON value as `TolerantJSON` reads it. Numbers keep their text, so huge or precise values are never
/// rounded on the way to `fields`.
indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([JSONMember])
    /// Nested text too broken (or too deep) to read, kept as sent.
    case raw(String)
}

/// One name/value pair of a JSON object, in the order sent (names may repeat in broken bodies).
struct JSONMember: Sendable, Equatable {
    var name: String
    var value: JSONValue
}

extension JSONValue {
    /// Compact JSON text, names in the order sent.
    var compactText: String {
        switch self {
        case .string(let text): JSONString.quoted(text)
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array(let items): "[" + items.map(\.compactText).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.map { JSONString.quoted($0.name) + ":" + $0.value.compactText }.joined(separator: ",") + "}"
        case .raw(let text): text
        }
    }

    /// The value as a field's text: strings bare, everything else as compact JSON.
    var fieldText: String {
        if case .string(let text) = self { return text }
        return compactText
    }
}

/// Reads the top-level object of a heartbeat body: exactly, when it is JSON, and as much of it as can be
/// recovered when it is not (`"size":}`, raw line breaks in strings, missing commas, unquoted or
/// single-quoted names and values, Python's `True`/`None`, a body cut short).
///
/// Every departure from JSON is recorded as a short sentence in `problems`; no problems means the body
/// was strict JSON. Never traps: depth is bounded and every loop consumes at least one byte.
struct TolerantJSON {
    /// The members read, in order, and what was wrong with the text.
    struct ObjectReading: Sendable, Equatable {
        var members: [JSONMember]
        var problems: [String]
    }

    /// Reads `bytes` as a JSON object; nil when the body does not start with `{` (after a BOM and spaces).
    static func readObject(_ bytes: [UInt8]) -> ObjectReading? {
        var reader = TolerantJSON(bytes: bytes)
        reader.skipByteOrderMark()
        reader.skipWhitespace()
        guard reader.peek == .openBrace else { return nil }
        let members = reader.readObjectMembers(depth: 0)
        reader.skipWhitespace()
        if reader.index < bytes.count { reader.note("text after the closing brace ignored") }
        return ObjectReading(members: members, problems: reader.problems)
    }

    /// Status words written as `"status": "word"` (or `'status'`, `status=word` at the start of a form
    /// pair) anywhere in `bytes`, for bodies too broken to read any other way.
    static func statusWords(in bytes: [UInt8]) -> [String] {
        let key = Array("status".utf8)
        var words: [String] = []
        var index = 0
        while index + key.count <= bytes.count, words.count < 20 {
            defer { index += 1 }
            guard bytes[index..<index + key.count].elementsEqual(key, by: { lowercased($0) == $1 }) else { continue }
            let before: UInt8? = index > 0 ? bytes[index - 1] : nil
            let after = index + key.count
            let quote: UInt8? = before.flatMap { $0 == .quote || $0 == .apostrophe ? $0 : nil }
            var cursor = after
            if let quote {
                // `\"status\"` is text inside a string value, not a name.
                if index >= 2, bytes[index - 2] == .backslash { continue }
                guard cursor < bytes.count, bytes[cursor] == quote else { continue }
                cursor += 1
            } else {
                // A bare `status=` only counts where a form pair starts.
                guard before == nil || before == .ampersand || before == .questionMark else { continue }
            }
            while cursor < bytes.count, isWhitespace(bytes[cursor]) { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == .colon || bytes[cursor] == .equals else { continue }
            cursor += 1
            while cursor < bytes.count, isWhitespace(bytes[cursor]) || bytes[cursor] == .quote
                || bytes[cursor] == .apostrophe || bytes[cursor] == .backslash {
                cursor += 1
            }
            let start = cursor
            while cursor < bytes.count, cursor - start < 40, isWordByte(bytes[cursor]) { cursor += 1 }
            if cursor > start { words.append(String(decoding: bytes[start..<cursor], as: UTF8.self)) }
        }
        return words
    }

    // MARK: Reader state

    private static let maxDepth = 32
    private static let maxProblems = 40

    private let bytes: [UInt8]
    private var index = 0
    private(set) var problems: [String] = []

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func note(_ problem: String) {
        guard problems.count < Self.maxProblems, !problems.contains(problem) else { return }
        problems.append(problem)
    }

    private mutating func skipWhitespace() {
        while let byte = peek, Self.isWhitespace(byte) { index += 1 }
    }

    private mutating func skipByteOrderMark() {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    // MARK: Objects and arrays

    /// Members of the object whose `{` is at `index`; stops after its `}`, or before a `]` that closes an
    /// enclosing array.
    private mutating func readObjectMembers(depth: Int) -> [JSONMember] {
        index += 1
        var members: [JSONMember] = []
        var names = Set<String>()
        var expectingMember = true
        var afterComma = false
        while true {
            let loopStart = index
            skipWhitespace()
            guard let byte = peek else {
                note("the object is not closed")
                break
            }
            if byte == .closeBrace {
                if afterComma { note("comma before '}'") }
                index += 1
                break
            }
            if byte == .closeBracket {
                note("unexpected ']' in an object")
                if depth > 0 { break }
                index += 1
                continue
            }
            if byte == .comma {
                if expectingMember { note("extra comma") }
                index += 1
                expectingMember = true
                afterComma = true
                continue
            }
            afterComma = false
            guard let name = readName() else {
                note("unreadable text skipped")
                skipToMemberEnd()
                expectingMember = false
                if index == loopStart { index += 1 }
                continue
            }
            if !expectingMember { note("missing comma before '\(name)'") }
            expectingMember = false
            skipWhitespace()
            if peek == .colon {
                index += 1
            } else if peek == .equals {
                note("'=' instead of ':' after '\(name)'")
                index += 1
            } else {
                note("no ':' after '\(name)'")
            }
            skipWhitespace()
            guard let start = peek, start != .comma, start != .closeBrace, start != .closeBracket else {
                note("no value for '\(name)'")
                continue
            }
            let value = readValue(for: name, depth: depth + 1)
            if depth == 0, !names.insert(name).inserted { note("duplicate field '\(name)'") }
            members.append(JSONMember(name: name, value: value))
            if index == loopStart { index += 1 }
        }
        return members
    }

    private mutating func readArrayElements(for name: String, depth: Int) -> [JSONValue] {
        index += 1
        var items: [JSONValue] = []
        var expectingItem = true
        while true {
            let loopStart = index
            skipWhitespace()
            guard let byte = peek else {
                note("the list in '\(name)' is not closed")
                break
            }
            if byte == .closeBracket {
                index += 1
                break
            }
            if byte == .closeBrace {
                note("unexpected '}' in the list in '\(name)'")
                break
            }
            if byte == .comma {
                if expectingItem { note("extra comma in '\(name)'") }
                index += 1
                expectingItem = true
                continue
            }
            if !expectingItem { note("missing comma in '\(name)'") }
            expectingItem = false
            items.append(readValue(for: name, depth: depth + 1))
            if index == loopStart { index += 1 }
        }
        return items
    }

    /// Skips broken text up to the `,` or `}` that ends the member, stepping over strings and brackets.
    private mutating func skipToMemberEnd() {
        var nesting = 0
        while let byte = peek {
            switch byte {
            case .quote, .apostrophe:
                _ = readString(for: "skipped text", quote: byte, silent: true)
                continue
            case .openBrace, .openBracket: nesting += 1
            case .closeBrace, .closeBracket:
                if nesting == 0 { return }
                nesting -= 1
            case .comma where nesting == 0: return
            default: break
            }
            index += 1
        }
    }

    // MARK: Names and values

    private mutating func readName() -> String? {
        guard let byte = peek else { return nil }
        if byte == .quote { return readString(for: "a field name", quote: byte) }
        if byte == .apostrophe {
            note("single-quoted names")
            return readString(for: "a field name", quote: byte)
        }
        let start = index
        while let next = peek, Self.isNameByte(next) { index += 1 }
        guard index > start else { return nil }
        let name = String(decoding: bytes[start..<index], as: UTF8.self)
        note("unquoted name '\(name)'")
        return name
    }

    private mutating func readValue(for name: String, depth: Int) -> JSONValue {
        guard let byte = peek else { return .null }
        switch byte {
        case .quote:
            return .string(readString(for: "'\(name)'", quote: byte))
        case .apostrophe:
            note("single-quoted value for '\(name)'")
            return .string(readString(for: "'\(name)'", quote: byte))
        case .openBrace, .openBracket:
            guard depth < Self.maxDepth else {
                note("'\(name)' is nested too deeply; kept as text")
                return .raw(readRawContainer())
            }
            if byte == .openBrace { return .object(readObjectMembers(depth: depth)) }
            return .array(readArrayElements(for: name, depth: depth))
        default:
            return readBareValue(for: name)
        }
    }

    /// A number, `true`, `false`, `null`, or an unquoted word running to the next `,`, `}`, `]` or line end.
    private mutating func readBareValue(for name: String) -> JSONValue {
        let start = index
        while let byte = peek, !Self.endsBareValue(byte) { index += 1 }
        let token = String(decoding: bytes[start..<index], as: UTF8.self).trimmedOnLine()
        switch token {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        case "True", "TRUE":
            note("'\(token)' instead of true for '\(name)'")
            return .bool(true)
        case "False", "FALSE":
            note("'\(token)' instead of false for '\(name)'")
            return .bool(false)
        case "None", "NULL", "nil", "undefined":
            note("'\(token)' instead of null for '\(name)'")
            return .null
        default:
            if Self.isJSONNumber(token) { return .number(token) }
            note(token.isEmpty ? "no value for '\(name)'" : "unquoted value '\(Self.clipped(token))' for '\(name)'")
            return token.isEmpty ? .null : .string(token)
        }
    }

    /// The text of a container too deep to read, up to its matching bracket (or the end).
    private mutating func readRawContainer() -> String {
        let start = index
        var nesting = 0
        while let byte = peek {
            switch byte {
            case .quote, .apostrophe:
                _ = readString(for: "nested text", quote: byte, silent: true)
                continue
            case .openBrace, .openBracket: nesting += 1
            case .closeBrace, .closeBracket: nesting -= 1
            default: break
            }
            index += 1
            if nesting == 0 { break }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// The string whose opening quote is at `index`. Raw control characters are kept (and noted); an
    /// unclosed string runs to the end of the body.
    private mutating func readString(for what: String, quote: UInt8, silent: Bool = false) -> String {
        index += 1
        var buffer: [UInt8] = []
        var closed = false
        var rawLineBreak = false
        var rawControl = false
        var badEscape = false
        while let byte = peek {
            if byte == quote {
                index += 1
                closed = true
                break
            }
            if byte == .backslash {
                index += 1
                guard let escaped = peek else { break }
                index += 1
                switch escaped {
                case .quote, .backslash, .slash: buffer.append(escaped)
                case .apostrophe:
                    buffer.append(escaped)
                    if quote != .apostrophe { badEscape = true }
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(.newline)
                case UInt8(ascii: "r"): buffer.append(.carriageReturn)
                case UInt8(ascii: "t"): buffer.append(.tab)
                case UInt8(ascii: "u"):
                    let (scalar, valid) = readUnicodeEscape()
                    buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
                    if !valid { badEscape = true }
                default:
                    buffer.append(contentsOf: [.backslash, escaped])
                    badEscape = true
                }
                continue
            }
            if byte == .newline || byte == .carriageReturn {
                rawLineBreak = true
            } else if byte < 0x20 {
                rawControl = true
            }
            buffer.append(byte)
            index += 1
        }
        let text: String
        if let valid = String(validating: buffer, as: UTF8.self) {
            text = valid
        } else {
            text = String(decoding: buffer, as: UTF8.self)
            if !silent { note("invalid UTF-8 in \(what)") }
        }
        if !silent {
            if !closed { note("unterminated string in \(what)") }
            if rawLineBreak { note("raw line break inside the string in \(what)") }
            if rawControl { note("raw control character inside the string in \(what)") }
            if badEscape { note("invalid escape in \(what)") }
        }
        return text
    }

    /// The scalar of a `\uXXXX` escape (the `\u` already read), joining surrogate pairs. Broken escapes
    /// give U+FFFD and `valid == false`.
    private mutating func readUnicodeEscape() -> (Unicode.Scalar, valid: Bool) {
        let replacement = Unicode.Scalar(0xFFFD)!
        guard let high = readHex4() else { return (replacement, false) }
        if (0xD800...0xDBFF).contains(high) {
            let save = index
            if peek == .backslash, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                index += 2
                if let low = readHex4(), (0xDC00...0xDFFF).contains(low),
                   let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) {
                    return (scalar, true)
                }
            }
            index = save
            return (replacement, false)
        }
        guard let scalar = Unicode.Scalar(high) else { return (replacement, false) }
        return (scalar, true)
    }

    private mutating func readHex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            guard let digit = Self.hexDigit(byte) else { return nil }
            value = value << 4 | digit
        }
        index += 4
        return value
    }

    // MARK: Byte classes

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == .space || byte == .tab || byte == .newline || byte == .carriageReturn
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        let lower = lowercased(byte)
        return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lower) || byte == .underscore || byte == .hyphen
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isWordByte(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == .dollar
            || byte == .dot
    }

    private static func endsBareValue(_ byte: UInt8) -> Bool {
        byte == .comma || byte == .closeBrace || byte == .closeBracket || byte == .newline
            || byte == .carriageReturn || byte == .quote
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    static func isJSONNumber(_ token: String) -> Bool {
        var chars = Substring(token).utf8[...]
        func digits() -> Int {
            var count = 0
            while let byte = chars.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                chars = chars.dropFirst()
                count += 1
            }
            return count
        }
        if chars.first == .hyphen { chars = chars.dropFirst() }
        if chars.first == UInt8(ascii: "0") {
            chars = chars.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if chars.first == .dot {
            chars = chars.dropFirst()
            guard digits() > 0 else { return false }
        }
        if chars.first == UInt8(ascii: "e") || chars.first == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            if chars.first == UInt8(ascii: "+") || chars.first == .hyphen { chars = chars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return chars.isEmpty
    }

    private static func clipped(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "…"
    }
}

extension UInt8 {
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let apostrophe = UInt8(ascii: "'")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let openBrace = UInt8(ascii: "{")
    fileprivate static let closeBrace = UInt8(ascii: "}")
    fileprivate static let openBracket = UInt8(ascii: "[")
    fileprivate static let closeBracket = UInt8(ascii: "]")
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let equals = UInt8(ascii: "=")
    fileprivate static let ampersand = UInt8(ascii: "&")
    fileprivate static let questionMark = UInt8(ascii: "?")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let tab = UInt8(ascii: "\t")
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let carriageReturn = UInt8(ascii: "\r")
    fileprivate static let underscore = UInt8(ascii: "_")
    fileprivate static let hyphen = UInt8(ascii: "-")
    fileprivate static let dollar = UInt8(ascii: "$")
    fileprivate static let dot = UInt8(ascii: ".")
}
