import ArgumentParser
import BoardClient
import BoardModel

/// `--spool DIR`: where `ping` and `run` keep the heartbeats they could not deliver, and where `spool` reads them.
struct SpoolFolderOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where undelivered heartbeats wait for the next ping or run.",
            discussion: "Default: $XDG_STATE_HOME/backupboard/spool (XDG_STATE_HOME defaults to ~/.local/state).",
            valueName: "dir"
        )
    )
    var spool: String?

    /// The spool in the folder given, else the default one.
    var folder: HeartbeatSpool {
        HeartbeatSpool(directory: spool.map { DataPaths.expandingTilde($0) } ?? HeartbeatSpool.defaultDirectory())
    }
}
