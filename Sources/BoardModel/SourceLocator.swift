import Foundation

/// Where keys and tables sit in a TOML file's text (a jobs file, `serve`'s config, a theme), so that value errors
/// can name a line.
///
/// TOMLKit gives positions only for syntax errors, so this reads the lines itself: table headers,
/// `[[array]]` headers (the n-th one becomes path component `#n`) and `key = value` lines, dotted keys
/// included. It only has to be right for files that TOML already accepted, and returns nil where unsure.
///
/// The paths are kept as a tree, each key part a step from its table, so reading takes time in proportion to the
/// text: a header of a hundred thousand dotted parts is a hundred thousand steps, not every prefix of it copied.
public struct SourceLocator {
    /// One key part in the tree of paths: the line where a path through it first appears, and the parts under it.
    private struct Node {
        var line: Int
        var depth = 0
        var children: [String: Int] = [:]
    }

    /// The tree; `nodes[0]` is the root, the empty path, which has no line of its own.
    private var nodes = [Node(line: 0)]
    /// The `[table]` header on each line that has one (not `[[array]]` headers).
    private var tableHeaders: [Int: [String]] = [:]
    /// Paths deeper than this many key parts are not followed further (`firstTooDeep` says where).
    private let depthLimit: Int
    /// The first line whose header or key makes a path deeper than the limit, and that path's depth.
    public private(set) var firstTooDeep: (line: Int, depth: Int)?

    /// Reads where each table and key of `text` first appears.
    public init(text: String, depthLimit: Int = .max) {
        self.depthLimit = depthLimit
        var table = 0
        var arrayCounts: [Int: Int] = [:]
        var openMultilineString: String?
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let delimiter = openMultilineString {
                if Self.occurrences(of: delimiter, in: line) % 2 == 1 { openMultilineString = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                guard let close = line.range(of: "]]") else { continue }
                let parts = Self.keyParts(line[line.index(line.startIndex, offsetBy: 2)..<close.lowerBound])
                let array = record(parts, under: 0, line: number)
                let count = arrayCounts[array, default: 0]
                arrayCounts[array] = count + 1
                table = record(["#\(count)"], under: array, line: number)
            } else if line.hasPrefix("[") {
                let inside = line.dropFirst()
                guard let close = Self.firstUnquoted("]", in: inside) else { continue }
                let parts = Self.keyParts(inside[..<close])
                tableHeaders[number] = parts
                table = record(parts, under: 0, line: number)
            } else if let equals = Self.firstUnquoted("=", in: Substring(line)) {
                record(Self.keyParts(line[..<equals]), under: table, line: number)
                let value = line[equals...]
                for delimiter in ["\"\"\"", "'''"] where Self.occurrences(of: delimiter, in: value) % 2 == 1 {
                    openMultilineString = delimiter
                }
            }
        }
    }

    /// The line where `path` (or, failing that, its nearest enclosing table) first appears.
    public func line(for path: [String]) -> Int? {
        var node = 0
        var line: Int?
        for part in path {
            guard let child = nodes[node].children[part] else { break }
            node = child
            line = nodes[child].line
        }
        return line
    }

    /// The path of the `[table]` header on `line`, if that line is one.
    func tableHeader(at line: Int) -> [String]? {
        tableHeaders[line]
    }

    /// Walks `parts` down from `start`, giving each part met for the first time `line`; returns where it ends.
    @discardableResult
    private mutating func record(_ parts: [String], under start: Int, line: Int) -> Int {
        var node = start
        let depth = nodes[start].depth + parts.count
        if depth > depthLimit {
            if firstTooDeep == nil { firstTooDeep = (line, depth) }
            return start
        }
        for part in parts {
            if let child = nodes[node].children[part] {
                node = child
            } else {
                nodes.append(Node(line: line, depth: nodes[node].depth + 1))
                nodes[node].children[part] = nodes.count - 1
                node = nodes.count - 1
            }
        }
        return node
    }

    /// `jobs."db-prod" . alerts` → ["jobs", "db-prod", "alerts"].
    private static func keyParts(_ text: Substring) -> [String] {
        var parts: [String] = []
        var rest = text
        while let dot = firstUnquoted(".", in: rest) {
            parts.append(unquote(rest[..<dot]))
            rest = rest[rest.index(after: dot)...]
        }
        parts.append(unquote(rest))
        return parts
    }

    private static func unquote(_ part: Substring) -> String {
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2, let first = trimmed.first, first == "\"" || first == "'", trimmed.last == first {
            return String(trimmed.dropFirst().dropLast())
        }
        return trimmed
    }

    /// The first `target` outside a quoted string.
    private static func firstUnquoted(_ target: Character, in text: Substring) -> Substring.Index? {
        var quote: Character?
        var escaped = false
        for index in text.indices {
            let ch = text[index]
            if let open = quote {
                if escaped { escaped = false } else if ch == "\\" && open == "\"" { escaped = true } else if ch == open { quote = nil }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == target {
                return index
            }
        }
        return nil
    }

    private static func occurrences(of delimiter: String, in text: some StringProtocol) -> Int {
        text.components(separatedBy: delimiter).count - 1
    }
}
