import ArgumentParser

/// The URL a backup script pings.
enum PingURL {
    /// Where `serve` listens by default.
    static let defaultServer = "http://127.0.0.1:8470"

    /// `SERVER/heartbeat/KEY`.
    static func url(server: String, key: String) -> String {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        return "\(base)/heartbeat/\(key)"
    }
}

/// `--ping-base URL`: the base of the ping URLs `jobs add`, `jobs url` and `jobs apply` print — where scripts
/// reach the server, which need not be the `--server` a command manages jobs through.
struct PingBaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The base URL scripts reach the server at, printed in ping URLs.", valueName: "url"))
    var pingBase = PingURL.defaultServer

    /// `PING-BASE/heartbeat/KEY`.
    func url(key: String) -> String { PingURL.url(server: pingBase, key: key) }
}
