extension ScreenBuffer {
    /// Writes `text` from `x` in at most `width` cells, cut with an ellipsis when longer, made safe for one
    /// cell per character first. Returns the column after the last character written.
    @discardableResult
    mutating func text(_ text: String, x: Int, y: Int, width: Int, style: Style = .normal, glyphs: GlyphSet) -> Int {
        guard width > 0 else { return x }
        let safe = Self.displayable(text, glyphs: glyphs)
        if safe.utf8.count <= width || safe.count <= width { return put(safe, x: x, y: y, style: style, maxWidth: width) }
        let cut = width > 1 ? String(safe.prefix(width - 1)) + String(glyphs.ellipsis) : String(safe.prefix(1))
        return put(cut, x: x, y: y, style: style, maxWidth: width)
    }

    /// `text` with what would break a one-character-per-cell screen replaced by `?`: control characters,
    /// double-width characters (CJK, emoji), and anything but ASCII when the glyphs are ASCII.
    static func displayable(_ text: String, glyphs: GlyphSet) -> String {
        // Printable ASCII, the common case, is checked byte by byte: no grapheme breaking on every frame.
        if text.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) { return text }
        return String(text.map { character -> Character in
            if character == "\t" { return " " }
            guard let scalar = character.unicodeScalars.first else { return "?" }
            if scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) { return "?" }
            if !glyphs.unicode, !character.isASCII { return "?" }
            return isWide(scalar.value) ? "?" : character
        })
    }

    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1FAFF, 0x20000...0x3FFFD:
            true
        default:
            false
        }
    }

    /// Adds `underline` to a row's cells, keeping their roles: the selection of the pane without focus.
    mutating func underline(x: Int, y: Int, count: Int) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<max(max(0, x), min(width, x + count)) {
            self[column, y].style.underline = true
        }
    }
}
