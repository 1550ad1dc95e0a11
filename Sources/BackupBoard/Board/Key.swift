/// One key press as the board understands it; the terminal type translates curses key codes into these.
enum Key: Sendable, Equatable, Hashable {
    /// A printable character (letters, digits, punctuation, space).
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// The terminal changed size (`KEY_RESIZE`): the new columns and rows.
    case resize(width: Int, height: Int)

    /// How the help overlay names the key.
    var label: String {
        switch self {
        case .character(" "): "Space"
        case .character(let character): String(character)
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Backspace"
        case .delete: "Del"
        case .resize: "resize"
        }
    }
}
