import ArgumentParser
import Foundation

/// `--db PATH`, shared by every command that reads or writes the local database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The SQLite database.",
            discussion: "Default: $BACKUPBOARD_DB, else $XDG_DATA_HOME/backupboard/board.sqlite (XDG_DATA_HOME defaults to ~/.local/share).",
            valueName: "path"
        )
    )
    var path: String?

    /// The path given, else the default of docs/architecture.md §1.
    var resolvedPath: String {
        path.map(Self.expandTilde) ?? Self.defaultPath()
    }

    /// `$BACKUPBOARD_DB`, else `$XDG_DATA_HOME/backupboard/<file>`, else `~/.local/share/backupboard/<file>`.
    static func defaultPath(
        file: String = "board.sqlite", environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if file == "board.sqlite", let explicit = environment["BACKUPBOARD_DB"], !explicit.isEmpty {
            return expandTilde(explicit)
        }
        return dataDirectory(environment: environment) + "/" + file
    }

    /// `$XDG_DATA_HOME/backupboard`, else `~/.local/share/backupboard`.
    static func dataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return expandTilde(xdg) + "/backupboard"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/backupboard"
    }

    static func expandTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }
}
