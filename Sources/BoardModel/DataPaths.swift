import Foundation

/// Where BackupBoard keeps its files unless told otherwise (docs/architecture.md §1), and `~` in the paths a user
/// gives. Here rather than in the executable because `serve`'s config, the themes and the spool need them too.
public enum DataPaths {
    /// `path` with a leading `~` (alone or before `/`) made the home folder.
    public static func expandingTilde(
        _ path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return home(environment: environment) + path.dropFirst()
    }

    /// `$BACKUPBOARD_DB`, else `board.sqlite` in `dataDirectory`.
    public static func defaultDatabase(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["BACKUPBOARD_DB"], !explicit.isEmpty {
            return expandingTilde(explicit, environment: environment)
        }
        return dataDirectory(environment: environment) + "/board.sqlite"
    }

    /// `$XDG_DATA_HOME/backupboard`, else `~/.local/share/backupboard`: the databases.
    public static func dataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        directory(in: "XDG_DATA_HOME", else: ".local/share", environment: environment)
    }

    /// `$XDG_STATE_HOME/backupboard`, else `~/.local/state/backupboard`: the heartbeat spool.
    public static func stateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        directory(in: "XDG_STATE_HOME", else: ".local/state", environment: environment)
    }

    /// `backupboard` in the folder the XDG `variable` names, else in `fallback` under the home folder.
    private static func directory(in variable: String, else fallback: String, environment: [String: String]) -> String {
        if let base = environment[variable], !base.isEmpty {
            return expandingTilde(base, environment: environment) + "/backupboard"
        }
        return home(environment: environment) + "/" + fallback + "/backupboard"
    }

    private static func home(environment: [String: String]) -> String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }
}
