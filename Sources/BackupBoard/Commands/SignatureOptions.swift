import ArgumentParser
import Foundation

/// `--as NAME`: who acknowledgements, mutes and changes to jobs are signed by, shared by the board and the
/// `mute`, `ack` and `jobs` commands.
struct SignatureOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: ArgumentHelp("Who acknowledgements, mutes and job changes are signed by (default: $USER@host).", valueName: "name"))
    var who: String?

    /// `--as`, else `$USER@host`.
    var signature: String {
        if let who, !who.isEmpty { return who }
        let user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }
}
