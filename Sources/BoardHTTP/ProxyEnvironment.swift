import AsyncHTTPClient
import Foundation

/// The proxies the environment names, read as libcurl read them (docs/architecture.md §11): `http_proxy` for
/// `http://` URLs (lower case only, as curl: `HTTP_PROXY` can be set by a CGI request's `Proxy:` header),
/// `https_proxy` or `HTTPS_PROXY` for `https://`, `all_proxy` or `ALL_PROXY` for either when its own is unset,
/// and `no_proxy` or `NO_PROXY` for the hosts that are reached directly.
package struct ProxyEnvironment: Sendable, Equatable {
    /// A proxy a variable names: host, port and, from `user:password@`, basic authorization.
    package struct Proxy: Sendable, Hashable {
        package var host: String
        package var port: Int
        package var socks = false
        package var user: String?
        package var password: String?
    }

    /// Why a proxy variable cannot be used, in one sentence.
    package struct Invalid: Error, Equatable, CustomStringConvertible {
        package let description: String
    }

    var http: Result<Proxy, Invalid>?
    var https: Result<Proxy, Invalid>?
    /// `no_proxy`'s entries, lower-cased, without a leading dot.
    var bypass: [String] = []

    package init(_ environment: [String: String]) {
        func value(_ names: String...) -> (name: String, value: String)? {
            for name in names {
                if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return (name, value) }
            }
            return nil
        }
        let all = value("all_proxy", "ALL_PROXY")
        http = (value("http_proxy") ?? all).map { Self.parse($0.value, variable: $0.name) }
        https = (value("https_proxy", "HTTPS_PROXY") ?? all).map { Self.parse($0.value, variable: $0.name) }
        bypass = (value("no_proxy", "NO_PROXY")?.value ?? "")
            .split(whereSeparator: { $0 == "," || $0 == " " })
            .map { $0.lowercased().drop(while: { $0 == "." }) }
            .filter { !$0.isEmpty }
            .map(String.init)
    }

    /// The proxy for `url`, nil when it is reached directly; throws when the variable for its scheme is unusable.
    package func proxy(for url: URL) throws(Invalid) -> Proxy? {
        let chosen = url.scheme?.lowercased() == "https" ? https : http
        guard let chosen, let host = url.host?.lowercased(), !bypasses(host) else { return nil }
        return try chosen.get()
    }

    /// Whether `no_proxy` names `host`: `*`, the host itself, a domain it is in, or (IPv4) a network it is in.
    func bypasses(_ host: String) -> Bool {
        let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bypass.contains { entry in
            if entry == "*" || entry == host || host.hasSuffix("." + entry) { return true }
            return Self.address(host, isIn: entry)
        }
    }

    /// `host` as an IPv4 address inside `entry` as `A.B.C.D/BITS`.
    private static func address(_ host: String, isIn entry: String) -> Bool {
        let parts = entry.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits),
              let network = ipv4(parts[0]), let address = ipv4(Substring(host)) else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return network & mask == address & mask
    }

    private static func ipv4(_ text: Substring) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        return octets.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// `[scheme://][user:password@]host[:port][/]`, curl's form: no scheme is `http://`, no port is 1080.
    static func parse(_ text: String, variable: String) -> Result<Proxy, Invalid> {
        let written = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: written), let host = components.host, !host.isEmpty else {
            return .failure(Invalid(description: "\(variable) is not a proxy URL: \(text)"))
        }
        if let port = components.port, !(1...65535).contains(port) {
            return .failure(Invalid(description: "\(variable) names port \(port), which is not a TCP port (1 to 65535)"))
        }
        let scheme = components.scheme?.lowercased() ?? "http"
        guard ["http", "socks5", "socks5h"].contains(scheme) else {
            return .failure(Invalid(description: "\(variable) names a \(scheme):// proxy; BackupBoard speaks to http:// and socks5:// proxies"))
        }
        return .success(Proxy(
            host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: components.port ?? 1080,
            socks: scheme != "http", user: components.percentEncodedUser?.removingPercentEncoding,
            password: components.percentEncodedPassword?.removingPercentEncoding))
    }
}

extension ProxyEnvironment.Proxy {
    /// As AsyncHTTPClient's configuration: it tunnels through an HTTP proxy with `CONNECT`, for `http://` too.
    var configuration: HTTPClient.Configuration.Proxy {
        if socks { return .socksServer(host: host, port: port) }
        let authorization = user.map { HTTPClient.Authorization.basic(username: $0, password: password ?? "") }
        return .server(host: host, port: port, authorization: authorization)
    }
}
