/// One key press as the board understands it: curses codes never leave `Terminal`, which translates them.
package enum Key: Sendable, Equatable, Hashable {
    /// A printable character (letters, digits, punctuation, space).
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// The terminal changed size (`KEY_RESIZE`): the new columns and rows.
    case resize(width: Int, height: Int)
    /// F1…F24 (`function(1)` is F1).
    case function(Int)

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
        case .function(let number): "F\(number)"
        }
    }
}

extension Key {
    /// What `wget_wch` reports: a key code (it returned `KEY_CODE_YES`) or a character (it returned `OK`).
    enum RawInput: Sendable, Equatable {
        case keyCode(Int32)
        case character(UInt32)
    }

    /// ncurses' key codes (`<ncurses.h>`, stable across versions); a test checks them against the header.
    enum Code {
        static let down: Int32 = 0o402
        static let up: Int32 = 0o403
        static let left: Int32 = 0o404
        static let right: Int32 = 0o405
        static let home: Int32 = 0o406
        static let backspace: Int32 = 0o407
        static let function0: Int32 = 0o410
        static let nextPage: Int32 = 0o522
        static let previousPage: Int32 = 0o523
        static let enter: Int32 = 0o527
        static let backTab: Int32 = 0o541
        static let end: Int32 = 0o550
        static let resize: Int32 = 0o632
    }

    /// The key a raw `wget_wch` result stands for, or nil for input the board has no use for
    /// (other control characters, unmapped key codes).
    static func decode(_ input: RawInput) -> Key? {
        switch input {
        case .keyCode(let code):
            return decode(keyCode: code)
        case .character(let value):
            return decode(character: value)
        }
    }

    private static func decode(keyCode code: Int32) -> Key? {
        switch code {
        case Code.up: .up
        case Code.down: .down
        case Code.left: .left
        case Code.right: .right
        case Code.home: .home
        case Code.end: .end
        case Code.previousPage: .pageUp
        case Code.nextPage: .pageDown
        case Code.enter: .enter
        case Code.backspace: .backspace
        case Code.backTab: .backTab
        case Code.resize: .resize(width: 0, height: 0)  // `Terminal.readKey` fills in its size
        case (Code.function0 + 1)...(Code.function0 + 24): .function(Int(code - Code.function0))
        default: nil
        }
    }

    private static func decode(character value: UInt32) -> Key? {
        switch value {
        case 0x0A, 0x0D: return .enter  // Return arrives as CR under `nonl()`, as LF otherwise.
        case 0x09: return .tab
        case 0x1B: return .escape
        case 0x08, 0x7F: return .backspace  // ^H and DEL: terminals disagree about which Backspace sends.
        default:
            guard let scalar = Unicode.Scalar(value), value >= 0x20, !(0x7F...0x9F).contains(value),
                  scalar.properties.generalCategory != .format
            else { return nil }
            return .character(Character(scalar))
        }
    }
}
