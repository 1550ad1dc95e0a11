import ArgumentParser
import BoardClient
import BoardModel

/// `--db PATH|URL` or `--server URL` (with `--token-file`): where a `jobs` command finds the jobs — the
/// database itself, or a running `serve` through its jobs API (docs/api.md), with the same output either way.
struct JobsTarget: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var remote: ServerOptions

    func validate() throws {
        if database.path != nil, remote.server != nil {
            throw ValidationError("Give --db or --server, not both: one is the database, the other a server in front of it.")
        }
    }

    /// The server's client when `--server` is given, writes signed by `signature`.
    func client(signature: String? = nil) throws -> BoardAPIClient? {
        try remote.client(signature: signature)
    }
}
