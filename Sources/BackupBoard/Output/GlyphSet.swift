import BoardModel
import Foundation

/// The symbols a screen uses: Unicode where the locale is UTF-8, ASCII otherwise (or when forced).
struct GlyphSet: Sendable, Equatable {
    /// Whether these are the Unicode glyphs.
    let unicode: Bool

    static let utf8 = GlyphSet(unicode: true)
    static let ascii = GlyphSet(unicode: false)

    /// Unicode when the locale's character set is UTF-8 (LC_ALL, else LC_CTYPE, else LANG), else ASCII.
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> GlyphSet {
        let locale = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let normalized = locale.lowercased().replacingOccurrences(of: "-", with: "")
        return normalized.contains("utf8") ? .utf8 : .ascii
    }

    /// One narrow symbol per state.
    func symbol(_ state: JobState) -> String {
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
