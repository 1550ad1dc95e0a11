/// A line-drawing or block character, for terminals in an ASCII locale: `Terminal` draws these with
/// the terminal's alternate character set (which ncurses replaces with `+`, `-`, `|` where there is none).
enum LineGlyph: Sendable, Equatable, CaseIterable {
    case horizontal, vertical
    case topLeft, topRight, bottomLeft, bottomRight
    case teeRight, teeLeft, teeDown, teeUp, cross
    case block, shade, bullet, diamond

    /// The glyph `character` draws, or nil when it is no line-drawing character.
    init?(_ character: Character) {
        switch character {
        case "─", "━", "═", "╌", "┄": self = .horizontal
        case "│", "┃", "║", "╎", "┆": self = .vertical
        case "┌", "┏", "╔", "╭": self = .topLeft
        case "┐", "┓", "╗", "╮": self = .topRight
        case "└", "┗", "╚", "╰": self = .bottomLeft
        case "┘", "┛", "╝", "╯": self = .bottomRight
        case "├", "┣", "╠": self = .teeRight
        case "┤", "┫", "╣": self = .teeLeft
        case "┬", "┳", "╦": self = .teeDown
        case "┴", "┻", "╩": self = .teeUp
        case "┼", "╋", "╬": self = .cross
        case "█", "▇", "▆", "▅": self = .block
        case "░", "▒", "▓": self = .shade
        case "•", "·", "●": self = .bullet
        case "◆", "♦": self = .diamond
        default: return nil
        }
    }

    /// The ASCII byte a non-ASCII character becomes when it is no line-drawing glyph either.
    static func asciiStandIn(for character: Character) -> UInt8 {
        if let ascii = character.asciiValue { return ascii >= 0x20 && ascii < 0x7F ? ascii : UInt8(ascii: " ") }
        switch character {
        case "▁", "▂": return UInt8(ascii: "_")
        case "▃", "▄": return UInt8(ascii: "=")
        case "…": return UInt8(ascii: ".")
        case "→", "▶", "►": return UInt8(ascii: ">")
        case "←", "◀", "◄": return UInt8(ascii: "<")
        case "↑", "▲": return UInt8(ascii: "^")
        case "↓", "▼": return UInt8(ascii: "v")
        default: return UInt8(ascii: "?")
        }
    }
}
