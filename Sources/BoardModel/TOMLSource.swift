import Foundation
import TOMLKit

/// A TOML file's text (a jobs file, `serve`'s config, a theme), checked and parsed in one place, so every
/// file a user or an attacker hands us is read in time and memory linear in its size and rejected whole,
/// with its line, when anything in it is wrong.
///
/// Before TOMLKit sees the text: at most `maxBytes`; no control character but tab, newline and carriage
/// return anywhere (TOML allows no other, and TOMLKit's C++ parser would stop silently at a NUL, applying
/// the part before it); no key path deeper than `maxDepth` parts (`[a.b.c…]` of a hundred thousand parts
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
