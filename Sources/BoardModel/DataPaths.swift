import Foundation

/// Where BackupBoard keeps its files by default (docs/architecture.md §1), and `~` in paths a user wrote.
/// Reads only the environment it is given.
public enum DataPaths {
    /// `$BACKUPBOARD_DB`, else `$XDG_DATA_HOME/backupboard/<file>`, else `~/.local/share/backupboard/<file>`.
    public static func defaultDatabase(
        file: String = "board.sqlite", environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if file == "board.sqlite", let explicit = environment["BACKUPBOARD_DB"], !explicit.isEmpty {
            return expandingTilde(explicit, environment: environment)
        }
        return dataDirectory(environment: environment) + "/" + file
    }

    /// `$XDG_DATA_HOME/backupboard`, else `~/.local/share/backupboard`.
    public static func dataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return expandingTilde(xdg, environment: environment) + "/backupboard"
        }
        return home(environment) + "/.local/share/backupboard"
    }

    /// `path` with a leading `~` (alone or before `/`) replaced by the home folder.
    public static func expandingTilde(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return home(environment) + path.dropFirst()
    }

    private static func home(_ environment: [String: String]) -> String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }
}
