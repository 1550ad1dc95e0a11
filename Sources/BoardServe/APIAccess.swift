import BoardModel
import Foundation

/// Who may use the JSON API (docs/architecture.md §9). Pure: the decision depends only on the configured tokens
/// and the request's method class, `Authorization` header and proxy headers.
///
/// - No token configured: the API is read-only (every write is 403) and answers only direct requests: one
///   that carries `X-Forwarded-For` or `Forwarded` came through a proxy, from who knows where, and is 403 —
///   even from a `--trusted-proxy`, which only decides whose forwarded address is believed (for logs and
///   heartbeat sources), never who may read.
/// - Tokens configured: `Authorization: Bearer TOKEN` is required, proxied or not. No or an unknown token is
///   401; a read-only token may read, and trying to write with one is 403; an admin token may do both.
///
/// Tokens are compared as SHA-256 digests in constant time, against every configured token, so neither the
/// length of a match nor which token matched shows in the timing.
struct APIAccess: Sendable {
    enum Need: Sendable {
        case read, write
    }

    enum Decision: Sendable, Equatable {
        case allowed
        /// 401 or 403, with a sentence for the `error` field.
        case refused(status: Int, message: String)
    }

    private let adminDigests: [[UInt8]]
    private let readOnlyDigests: [[UInt8]]

    init(adminTokens: [String], readOnlyTokens: [String]) {
        adminDigests = adminTokens.map { SHA256.digest(of: $0) }
        readOnlyDigests = readOnlyTokens.map { SHA256.digest(of: $0) }
    }

    init(_ configuration: ServeConfiguration) {
        self.init(adminTokens: configuration.adminTokens, readOnlyTokens: configuration.readOnlyTokens)
    }

    /// Whether any token is configured.
    var requiresTokens: Bool { !adminDigests.isEmpty || !readOnlyDigests.isEmpty }

    func decide(_ need: Need, authorization: String?, proxied: Bool) -> Decision {
        guard requiresTokens else {
            if proxied {
                return .refused(
                    status: 403,
                    message: "this server has no API token configured, so its JSON API answers only direct requests, "
                        + "not ones through a proxy (X-Forwarded-For or Forwarded); configure [tokens] or BACKUPBOARD_TOKEN")
            }
            if need == .write {
                return .refused(
                    status: 403,
                    message: "the JSON API is read-only: no admin token is configured ([tokens] admin or BACKUPBOARD_TOKEN)")
            }
            return .allowed
        }
        guard let token = Self.bearerToken(authorization) else {
            return .refused(status: 401, message: "an API token is required: send Authorization: Bearer TOKEN")
        }
        let digest = SHA256.digest(of: token)
        var isAdmin = false
        var isReader = false
        for candidate in adminDigests where SHA256.constantTimeEquals(candidate, digest) { isAdmin = true }
        for candidate in readOnlyDigests where SHA256.constantTimeEquals(candidate, digest) { isReader = true }
        if isAdmin { return .allowed }
        guard isReader else { return .refused(status: 401, message: "the API token is not valid") }
        if need == .write {
            return .refused(status: 403, message: "this API token is read-only; writes need an admin token")
        }
        return .allowed
    }

    /// The name a token's writes are recorded under in the audit trail: `admin token #N`, its place among the
    /// admin tokens (`BACKUPBOARD_TOKEN` comes after the config file's), never the token itself; `no token`
    /// when none is configured or sent.
    func tokenName(authorization: String?) -> String {
        guard let token = Self.bearerToken(authorization) else { return "no token" }
        let digest = SHA256.digest(of: token)
        var name = "no token"
        for (index, candidate) in adminDigests.enumerated() where SHA256.constantTimeEquals(candidate, digest) {
            name = "admin token #\(index + 1)"
        }
        return name
    }

    /// The token of `Bearer TOKEN` (the scheme is case-insensitive), or nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
