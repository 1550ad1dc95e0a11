import BoardModel
import TOMLKit

/// How many colours a terminal shows: the rungs of a theme's fallback ladder, best last.
package enum ColorLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case monochrome, ansi8, ansi16, xterm256

    /// The rung for a terminal reporting `colors` (curses' `COLORS`; 0 without colour support).
    /// `NO_COLOR` (set and non-empty, see no-color.org) means attributes only.
    static func detect(colors: Int, noColor: Bool) -> ColorLevel {
        if noColor { return .monochrome }
        switch colors {
        case 256...: return .xterm256
        case 16...: return .ansi16
        case 8...: return .ansi8
        default: return .monochrome
        }
    }

    /// Whether `NO_COLOR` asks for no colour in `environment`.
    static func noColorRequested(_ environment: [String: String]) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }

    package static func < (lhs: ColorLevel, rhs: ColorLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    package var description: String {
        switch self {
        case .monochrome: "monochrome"
        case .ansi8: "8 colours"
        case .ansi16: "16 colours"
        case .xterm256: "256 colours"
        }
    }
}

/// A colour as a theme names it: the terminal's own default, or an index in the xterm palette
/// (0–7 the ANSI colours, 8–15 their bright forms, 16–255 the colour cube and grey ramp).
enum ThemeColor: Sendable, Hashable, CustomStringConvertible {
    case terminalDefault
    case index(Int)

    /// The 16 ANSI names, by palette index.
    static let ansiNames = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow",
        "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    /// Every name a theme may use, with aliases.
    static let names: [String: ThemeColor] = {
        var names = ["default": ThemeColor.terminalDefault, "gray": .index(8), "grey": .index(8)]
        for (index, name) in ansiNames.enumerated() { names[name] = .index(index) }
        return names
    }()

    var description: String {
        switch self {
        case .terminalDefault: "default"
        case .index(let index) where index < 16: ThemeColor.ansiNames[index]
        case .index(let index): String(index)
        }
    }

    /// The nearest colour among the first `count` palette entries (16 or 8), by the xterm defaults.
    func nearest(within count: Int) -> ThemeColor {
        guard case .index(let index) = self, index >= count else { return self }
        if count == 8, index < 16 { return .index(index - 8) }
        let target = Self.rgb(index)
        let candidates = count == 8 ? Array(0..<8) : Array(0..<16)
        let best = candidates.min { Self.distance(Self.rgb($0), target) < Self.distance(Self.rgb($1), target) } ?? 7
        return .index(best)
    }

    /// xterm's default RGB for a palette index.
    static func rgb(_ index: Int) -> (Int, Int, Int) {
        let ansi: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        switch index {
        case 0..<16:
            return ansi[index]
        case 16..<232:
            let steps = [0, 95, 135, 175, 215, 255]
            let cube = index - 16
            return (steps[cube / 36], steps[(cube / 6) % 6], steps[cube % 6])
        default:
            let level = 8 + (index - 232) * 10
            return (level, level, level)
        }
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        // Weighted towards green, as the eye is: keeps oranges from turning into greys.
        let (dr, dg, db) = (a.0 - b.0, a.1 - b.1, a.2 - b.2)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}

/// A text attribute a theme can ask for.
enum TextAttribute: String, Sendable, Hashable, CaseIterable {
    case bold, dim, underline, reverse, italic, standout
}

/// One role's entry in a theme: colours for each rung of the ladder, and attributes.
struct ThemeEntry: Sendable, Equatable {
    var foreground: [ColorLevel: ThemeColor] = [:]
    var background: [ColorLevel: ThemeColor] = [:]
    /// Attributes at every rung.
    var attributes: Set<TextAttribute> = []
    /// Attributes that replace `attributes` when there is no colour at all; nil keeps `attributes`.
    var monochromeAttributes: Set<TextAttribute>?

    /// The colour for `level`: the rung's own, else the nearest rung above converted down, else the
    /// nearest rung below as it is, else the terminal's default.
    /// (Not optimised: Swift 6.3.1's -O pipeline crashes on it, SIL verification before OwnershipModelEliminator.)
    @_optimize(none)
    static func color(_ rungs: [ColorLevel: ThemeColor], at level: ColorLevel) -> ThemeColor {
        guard level != .monochrome else { return .terminalDefault }
        if let own = rungs[level] { return own }
        let colorLevels: [ColorLevel] = [.ansi8, .ansi16, .xterm256]
        let count = level == .ansi8 ? 8 : 16
        for above in colorLevels where above > level {
            if let color = rungs[above] { return level == .xterm256 ? color : color.nearest(within: count) }
        }
        for below in colorLevels.reversed() where below < level {
            if let color = rungs[below] { return color }
        }
        return .terminalDefault
    }
}

/// What a role looks like on one terminal: the theme's entry resolved at the terminal's colour level.
struct ResolvedStyle: Sendable, Hashable {
    var foreground: ThemeColor
    var background: ThemeColor
    var attributes: Set<TextAttribute>

    static let plain = ResolvedStyle(foreground: .terminalDefault, background: .terminalDefault, attributes: [])

    /// The look of a cell drawn in `style`: its role's look with the cell's own emphasis added.
    func adding(_ style: Style) -> ResolvedStyle {
        var look = self
        if style.bold { look.attributes.insert(.bold) }
        if style.reverse { look.attributes.insert(.reverse) }
        if style.underline { look.attributes.insert(.underline) }
        return look
    }

    /// `203 on default, bold`: for golden files and notes.
    var description: String {
        let attributes = TextAttribute.allCases.filter(self.attributes.contains).map(\.rawValue)
        return "\(foreground) on \(background)" + (attributes.isEmpty ? "" : ", " + attributes.joined(separator: " "))
    }
}

/// A board theme: for every `StyleRole`, what it looks like at each colour level.
///
/// Themes are TOML files (see `themes/README.md`); `Theme+Loading.swift` finds and reads them.
package struct Theme: Sendable, Equatable {
    /// The theme used when none is asked for, or when the one asked for cannot be read.
    package static let defaultName = "dark"

    package var name: String
    var summary: String
    var entries: [StyleRole: ThemeEntry]

    /// The entry for `role`; roles a theme leaves out look like `normal`.
    func entry(for role: StyleRole) -> ThemeEntry {
        entries[role] ?? entries[.normal] ?? ThemeEntry()
    }

    /// How `role` looks at `level`.
    func style(for role: StyleRole, at level: ColorLevel) -> ResolvedStyle {
        let entry = entry(for: role)
        let attributes = level == .monochrome ? (entry.monochromeAttributes ?? entry.attributes) : entry.attributes
        return ResolvedStyle(
            foreground: ThemeEntry.color(entry.foreground, at: level),
            background: ThemeEntry.color(entry.background, at: level),
            attributes: attributes)
    }

    /// Every role resolved at `level`.
    func palette(at level: ColorLevel) -> [StyleRole: ResolvedStyle] {
        Dictionary(uniqueKeysWithValues: StyleRole.allCases.map { ($0, style(for: $0, at: level)) })
    }
}

/// A theme file that cannot be used, with every problem found in it.
struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    struct Problem: Sendable, Equatable {
        var line: Int?
        var message: String
    }

    /// The file as the user named it (or `built-in NAME`).
    var file: String
    var problems: [Problem]

    init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems
    }

    init(file: String, line: Int? = nil, _ message: String) {
        self.init(file: file, problems: [Problem(line: line, message: message)])
    }

    /// `themes/mine.toml:12: unknown colour 'redd' for fail.fg (did you mean 'red'?)`, one line per problem.
    var description: String {
        problems.map { problem in
            "\(file)\(problem.line.map { ":\($0)" } ?? ""): \(problem.message)"
        }.joined(separator: "\n")
    }
}

// MARK: - Reading a theme file

extension Theme {
    /// The keys of one role's entry, and the rung each colour key belongs to.
    private static let colorKeys: [String: (background: Bool, level: ColorLevel)] = [
        "fg": (false, .xterm256), "fg16": (false, .ansi16), "fg8": (false, .ansi8),
        "bg": (true, .xterm256), "bg16": (true, .ansi16), "bg8": (true, .ansi8),
    ]
    private static let entryKeys = Array(colorKeys.keys).sorted() + ["attrs", "mono"]

    /// Reads a theme from TOML `text`; `file` names it in messages, `name` is used when the file has none.
    static func parse(_ text: String, name: String, file: String) throws(ThemeError) -> Theme {
        let source: TOMLSource
        let root: TOMLTable
        do throws(TOMLSource.Problem) {
            source = try TOMLSource(text: text)
            root = try source.table()
        } catch {
            throw ThemeError(file: file, line: error.line, "not valid TOML: \(error.message)")
        }
        var reader = Reader(locator: source.locator)
        let theme = reader.read(root, name: name)
        guard reader.problems.isEmpty else {
            let sorted = reader.problems.enumerated()
                .sorted { ($0.element.line ?? .max, $0.offset) < ($1.element.line ?? .max, $1.offset) }
                .map(\.element)
            throw ThemeError(file: file, problems: sorted)
        }
        return theme
    }

    private struct Reader {
        let locator: SourceLocator
        var problems: [ThemeError.Problem] = []

        mutating func read(_ root: TOMLTable, name fallbackName: String) -> Theme {
            var theme = Theme(name: fallbackName, summary: "", entries: [:])
            for key in root.keys.sorted() {
                guard let value = root[key] else { continue }
                switch key {
                case "name", "description":
                    guard let text = value.string else {
                        report("'\(key)' must be a string", at: [key])
                        continue
                    }
                    if key == "name" { theme.name = text } else { theme.summary = text }
                case "roles":
                    guard let roles = value.table else {
                        report("'roles' must be a table: [roles]", at: [key])
                        continue
                    }
                    theme.entries = readRoles(roles)
                default:
                    report(unknown("key", key, among: ["name", "description", "roles"]), at: [key])
                }
            }
            if root["roles"] == nil {
                report("no [roles] table: a theme maps roles such as ok and fail to colours", at: [])
            }
            return theme
        }

        private mutating func readRoles(_ table: TOMLTable) -> [StyleRole: ThemeEntry] {
            var entries: [StyleRole: ThemeEntry] = [:]
            for key in table.keys.sorted() {
                guard let value = table[key] else { continue }
                guard let role = StyleRole(rawValue: key) else {
                    report(unknown("role", key, among: StyleRole.allCases.map(\.rawValue)), at: ["roles", key])
                    continue
                }
                guard let fields = value.table else {
                    report("role '\(key)' must be a table such as { fg = 196, attrs = [\"bold\"] }", at: ["roles", key])
                    continue
                }
                entries[role] = readEntry(fields, role: key)
            }
            return entries
        }

        private mutating func readEntry(_ table: TOMLTable, role: String) -> ThemeEntry {
            var entry = ThemeEntry()
            for key in table.keys.sorted() {
                guard let value = table[key] else { continue }
                let path = ["roles", role, key]
                if let rung = Theme.colorKeys[key] {
                    guard let color = color(value, key: key, role: role, level: rung.level) else { continue }
                    if rung.background { entry.background[rung.level] = color } else { entry.foreground[rung.level] = color }
                } else if key == "attrs" || key == "mono" {
                    guard let attributes = attributes(value, key: key, role: role) else { continue }
                    if key == "attrs" { entry.attributes = attributes } else { entry.monochromeAttributes = attributes }
                } else {
                    report(unknown("key", key, in: "in role '\(role)'", among: Theme.entryKeys), at: path)
                }
            }
            return entry
        }

        private mutating func color(_ value: TOMLValueConvertible, key: String, role: String, level: ColorLevel) -> ThemeColor? {
            let path = ["roles", role, key]
            let limit = level == .xterm256 ? 256 : (level == .ansi16 ? 16 : 8)
            if let number = value.int {
                guard (0..<limit).contains(number) else {
                    report("\(role).\(key) = \(number) is out of range: \(key) takes 0–\(limit - 1) or a colour name", at: path)
                    return nil
                }
                return .index(number)
            }
            guard let text = value.string else {
                report("\(role).\(key) must be a colour name such as \"red\" or a number 0–\(limit - 1)", at: path)
                return nil
            }
            let spelled = text.lowercased().replacingOccurrences(of: "_", with: "-")
            guard let color = ThemeColor.names[spelled] else {
                report(unknown("colour", text, in: "for \(role).\(key)", among: Array(ThemeColor.names.keys)), at: path)
                return nil
            }
            if case .index(let index) = color, index >= limit {
                report("\(role).\(key) = \"\(text)\" is not one of the 8 basic colours: \(key) is for 8-colour terminals", at: path)
                return nil
            }
            return color
        }

        private mutating func attributes(_ value: TOMLValueConvertible, key: String, role: String) -> Set<TextAttribute>? {
            let path = ["roles", role, key]
            let names = TextAttribute.allCases.map(\.rawValue)
            guard let array = value.array else {
                report("\(role).\(key) must be a list such as [\"bold\", \"underline\"]", at: path)
                return nil
            }
            var attributes: Set<TextAttribute> = []
            for element in array {
                guard let text = element.string, let attribute = TextAttribute(rawValue: text.lowercased()) else {
                    let shown = element.string.map { "'\($0)'" } ?? "\(element)"
                    report("unknown attribute \(shown) in \(role).\(key) (attributes: \(names.joined(separator: ", ")))", at: path)
                    return nil
                }
                attributes.insert(attribute)
            }
            return attributes
        }

        private func unknown(_ what: String, _ word: String, in place: String? = nil, among candidates: [String]) -> String {
            var message = "unknown \(what) '\(word)'" + (place.map { " \($0)" } ?? "")
            if let guess = closestMatch(to: word, among: candidates) { message += " (did you mean '\(guess)'?)" }
            return message
        }

        private mutating func report(_ message: String, at path: [String]) {
            problems.append(ThemeError.Problem(line: path.isEmpty ? nil : locator.line(for: path), message: message))
        }
    }
}
