import BoardModel
import Foundation

/// The symbols a screen uses: Unicode where the locale is UTF-8, ASCII otherwise (or when forced).
package struct GlyphSet: Sendable, Equatable {
    /// Whether these are the Unicode glyphs.
    package let unicode: Bool

    package static let utf8 = GlyphSet(unicode: true)
    package static let ascii = GlyphSet(unicode: false)

    /// Unicode when the locale's character set is UTF-8 (LC_ALL, else LC_CTYPE, else LANG), else ASCII.
    package static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> GlyphSet {
        let locale = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let normalized = locale.lowercased().replacingOccurrences(of: "-", with: "")
        return normalized.contains("utf8") ? .utf8 : .ascii
    }

    /// One narrow symbol per state.
    package func symbol(_ state: JobState) -> String {
        switch (state, unicode) {
        case (.verificationFailed, true): "‼"
        case (.verificationFailed, false): "V"
        case (.failed, true): "✖"
        case (.failed, false): "X"
        case (.runningTooLong, true): "⧖"
        case (.runningTooLong, false): "T"
        case (.overdue, true): "⚠"
        case (.overdue, false): "!"
        case (.late, true): "◔"
        case (.late, false): "~"
        case (.running, true): "▶"
        case (.running, false): ">"
        case (.up, true): "✔"
        case (.up, false): "+"
        case (.new, true): "○"
        case (.new, false): "o"
        case (.paused, true): "‖"
        case (.paused, false): "="
        }
    }

    /// One symbol per level, for one-line summaries: `✔ 42 ⚠ 2 ✖ 1`.
    func symbol(_ level: StateLevel) -> String {
        switch (level, unicode) {
        case (.ok, true): "✔"
        case (.ok, false): "ok"
        case (.warning, true): "⚠"
        case (.warning, false): "warn"
        case (.critical, true): "✖"
        case (.critical, false): "fail"
        }
    }
}

extension GlyphSet {
    /// Sparkline levels, lowest first: `▁▂▃▄▅▆▇█`, or `_.-=+*#@` in ASCII.
    var sparkRamp: [Character] { unicode ? Self.unicodeRamp : Self.asciiRamp }
    private static let unicodeRamp = Array("▁▂▃▄▅▆▇█")
    private static let asciiRamp = Array("_.-=+*#@")
    /// A failed run in a sparkline.
    var sparkFailed: Character { unicode ? "✖" : "x" }
    /// A run that should have happened and did not, or reported no value: a gap, never a zero.
    var sparkMissing: Character { " " }
    /// The done part of a progress bar.
    var barDone: Character { unicode ? "█" : "#" }
    /// The part still to do.
    var barToDo: Character { unicode ? "░" : "." }
    /// Lines between panes and around overlays.
    var horizontal: Character { unicode ? "─" : "-" }
    var vertical: Character { unicode ? "│" : "|" }
    var topLeft: Character { unicode ? "┌" : "+" }
    var topRight: Character { unicode ? "┐" : "+" }
    var bottomLeft: Character { unicode ? "└" : "+" }
    var bottomRight: Character { unicode ? "┘" : "+" }
    /// Marks text cut to fit.
    var ellipsis: Character { unicode ? "…" : "~" }
    /// Separates header items.
    var dot: String { unicode ? "·" : "|" }
}
