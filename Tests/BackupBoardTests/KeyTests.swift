@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import CNCurses
import Testing

@Suite struct KeyTests {
    @Test(arguments: [
        (Key.RawInput.keyCode(0o403), Key.up),
        (.keyCode(0o402), .down),
        (.keyCode(0o404), .left),
        (.keyCode(0o405), .right),
        (.keyCode(0o523), .pageUp),
        (.keyCode(0o522), .pageDown),
        (.keyCode(0o406), .home),
        (.keyCode(0o550), .end),
        (.keyCode(0o527), .enter),
        (.keyCode(0o407), .backspace),
        (.keyCode(0o541), .backTab),
        (.keyCode(0o632), .resize(width: 0, height: 0)),
        (.keyCode(0o411), .function(1)),
        (.keyCode(0o414), .function(4)),
        (.keyCode(0o424), .function(12)),
        (.character(0x0D), .enter),
        (.character(0x0A), .enter),
        (.character(0x09), .tab),
        (.character(0x1B), .escape),
        (.character(0x7F), .backspace),
        (.character(0x08), .backspace),
        (.character(0x71), .character("q")),
        (.character(0x20), .character(" ")),
        (.character(0x2F), .character("/")),
        (.character(0x3F), .character("?")),
        (.character(0xE9), .character("é")),
        (.character(0x4E2D), .character("中")),
    ])
    func decodes(raw: Key.RawInput, key: Key) {
        #expect(Key.decode(raw) == key)
    }

    @Test(arguments: [
        Key.RawInput.character(0x00), .character(0x03), .character(0x1F), .character(0x85), .character(0x200B),
        .character(0xD800), .keyCode(0o512), .keyCode(0o631), .keyCode(0o410),
    ])
    func ignoresInputTheBoardHasNoUseFor(raw: Key.RawInput) {
        #expect(Key.decode(raw) == nil)
    }

    @Test func codesAgreeWithTheInstalledHeader() {
        #expect(Key.Code.up == cn_key_up())
        #expect(Key.Code.down == cn_key_down())
        #expect(Key.Code.left == cn_key_left())
        #expect(Key.Code.right == cn_key_right())
        #expect(Key.Code.home == cn_key_home())
        #expect(Key.Code.end == cn_key_end())
        #expect(Key.Code.previousPage == cn_key_ppage())
        #expect(Key.Code.nextPage == cn_key_npage())
        #expect(Key.Code.enter == cn_key_enter())
        #expect(Key.Code.backspace == cn_key_backspace())
        #expect(Key.Code.backTab == cn_key_btab())
        #expect(Key.Code.resize == cn_key_resize())
        #expect(Key.Code.function0 + 5 == cn_key_f(5))
    }

    @Test func lineDrawingBecomesAlternateCharactersInASCII() {
        #expect(LineGlyph("─") == .horizontal)
        #expect(LineGlyph("│") == .vertical)
        #expect(LineGlyph("╭") == .topLeft)
        #expect(LineGlyph("┘") == .bottomRight)
        #expect(LineGlyph("┼") == .cross)
        #expect(LineGlyph("█") == .block)
        #expect(LineGlyph("a") == nil)
        #expect(LineGlyph.asciiStandIn(for: "a") == UInt8(ascii: "a"))
        #expect(LineGlyph.asciiStandIn(for: "▁") == UInt8(ascii: "_"))
        #expect(LineGlyph.asciiStandIn(for: "✔") == UInt8(ascii: "?"))
        #expect(LineGlyph.asciiStandIn(for: "\t") == UInt8(ascii: " "))
    }
}
