import ArgumentParser
import BoardModel
import Foundation
import BoardTerminal

/// `backupboard-bench screen-test`: draws a fixed screen through `Terminal` and shows each key it
/// reads, so the end-to-end tests can drive the real terminal layer under tmux. `q` quits.
struct ScreenTestCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "screen-test",
        abstract: "Draw a test screen and echo the keys read (for the terminal tests).",
        shouldDisplay: false
    )

    @Option(help: "Theme name or path.")
    var theme: String?

    @Flag(help: "ASCII glyphs even in a UTF-8 locale.")
    var ascii = false

    package func run() throws {
        let (theme, themeNote) = Theme.loadOrDefault(theme)
        let terminal: Terminal
        do {
            terminal = try Terminal.start(asciiOnly: ascii)
        } catch {
            FileHandle.standardError.write(Data("backupboard: \(error)\n".utf8))
            throw ExitCode.failure
        }
        var lastKey = "none"
        var count = 0
        while terminal.receivedSignal == nil {
            let size = terminal.size
            let buffer = Self.screen(width: size.width, height: size.height, terminal: terminal, theme: theme,
                                     notes: terminal.notes + (themeNote.map { [$0] } ?? []), lastKey: lastKey, count: count)
            terminal.draw(buffer, theme: theme)
            guard let key = terminal.readKey(timeout: .seconds(1)) else { continue }
            if key == .character("q") { break }
            count += 1
            lastKey = Self.describe(key)
        }
        terminal.stop()
        if let signal = terminal.receivedSignal {
            print("screen test stopped by signal \(signal)")
            throw ExitCode(128 + signal)
        }
        print("screen test done: \(count) keys read")
    }

    static func describe(_ key: Key) -> String {
        switch key {
        case .character(let character): "'\(character)'"
        case .function(let number): "F\(number)"
        case .resize: "resize"
        default: "\(key)"
        }
    }

    static func screen(width: Int, height: Int, terminal: Terminal, theme: Theme, notes: [String],
                       lastKey: String, count: Int) -> ScreenBuffer {
        var buffer = ScreenBuffer(width: width, height: height)
        let glyphs = terminal.glyphs
        buffer.fill(x: 0, y: 0, width: width, height: 1, style: Style(.header))
        buffer.put("BackupBoard screen test", x: 1, y: 0, style: Style(.header))
        buffer.put("size \(width)x\(height)", x: 1, y: 1, style: Style(.title))
        buffer.put("glyphs \(glyphs.unicode ? "unicode" : "ascii"), \(terminal.colorLevel), theme \(theme.name)", x: 1, y: 2)
        buffer.put("last key: \(lastKey) (\(count) read)", x: 1, y: 3, style: Style(.info))
        var row = 4
        for note in notes.flatMap({ $0.split(separator: "\n") }) {
            buffer.put("note: \(note)", x: 1, y: row, style: Style(.warn))
            row += 1
        }
        // A box in line-drawing characters, with the state glyphs inside.
        let top = row + 1
        let boxWidth = min(40, width - 2)
        if boxWidth >= 2 {
            let inner = String(repeating: "─", count: boxWidth - 2)
            buffer.put("┌" + inner + "┐", x: 1, y: top, style: Style(.border))
            buffer.put("│", x: 1, y: top + 1, style: Style(.border))
            buffer.put("│", x: boxWidth, y: top + 1, style: Style(.border))
            buffer.put("└" + inner + "┘", x: 1, y: top + 2, style: Style(.border))
            var x = 3
            for (state, role, word) in [(JobState.up, StyleRole.ok, "ok"), (.overdue, .warn, "late"), (.failed, .fail, "failed")] {
                x = buffer.put("\(glyphs.symbol(state)) \(word)", x: x, y: top + 1, style: Style(role), maxWidth: boxWidth - x) + 2
            }
        }
        // Every role in its own style, to see a theme at a glance.
        var x = 1
        var swatchRow = top + 4
        for role in StyleRole.allCases {
            if x + role.rawValue.count > width { x = 1; swatchRow += 1 }
            x = buffer.put(role.rawValue, x: x, y: swatchRow, style: Style(role)) + 1
        }
        buffer.put("q quits", x: 1, y: height - 1, style: Style(.dim))
        return buffer
    }
}
