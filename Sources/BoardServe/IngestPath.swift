/// Where a heartbeat URL points: the ping key, the slug of a ping by slug, and what follows (docs/architecture.md §4).
///
/// `/heartbeat/<key>`, `/heartbeat/<key>/start|fail|log|<exit-code>`, the same with a server ping key and a slug
/// between (`/heartbeat/<ping-key>/<slug>[/start|…]`), and all of it under `/ping/`. A third segment that is a
/// suffix word or all digits is a suffix, so slugs `start`, `fail`, `log` and all digits are never pinged by slug.
/// Parsing is pure so that every form is tested without a socket.
struct IngestPath: Equatable, Sendable {
    /// A job's secret ping key, or a server ping key when `slug` is set; as sent.
    var key: String
    /// The job's slug in a ping by slug, as sent (not yet checked to be a slug).
    var slug: String?
    /// `start`, `fail`, `log`, an exit code, or nil.
    var suffix: String?

    /// The route prefixes that lead to ingest.
    static let prefixes = ["heartbeat", "ping"]

    init(key: String, slug: String? = nil, suffix: String? = nil) {
        self.key = key
        self.slug = slug
        self.suffix = suffix
    }

    /// Reads a request path (without the query). Nil when the path is not a heartbeat URL: no key, an
    /// unknown suffix, or more segments than a key, a slug and a suffix.
    init?(path: some StringProtocol) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard (2...4).contains(segments.count), Self.prefixes.contains(String(segments[0])) else { return nil }
        key = String(segments[1])
        slug = nil
        suffix = nil
        if segments.count >= 3 {
            let word = segments[2].lowercased()
            if Self.isSuffix(word) {
                guard segments.count == 3 else { return nil }
                suffix = word
            } else {
                guard !word.allSatisfy(\.isNumber) else { return nil }
                slug = String(segments[2])
            }
        }
        if segments.count == 4 {
            let word = segments[3].lowercased()
            guard Self.isSuffix(word) else { return nil }
            suffix = word
        }
    }

    private static func isSuffix(_ word: String) -> Bool {
        ["start", "fail", "log"].contains(word) || isExitCode(word)
    }

    /// Exit codes as Healthchecks clients send them: 0–255.
    private static func isExitCode(_ word: String) -> Bool {
        guard !word.isEmpty, word.count <= 3, word.allSatisfy(\.isASCII), let code = Int(word) else { return false }
        return (0...255).contains(code)
    }
}

/// The query string of a heartbeat URL, percent-decoded, in the order sent.
enum QueryString {
    /// `status=down&msg=disk%20full` → `[("status", "down"), ("msg", "disk full")]`. `+` is a space, as in
    /// HTML forms; a malformed escape is kept as written rather than dropping the parameter.
    static func parse(_ query: some StringProtocol) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (decode(pair[..<equals]), decode(pair[pair.index(after: equals)...]))
            }
            return (decode(pair), "")
        }
    }

    /// Percent-decodes one name or value.
    static func decode(_ text: some StringProtocol) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
