/// What a key asks the board to do, before the board's mode (prompt, help, detail) is taken into account.
enum BoardAction: Sendable, Equatable, CaseIterable {
    case moveDown, moveUp, pageDown, pageUp, first, last
    case switchFocus, openDetail, back
    case filter, cycleSort
    case acknowledge, acknowledgeAllVisible, mute, unmute
    case refresh, nextTheme, toggleHelp, quit

    /// Changes the store: refused on a read-only board.
    var writes: Bool {
        switch self {
        case .acknowledge, .acknowledgeAllVisible, .mute, .unmute: true
        default: false
        }
    }
}

/// One line of the keymap: the keys, what they do, and the help text shown for them.
struct KeyBinding: Sendable, Equatable {
    var keys: [Key]
    var action: BoardAction
    var help: String

    /// `j Down`: the keys as the help overlay lists them.
    var label: String { keys.map(\.label).joined(separator: " ") }
}

/// The board's one keymap: key handling looks actions up here, and the help overlay is generated from it.
package struct Keymap: Sendable, Equatable {
    var bindings: [KeyBinding]

    /// The board's keys.
    static let standard = Keymap(bindings: [
        KeyBinding(keys: [.character("j"), .down], action: .moveDown, help: "next row"),
        KeyBinding(keys: [.character("k"), .up], action: .moveUp, help: "previous row"),
        KeyBinding(keys: [.pageDown, .character(" ")], action: .pageDown, help: "page down"),
        KeyBinding(keys: [.pageUp], action: .pageUp, help: "page up"),
        KeyBinding(keys: [.character("g"), .home], action: .first, help: "first row"),
        KeyBinding(keys: [.character("G"), .end], action: .last, help: "last row"),
        KeyBinding(keys: [.tab, .backTab], action: .switchFocus, help: "switch between jobs and alerts"),
        KeyBinding(keys: [.enter], action: .openDetail, help: "details of the selected job"),
        KeyBinding(keys: [.escape], action: .back, help: "close details, clear the filter"),
        KeyBinding(keys: [.character("/")], action: .filter, help: "filter by name, slug, tag or state"),
        KeyBinding(keys: [.character("s")], action: .cycleSort, help: "sort: state, priority, name, next due, last run"),
        KeyBinding(keys: [.character("a")], action: .acknowledge, help: "acknowledge alert (optional note)"),
        KeyBinding(keys: [.character("A")], action: .acknowledgeAllVisible, help: "acknowledge all visible alerts"),
        KeyBinding(keys: [.character("m")], action: .mute, help: "mute job (1h, 4h, 1d, custom) with a reason"),
        KeyBinding(keys: [.character("M")], action: .unmute, help: "unmute job"),
        KeyBinding(keys: [.character("r")], action: .refresh, help: "reload now"),
        KeyBinding(keys: [.character("t")], action: .nextTheme, help: "next theme"),
        KeyBinding(keys: [.character("?")], action: .toggleHelp, help: "this help"),
        KeyBinding(keys: [.character("q")], action: .quit, help: "quit"),
    ])

    /// The action bound to `key`, if any.
    func action(for key: Key) -> BoardAction? {
        bindings.first { $0.keys.contains(key) }?.action
    }

    /// The help overlay's lines: `j Down      next row`; on a read-only board, writes say so.
    func helpLines(readonly: Bool) -> [String] {
        let width = bindings.map(\.label.count).max() ?? 0
        return bindings.map { binding in
            let help = readonly && binding.action.writes ? "read-only board: " + binding.help : binding.help
            return binding.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + help
        }
    }
}
