/// What a piece of the screen means. Themes map each role to colours and attributes, so the renderer
/// never names a colour.
package enum StyleRole: String, Sendable, Equatable, Hashable, CaseIterable {
    case normal, header, title, dim, border
    case ok, warn, fail, stale, running, muted, paused
    case info, warning, critical, emergency
    case selection, sparkline, anomaly, progress, banner
}

/// A role plus the attributes the renderer adds for emphasis.
package struct Style: Sendable, Equatable, Hashable {
    var role: StyleRole
    var bold = false
    var reverse = false
    var underline = false

    static let normal = Style(role: .normal)

    package init(_ role: StyleRole, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    init(role: StyleRole) { self.init(role) }
}

/// One character cell: its character's scalars inline (the base and up to two combining marks; a third is
/// dropped), so a cell holds no reference and a frame of thousands is made, compared and freed without a
/// reference count touched (docs/board.md, "At rest").
struct Cell: Sendable, Equatable {
    /// The base scalar, then the marks; a mark past the last is 0.
    private var base: Unicode.Scalar
    private var marks: (UInt32, UInt32) = (0, 0)
    var style: Style

    static let blank = Cell(scalar: " ", style: .normal)

    init(character: Character, style: Style) {
        var scalars = character.unicodeScalars.makeIterator()
        base = scalars.next() ?? " "
        marks = (scalars.next()?.value ?? 0, scalars.next()?.value ?? 0)
        self.style = style
    }

    init(scalar: Unicode.Scalar, style: Style) {
        base = scalar
        self.style = style
    }

    /// The base scalar and the marks, in order.
    var scalars: [Unicode.Scalar] {
        [base] + [marks.0, marks.1].prefix { $0 != 0 }.compactMap(Unicode.Scalar.init)
    }

    var character: Character {
        marks.0 == 0 ? Character(base) : Character(String(String.UnicodeScalarView(scalars)))
    }

    static func == (lhs: Cell, rhs: Cell) -> Bool {
        lhs.base == rhs.base && lhs.marks == rhs.marks && lhs.style == rhs.style
    }
}

/// An in-memory screen the renderer draws into; the terminal copies it to ncurses, tests compare its lines.
///
/// Every character takes one cell: the board only uses narrow glyphs (see `GlyphSet`).
package struct ScreenBuffer: Sendable, Equatable {
    let width: Int
    let height: Int
    private(set) var cells: [Cell]

    package init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` from column `x` on row `y`, clipped to the screen (and to `maxWidth` when given).
    /// Returns the column after the last character written.
    @discardableResult
    package mutating func put(_ text: String, x: Int, y: Int, style: Style = .normal, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(width, maxWidth.map { x + $0 } ?? width)
        var column = x
        // ASCII but CR (which joins a following LF into one character) is one character per byte: no grapheme
        // breaking for the names, times and sizes that make up most of a frame.
        if text.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            for byte in text.utf8 where column < limit {
                if column >= 0 { self[column, y] = Cell(scalar: Unicode.Scalar(byte), style: style) }
                column += 1
            }
            return column
        }
        for character in text where column < limit {
            if column >= 0 { self[column, y] = Cell(character: character, style: style) }
            column += 1
        }
        return column
    }

    /// Paints `count` cells of row `y` from `x` with `style`, keeping their characters.
    mutating func paint(x: Int, y: Int, count: Int, style: Style) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<min(width, x + count) where column >= 0 {
            self[column, y].style = style
        }
    }

    /// Fills a rectangle with blanks of `style`.
    package mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: Style = .normal) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                self[column, row] = Cell(scalar: " ", style: style)
            }
        }
    }

    /// Row `y` as text, trailing spaces trimmed: what tests compare.
    func line(_ y: Int) -> String {
        let row = cells[(y * width)..<((y + 1) * width)].map(\.character)
        var text = String(row)
        while text.last == " " { text.removeLast() }
        return text
    }

    /// Every row as text.
    var lines: [String] { (0..<height).map(line) }
}
