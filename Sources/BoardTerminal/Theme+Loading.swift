import BoardModel
import Foundation

/// Finding theme files: by path, by name in the theme folders, or among the themes built into the binary.
extension Theme {
    /// The themes compiled into the binary (from `themes/*.toml`), so an installed binary needs no folder.
    package static var builtInNames: [String] { EmbeddedThemes.files.keys.sorted() }

    /// The default theme as built into the binary; it always parses (a test says so).
    static var builtInDefault: Theme {
        (try? builtIn(defaultName)) ?? Theme(name: defaultName, summary: "", entries: [:])
    }

    /// A theme built into the binary.
    static func builtIn(_ name: String) throws(ThemeError) -> Theme {
        guard let text = EmbeddedThemes.files[name] else {
            throw ThemeError(file: name, "no built-in theme named '\(name)' (themes: \(builtInNames.joined(separator: ", ")))")
        }
        return try parse(text, name: name, file: "built-in theme \(name)")
    }

    /// The folders searched for `NAME.toml`, in order: each folder in `$BACKUPBOARD_THEMES`
    /// (colon-separated), then `themes/` in the package the executable was built in, if it was.
    static func searchFolders(environment: [String: String], executable: URL?) -> [URL] {
        var folders = (environment["BACKUPBOARD_THEMES"] ?? "")
            .split(separator: ":").map { URL(fileURLWithPath: DataPaths.expandingTilde(String($0))) }
        if let root = executable.flatMap(packageRoot(above:)) {
            folders.append(root.appendingPathComponent("themes"))
        }
        return folders
    }

    /// The nearest folder above `executable` that holds both `Package.swift` and `themes/`:
    /// `.build/debug/backupboard` runs with the working tree's themes, so edits show without a rebuild.
    static func packageRoot(above executable: URL) -> URL? {
        var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        let files = FileManager.default
        while folder.path != "/" && !folder.path.isEmpty {
            if files.fileExists(atPath: folder.appendingPathComponent("Package.swift").path),
               files.fileExists(atPath: folder.appendingPathComponent("themes").path) {
                return folder
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// The theme `nameOrPath` names: a file path (it contains `/` or ends in `.toml`), else a name
    /// looked up in `searchFolders`, then among the built-in themes.
    static func load(
        _ nameOrPath: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL
    ) throws(ThemeError) -> Theme {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            return try read(file: DataPaths.expandingTilde(nameOrPath), shownAs: nameOrPath)
        }
        for folder in searchFolders(environment: environment, executable: executable) {
            let file = folder.appendingPathComponent("\(nameOrPath).toml")
            if FileManager.default.fileExists(atPath: file.path) {
                return try read(file: file.path, shownAs: file.path)
            }
        }
        if EmbeddedThemes.files[nameOrPath] != nil { return try builtIn(nameOrPath) }
        var message = "no theme named '\(nameOrPath)' (themes: \(builtInNames.joined(separator: ", "))"
        message += "; or give a path to a .toml file)"
        if let guess = closestMatch(to: nameOrPath, among: builtInNames) { message = "did you mean '\(guess)'? " + message }
        throw ThemeError(file: nameOrPath, message)
    }

    /// The theme `nameOrPath` names (the default when nil), or the default theme and a note saying
    /// why when it cannot be used: the board shows the note and carries on.
    package static func loadOrDefault(
        _ nameOrPath: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL
    ) -> (theme: Theme, note: String?) {
        let requested = nameOrPath ?? defaultName
        do {
            return (try load(requested, environment: environment, executable: executable), nil)
        } catch {
            let fallback = requested == defaultName ? builtInDefault
                : ((try? load(defaultName, environment: environment, executable: executable)) ?? builtInDefault)
            return (fallback, "\(error)\nusing the \(defaultName) theme instead")
        }
    }

    /// The themes `t` cycles through, read once when the board starts: each built-in name as
    /// `loadOrDefault` finds it (a theme folder's file first), and `current` in its place, or first when it
    /// is not among them (a theme file given by path).
    package static func cycle(
        startingWith current: Theme,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL
    ) -> [Theme] {
        var themes = builtInNames.map { name in
            name == current.name ? current : loadOrDefault(name, environment: environment, executable: executable).theme
        }
        if !themes.contains(where: { $0.name == current.name }) { themes.insert(current, at: 0) }
        return themes
    }

    /// The theme after `current` in `themes`, round.
    package static func next(after current: Theme, in themes: [Theme]) -> Theme {
        guard !themes.isEmpty else { return current }
        let index = themes.firstIndex { $0.name == current.name } ?? -1
        return themes[(index + 1) % themes.count]
    }

    private static func read(file path: String, shownAs shown: String) throws(ThemeError) -> Theme {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ThemeError(file: shown, "cannot read the theme file: \((error as NSError).localizedDescription)")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, name: name, file: shown)
    }
}
