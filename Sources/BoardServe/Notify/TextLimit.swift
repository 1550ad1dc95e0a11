/// How a service counts the length of a text it limits.
enum TextUnit {
    /// Unicode code points (Discord, Opsgenie, Pushover).
    case scalars
    /// UTF-16 code units (Telegram).
    case utf16
    /// Bytes of UTF-8 (ntfy, Matrix, Teams).
    case utf8
}

extension String {
    /// The text, cut to at most `limit` units with "…" at the end when it is longer: a receiver that refuses
    /// long text gets a shorter one rather than none. Whole characters only, so no emoji is split.
    func cut(to limit: Int, _ unit: TextUnit) -> String {
        func length(_ text: Substring) -> Int {
            switch unit {
            case .scalars: text.unicodeScalars.count
            case .utf16: text.utf16.count
            case .utf8: text.utf8.count
            }
        }
        guard length(self[...]) > limit else { return self }
        let room = limit - length("…")
        var used = 0
        var end = startIndex
        for index in indices {
            let next = self.index(after: index)
            used += length(self[index..<next])
            guard used <= room else { break }
            end = next
        }
        return String(self[..<end]) + "…"
    }
}
