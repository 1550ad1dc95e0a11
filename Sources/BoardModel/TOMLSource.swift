import Foundation
import TOMLKit

/// A TOML file's text (a jobs file, `serve`'s config, a theme), checked and parsed in one place, so every
/// file a user or an attacker hands us is read in time and memory linear in its size and rejected whole,
/// with its line, when anything in it is wrong.
///
/// Before TOMLKit sees the text: at most `maxBytes`; no control character but tab, newline and carriage
/// return anywhere (TOML allows no other, and TOMLKit's C++ parser would stop silently at a NUL, applying
/// the part before it); no table header without a name to start it and no bracket closing what it did not
/// open (TOMLKit aborts the process on `[*a]` and `x = [ }`); no key path deeper than `maxDepth` parts (`[a.b.c…]` of a hundred thousand parts
/// once took 18.9 GB).
public struct TOMLSource {
    /// Far beyond any real jobs file (10,000 jobs take about 2 MB), far below what hurts.
    public static let maxBytes = 16 << 20
    /// Jobs files nest three or four parts deep (`jobs.SLUG.alerts.KIND`).
    public static let maxDepth = 32

    /// The text, checked.
    public let text: String
    /// Where each key of the text is, for value errors.
    public let locator: SourceLocator

    /// A problem with the text: the line when there is one, and a sentence.
    public struct Problem: Error, Sendable, Equatable {
        public var line: Int?
        public var message: String
    }

    /// Checks `text`: its size, its characters and how deep its keys go.
    public init(text: String) throws(Problem) {
        let size = text.utf8.count
        guard size <= Self.maxBytes else {
            throw Problem(line: nil, message: "the file is \(HumanUnits.formatSize(Int64(size))), more than the \(Self.maxBytes >> 20) MiB allowed")
        }
        if let problem = Self.controlCharacter(in: text) { throw problem }
        if let problem = Self.bracketProblem(in: text) { throw problem }
        let locator = SourceLocator(text: text, depthLimit: Self.maxDepth)
        if let tooDeep = locator.firstTooDeep {
            throw Problem(line: tooDeep.line, message: "a key path more than \(Self.maxDepth) parts deep (this one has \(tooDeep.depth))")
        }
        self.text = text
        self.locator = locator
    }

    /// The document, parsed by TOMLKit; a syntax error comes with its line.
    public func table() throws(Problem) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Problem(line: error.source.begin.line, message: error.description)
        } catch {
            throw Problem(line: nil, message: "cannot read the file as TOML: \(error)")
        }
    }

    /// The first line whose brackets TOMLKit's parser (toml++) cannot be trusted with: a table header whose
    /// first key does not start as a key can (`[`, `[ *a]`, `[.a]`), or a `]` or `}` that closes what it did
    /// not open (`x = [ }`). toml++ aborts the whole process on those, release builds too, instead of
    /// reporting them; both were found by the parser fuzz test. Valid TOML has neither.
    static func bracketProblem(in text: String) -> Problem? {
        var open: [(bracket: UInt8, line: Int)] = [] // brackets and braces of values, across lines
        var multiline: [UInt8]? // the delimiter of an open multi-line string
        var line = 0
        for raw in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            line += 1
            let bytes = Array(raw)
            var index = 0
            if multiline == nil, open.isEmpty {
                while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "[") {
                    var name = index + 1
                    if name < bytes.count, bytes[name] == UInt8(ascii: "[") { name += 1 }
                    while name < bytes.count, bytes[name] == UInt8(ascii: " ") || bytes[name] == UInt8(ascii: "\t") { name += 1 }
                    guard name < bytes.count, Self.startsKey(bytes[name]) || bytes[name] == UInt8(ascii: "]") else {
                        return Problem(line: line, message: "a table header must start with a name: [name] or [\"a name\"]")
                    }
                    continue
                }
            }
            // Follow strings, comments and the brackets of values to the end of the line.
            var quote: UInt8?
            while index < bytes.count {
                let byte = bytes[index]
                if let delimiter = multiline {
                    if bytes[index...].starts(with: delimiter) { multiline = nil; index += 3; continue }
                    if byte == UInt8(ascii: "\\"), delimiter[0] == UInt8(ascii: "\"") { index += 2; continue }
                } else if let delimiter = quote {
                    if byte == UInt8(ascii: "\\"), delimiter == UInt8(ascii: "\"") { index += 2; continue }
                    if byte == delimiter { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    let triple = [byte, byte, byte]
                    if bytes[index...].starts(with: triple) { multiline = triple; index += 3; continue }
                    quote = byte
                } else if byte == UInt8(ascii: "#") {
                    break
                } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                    open.append((byte, line))
                } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                    let opener = byte == UInt8(ascii: "]") ? UInt8(ascii: "[") : UInt8(ascii: "{")
                    if let last = open.last {
                        guard last.bracket == opener else {
                            return Problem(
                                line: line,
                                message: "'\(Character(UnicodeScalar(byte)))' closes the '\(Character(UnicodeScalar(last.bracket)))' opened on line \(last.line)")
                        }
                        open.removeLast()
                    }
                }
                index += 1
            }
        }
        return nil
    }

    /// A bare key's characters, or a quote that starts a quoted one.
    private static func startsKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'"):
            return true
        default:
            return false
        }
    }

    /// The first control character other than tab, line feed and carriage return, with its line.
    static func controlCharacter(in text: String) -> Problem? {
        var line = 1
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: line += 1
            case 0x09, 0x0D: continue
            case 0x00:
                return Problem(line: line, message: "a NUL byte: TOML allows no control character but tab and newline")
            case 0x01...0x1F, 0x7F:
                let code = String(scalar.value, radix: 16, uppercase: true)
                return Problem(
                    line: line,
                    message: "a control character (U+\(String(repeating: "0", count: 4 - code.count))\(code)): TOML allows none but tab and newline")
            default: continue
            }
        }
        return nil
    }
}
