import Foundation

/// Where keys and tables sit in a jobs file's text, so that value errors can name a line.
///
/// TOMLKit gives positions only for syntax errors, so this reads the lines itself: table headers,
/// `[[array]]` headers (the n-th one becomes path component `#n`) and `key = value` lines, dotted keys
/// included. It only has to be right for files that TOML already accepted, and returns nil where unsure.
public struct SourceLocator {
    private var firstLine: [[String]: Int] = [:]
    /// The `[table]` header on each line that has one (not `[[array]]` headers).
    private var tableHeaders: [Int: [String]] = [:]

    public init(text: String) {
        var table: [String] = []
        var arrayCounts: [[String]: Int] = [:]
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
                let count = arrayCounts[parts, default: 0]
                arrayCounts[parts] = count + 1
                table = parts + ["#\(count)"]
                record(table, line: number)
            } else if line.hasPrefix("[") {
                let inside = line.dropFirst()
                guard let close = Self.firstUnquoted("]", in: inside) else { continue }
                table = Self.keyParts(inside[..<close])
                tableHeaders[number] = table
                record(table, line: number)
            } else if let equals = Self.firstUnquoted("=", in: Substring(line)) {
                record(table + Self.keyParts(line[..<equals]), line: number)
                let value = line[equals...]
                for delimiter in ["\"\"\"", "'''"] where Self.occurrences(of: delimiter, in: value) % 2 == 1 {
                    openMultilineString = delimiter
                }
            }
        }
    }

    /// The line where `path` (or, failing that, its nearest enclosing table) first appears.
    public func line(for path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = firstLine[path] { return line }
            path.removeLast()
        }
        return nil
    }

    /// The path of the `[table]` header on `line`, if that line is one.
    func tableHeader(at line: Int) -> [String]? {
        tableHeaders[line]
    }

    private mutating func record(_ path: [String], line: Int) {
        guard !path.isEmpty else { return }
        for length in 1...path.count {
            let prefix = Array(path.prefix(length))
            if firstLine[prefix] == nil { firstLine[prefix] = line }
        }
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

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
public func closestMatch(to word: String, among candidates: [String]) -> String? {
    let lowered = word.lowercased()
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(lowered, candidate.lowercased())
        // Judge closeness by the last dotted part, so long prefixes (`alerts.severity.`) do not loosen it.
        let length = candidate.split(separator: ".").last?.count ?? candidate.count
        let allowed = max(1, min(3, length / 3))
        if distance <= allowed, distance < (best?.distance ?? .max) {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// Levenshtein distance, with a swap of two neighbours counted as one edit (`grcae` → `grace`).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousRow: [Int] = []
    var row = Array(0...b.count)
    for i in 1...a.count {
        let beforePrevious = previousRow
        previousRow = row
        row = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            row[j] = min(previousRow[j] + 1, row[j - 1] + 1, previousRow[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                row[j] = min(row[j], beforePrevious[j - 2] + 1)
            }
        }
    }
    return row[b.count]
}
