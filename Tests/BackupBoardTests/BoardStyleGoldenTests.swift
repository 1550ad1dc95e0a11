import Foundation
import Testing
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
@testable import BoardModel

/// What the fixture board looks like under a theme, cell by cell: each golden file lists the looks that
/// occur (fore- and background colour, attributes), one letter each, then the screen as those letters. The
/// text goldens (BoardGoldens) hold the characters; these hold the colours, at every size the board is
/// tested at, under the default colour theme at 256 colours and with no colour at all (`NO_COLOR`).
///
/// A missing file is written from the current renderer and the test fails, so a new golden is reviewed
/// by eye before it counts: `BACKUPBOARD_RECORD_GOLDENS=1 swift test --filter BoardStyleGolden` rewrites
/// them all after a deliberate change.
struct BoardStyleGoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var width: Int
        var height: Int
        var level: ColorLevel
        var testDescription: String { "\(width)x\(height) dark at \(level)" }
        var fileName: String { "board-\(width)x\(height)-dark-\(level == .monochrome ? "monochrome" : "256").txt" }
    }

    static let cases: [Case] = [(80, 24), (100, 30), (120, 40), (200, 50), (60, 15), (39, 9)].flatMap { size in
        [ColorLevel.xterm256, .monochrome].map { Case(width: size.0, height: size.1, level: $0) }
    }

    static var folder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("StyleGoldens")
    }

    /// The legend, then one row of letters per screen row.
    static func styleText(_ buffer: ScreenBuffer, palette: [StyleRole: ResolvedStyle]) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var looks: [ResolvedStyle: Character] = [:]
        var legend: [String] = []
        var rows: [String] = []
        for y in 0..<buffer.height {
            var row = ""
            for x in 0..<buffer.width {
                let style = buffer[x, y].style
                let look = (palette[style.role] ?? .plain).adding(style)
                if looks[look] == nil {
                    let letter = legend.count < letters.count ? letters[legend.count] : "?"
                    looks[look] = letter
                    legend.append("\(letter) = \(look.description)")
                }
                row.append(looks[look]!)
            }
            rows.append(row)
        }
        return (legend + ["--"] + rows).joined(separator: "\n") + "\n"
    }

    @Test(arguments: cases)
    func boardLooksAsRecorded(_ golden: Case) throws {
        let theme = try Theme.builtIn("dark")
        let buffer = BoardFixture.render(BoardFixture.state(width: golden.width, height: golden.height), glyphs: .utf8)
        let actual = Self.styleText(buffer, palette: theme.palette(at: golden.level))
        let file = Self.folder.appendingPathComponent(golden.fileName)
        let recording = ProcessInfo.processInfo.environment["BACKUPBOARD_RECORD_GOLDENS"] == "1"
        guard !recording, let expected = try? String(contentsOf: file, encoding: .utf8) else {
            try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
            Issue.record("recorded \(file.path): review it, then run the tests again")
            return
        }
        let expectedRows = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualRows = actual.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(actualRows.count == expectedRows.count)
        for (index, pair) in zip(actualRows, expectedRows).enumerated() {
            #expect(pair.0 == pair.1, "line \(index + 1) of \(golden.fileName)")
        }
    }

    @Test func severitiesAndStatesLookDifferentAtAGlance() throws {
        // The header counts and the alert log's severities, under the colour theme: four severities, four looks.
        let palette = try Theme.builtIn("dark").palette(at: .xterm256)
        let severities: [StyleRole] = [.info, .warning, .critical, .emergency]
        #expect(Set(severities.map { palette[$0]! }).count == 4)
        let states: [StyleRole] = [.ok, .warn, .fail, .running, .paused]
        #expect(Set(states.map { palette[$0]! }).count == states.count)
    }
}
