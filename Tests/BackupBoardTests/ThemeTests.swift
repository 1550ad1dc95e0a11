@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import Foundation
import Testing

@Suite struct ThemeTests {
    static let shipped = ["colorblind", "dark", "high-contrast", "light", "monochrome", "solarized-dark"]

    /// The package's `themes/` folder.
    static var themesFolder: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("themes")
    }

    @Test func sixThemesShipInTheFolderAndInTheBinary() throws {
        #expect(Theme.builtInNames == Self.shipped)
        for name in Self.shipped {
            let file = Self.themesFolder.appendingPathComponent("\(name).toml")
            #expect(try String(contentsOf: file, encoding: .utf8) == EmbeddedThemes.files[name], "\(name) embedded as written")
            let theme = try Theme.builtIn(name)
            #expect(theme.name == name)
            #expect(!theme.summary.isEmpty)
            #expect(Set(theme.entries.keys) == Set(StyleRole.allCases), "\(name) defines every role")
        }
    }

    @Test(arguments: shipped)
    func shippedThemesKeepTextReadableAtEveryLevel(name: String) throws {
        let theme = try Theme.builtIn(name)
        for level in ColorLevel.allCases {
            for (role, style) in theme.palette(at: level) where style.foreground != .terminalDefault {
                #expect(style.foreground != style.background, "\(name) \(role) at \(level)")
            }
        }
        // Failure must stand out even with no colour at all.
        #expect(theme.style(for: .fail, at: .monochrome).attributes.contains(.reverse))
        #expect(theme.style(for: .selection, at: .monochrome).attributes.contains(.reverse))
    }

    @Test func colorblindThemeNeverUsesGreenOrRed() throws {
        let theme = try Theme.builtIn("colorblind")
        let greens: Set<ThemeColor> = [.index(2), .index(10)]
        for level in ColorLevel.allCases {
            for (role, style) in theme.palette(at: level) {
                #expect(!greens.contains(style.foreground) && !greens.contains(style.background), "\(role) at \(level)")
            }
        }
        #expect(theme.style(for: .ok, at: .xterm256).foreground == .index(39))
        #expect(theme.style(for: .fail, at: .xterm256).foreground == .index(208))
    }

    // MARK: The ladder

    @Test func ladderPicksEachRung() throws {
        let theme = try Theme.parse("""
            [roles]
            fail = { fg = 196, fg16 = "bright-red", fg8 = "red", bg = 16, attrs = ["bold"], mono = ["bold", "reverse"] }
            """, name: "t", file: "t.toml")
        #expect(theme.style(for: .fail, at: .xterm256) == ResolvedStyle(foreground: .index(196), background: .index(16), attributes: [.bold]))
        #expect(theme.style(for: .fail, at: .ansi16) == ResolvedStyle(foreground: .index(9), background: .index(0), attributes: [.bold]))
        #expect(theme.style(for: .fail, at: .ansi8) == ResolvedStyle(foreground: .index(1), background: .index(0), attributes: [.bold]))
        #expect(theme.style(for: .fail, at: .monochrome) == ResolvedStyle(foreground: .terminalDefault, background: .terminalDefault, attributes: [.bold, .reverse]))
    }

    @Test func missingRungsComeFromAboveConvertedOrFromBelowAsTheyAre() throws {
        let theme = try Theme.parse("""
            [roles]
            warn = { fg = 208 }
            ok = { fg8 = "green", attrs = ["underline"] }
            stale = { fg16 = "bright-magenta" }
            """, name: "t", file: "t.toml")
        // 208 (orange) turns into the nearest of the 16, then of the 8: yellow, by xterm's palette.
        #expect(theme.style(for: .warn, at: .ansi16).foreground == .index(3))
        #expect(theme.style(for: .warn, at: .ansi8).foreground == .index(3))
        // Only the 8-colour rung given: used at every colour level.
        #expect(theme.style(for: .ok, at: .xterm256).foreground == .index(2))
        #expect(theme.style(for: .ok, at: .ansi16).foreground == .index(2))
        // Without `mono`, the attributes stay.
        #expect(theme.style(for: .ok, at: .monochrome).attributes == [.underline])
        // A bright colour folds to its plain form on 8 colours.
        #expect(theme.style(for: .stale, at: .ansi8).foreground == .index(5))
        #expect(theme.style(for: .stale, at: .xterm256).foreground == .index(13))
        // Roles left out look like normal (here: plain).
        #expect(theme.style(for: .banner, at: .xterm256) == .plain)
    }

    @Test func levelFollowsTheTerminalsColoursAndNoColor() {
        #expect(ColorLevel.detect(colors: 256, noColor: false) == .xterm256)
        #expect(ColorLevel.detect(colors: 16_777_216, noColor: false) == .xterm256)
        #expect(ColorLevel.detect(colors: 88, noColor: false) == .ansi16)
        #expect(ColorLevel.detect(colors: 16, noColor: false) == .ansi16)
        #expect(ColorLevel.detect(colors: 8, noColor: false) == .ansi8)
        #expect(ColorLevel.detect(colors: 0, noColor: false) == .monochrome)
        #expect(ColorLevel.detect(colors: 256, noColor: true) == .monochrome)
        #expect(ColorLevel.noColorRequested(["NO_COLOR": "1"]))
        #expect(!ColorLevel.noColorRequested(["NO_COLOR": ""]), "set but empty does not count (no-color.org)")
        #expect(!ColorLevel.noColorRequested([:]))
    }

    @Test func noColorLeavesOnlyAttributes() throws {
        let theme = try Theme.builtIn("dark")
        let level = ColorLevel.detect(colors: 256, noColor: ColorLevel.noColorRequested(["NO_COLOR": "yes"]))
        for (_, style) in theme.palette(at: level) {
            #expect(style.foreground == .terminalDefault && style.background == .terminalDefault)
        }
        #expect(theme.style(for: .fail, at: level).attributes == [.bold, .reverse])
    }

    @Test func nearestColours() {
        #expect(ThemeColor.index(196).nearest(within: 16) == .index(9))
        #expect(ThemeColor.index(46).nearest(within: 16) == .index(10))
        #expect(ThemeColor.index(21).nearest(within: 16) == .index(4))
        #expect(ThemeColor.index(63).nearest(within: 16) == .index(12))
        #expect(ThemeColor.index(232).nearest(within: 16) == .index(0))
        #expect(ThemeColor.index(255).nearest(within: 16) == .index(7))
        #expect(ThemeColor.index(231).nearest(within: 16) == .index(15))
        #expect(ThemeColor.index(12).nearest(within: 8) == .index(4))
        #expect(ThemeColor.index(3).nearest(within: 8) == .index(3))
        #expect(ThemeColor.terminalDefault.nearest(within: 8) == .terminalDefault)
    }

    // MARK: Broken files

    @Test func problemsNameTheFileAndLine() {
        let text = """
            name = "mine"

            [roles]
            ok = { fg = 34 }
            fail = { fg = "redd" }
            warn = { fg16 = 200 }

            [roles.stale]
            fg8 = "bright-red"
            attrs = ["blink"]

            [roles.selction]
            fg = 1
            """
        #expect(throws: ThemeError.self) { try Theme.parse(text, name: "mine", file: "themes/mine.toml") }
        do {
            _ = try Theme.parse(text, name: "mine", file: "themes/mine.toml")
        } catch {
            #expect(error.description == """
                themes/mine.toml:5: unknown colour 'redd' for fail.fg (did you mean 'red'?)
                themes/mine.toml:6: warn.fg16 = 200 is out of range: fg16 takes 0–15 or a colour name
                themes/mine.toml:9: stale.fg8 = "bright-red" is not one of the 8 basic colours: fg8 is for 8-colour terminals
                themes/mine.toml:10: unknown attribute 'blink' in stale.attrs (attributes: bold, dim, underline, reverse, italic, standout)
                themes/mine.toml:12: unknown role 'selction' (did you mean 'selection'?)
                """)
        }
    }

    @Test func syntaxErrorsNameTheLine() {
        do {
            _ = try Theme.parse("[roles]\nok = { fg = 2 }\nfail = { fg = \n", name: "x", file: "x.toml")
            Issue.record("a broken file parsed")
        } catch {
            #expect(error.file == "x.toml")
            #expect(error.problems.first?.line == 3)
            #expect(error.description.hasPrefix("x.toml:3: not valid TOML"))
        }
    }

    @Test func brokenThemeFileFallsBackToTheDefaultWithAMessage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("broken.toml")
        try "[roles]\n\nok = { fg = 300 }\n".write(to: file, atomically: true, encoding: .utf8)

        let byPath = Theme.loadOrDefault(file.path, environment: [:], executable: nil)
        #expect(byPath.theme == (try Theme.builtIn("dark")))
        #expect(byPath.note == "\(file.path):3: ok.fg = 300 is out of range: fg takes 0–255 or a colour name\nusing the dark theme instead")

        let byName = Theme.loadOrDefault("broken", environment: ["BACKUPBOARD_THEMES": folder.path], executable: nil)
        #expect(byName.theme.name == "dark")
        #expect(byName.note?.hasPrefix("\(file.path):3: ") == true)
    }

    @Test func namesResolveInTheThemesFoldersThenTheBinary() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "name = \"mine\"\n[roles]\nok = { fg = 34 }\n".write(
            to: folder.appendingPathComponent("light.toml"), atomically: true, encoding: .utf8)

        // $BACKUPBOARD_THEMES comes first, so a user's copy wins over the shipped one.
        let overridden = try Theme.load("light", environment: ["BACKUPBOARD_THEMES": folder.path], executable: nil)
        #expect(overridden.name == "mine")
        // No folder at all: the themes built into the binary.
        #expect(try Theme.load("solarized-dark", environment: [:], executable: nil).name == "solarized-dark")
        // The package root above a build's executable.
        let executable = Self.themesFolder.deletingLastPathComponent().appendingPathComponent(".build/debug/backupboard")
        #expect(Theme.packageRoot(above: executable)?.appendingPathComponent("themes").standardizedFileURL == Self.themesFolder.standardizedFileURL)
        #expect(Theme.packageRoot(above: URL(fileURLWithPath: "/usr/local/bin/backupboard")) == nil)

        #expect(throws: ThemeError.self) { try Theme.load("drak", environment: [:], executable: nil) }
        let unknown = Theme.loadOrDefault("drak", environment: [:], executable: nil)
        #expect(unknown.theme.name == "dark")
        #expect(unknown.note?.hasPrefix("drak: did you mean 'dark'? no theme named 'drak'") == true)
        #expect(Theme.loadOrDefault(nil, environment: [:], executable: nil).note == nil)
    }

    @Test func theThemeKeyCyclesThroughThemesReadWhenTheBoardStarts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "name = \"mine\"\n[roles]\nok = { fg = 34 }\n".write(
            to: folder.appendingPathComponent("light.toml"), atomically: true, encoding: .utf8)
        let dark = try Theme.builtIn("dark")
        let themes = Theme.cycle(startingWith: dark, environment: ["BACKUPBOARD_THEMES": folder.path], executable: nil)
        // The folder is gone by the time `t` is pressed: the cycle no longer needs it.
        try FileManager.default.removeItem(at: folder)
        #expect(themes.count == Theme.builtInNames.count)
        var theme = dark
        var seen: [String] = []
        for _ in themes {
            theme = Theme.next(after: theme, in: themes)
            seen.append(theme.name)
        }
        #expect(seen.last == "dark", "round")
        #expect(seen.contains("mine"), "the folder's copy of light, read at the start")
        #expect(Set(seen).count == themes.count)
        // A theme given by path is not among the built-in names: it leads the cycle.
        let custom = Theme(name: "custom", summary: "", entries: [:])
        let withCustom = Theme.cycle(startingWith: custom, environment: [:], executable: nil)
        #expect(withCustom.first?.name == "custom" && withCustom.count == Theme.builtInNames.count + 1)
        #expect(Theme.next(after: custom, in: withCustom).name == withCustom[1].name)
    }
}
