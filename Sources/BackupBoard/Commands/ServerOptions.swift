import ArgumentParser
import BoardClient
import BoardModel
import BoardServe
import Foundation

/// `--server URL` and `--token-file PATH`: use a running `backupboard serve` through its JSON API instead of
/// the local database (`status`, the board, `jobs`). The token comes from the file or `BACKUPBOARD_TOKEN`, never from
/// the command line, which `ps` shows (docs/architecture.md §9).
struct ServerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Use a running `backupboard serve` instead of the database, such as http://127.0.0.1:8470.", valueName: "url"))
    var server: String?

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp("A file holding the API token for --server (else $BACKUPBOARD_TOKEN).", valueName: "path"))
    var tokenFile: String?

    func validate() throws {
        if let server, Self.url(server) == nil {
            throw ValidationError("--server must be an http:// or https:// URL such as http://127.0.0.1:8470, not '\(server)'.")
        }
        if tokenFile != nil && server == nil { throw ValidationError("--token-file goes with --server.") }
    }

    /// The base URL of `--server`, when given.
    var url: URL? { server.flatMap(Self.url) }

    /// A client of `--server` with its token, signing writes with `signature`; nil without `--server`.
    func client(signature: String? = nil) throws -> BoardAPIClient? {
        guard let url else { return nil }
        return BoardAPIClient(server: url, token: try token(), signature: signature)
    }

    /// `text` as a base URL without a trailing slash, if it is an http(s) URL with a host.
    static func url(_ text: String) -> URL? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
        else { return nil }
        return url
    }

    /// The token: the token file's first line, else `BACKUPBOARD_TOKEN`.
    func token(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let tokenFile {
            let path = DataPaths.expandingTilde(tokenFile)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw BoardAPIClient.Failure(description: "Cannot read the token file \(path).")
            }
            let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !token.isEmpty else { throw BoardAPIClient.Failure(description: "The token file \(path) is empty.") }
            return token
        }
        let token = environment[ServeConfiguration.tokenVariable]?.trimmingCharacters(in: .whitespaces) ?? ""
        return token.isEmpty ? nil : token
    }
}
