import BoardModel
import Foundation

/// Where a PostgreSQL store is: `postgres://USER@HOST:PORT/DB[?sslmode=…&sslrootcert=PATH]`
/// (docs/postgresql.md). The password never travels in the URL: it comes from `PGPASSWORD`, else the
/// password file (`PGPASSFILE` or `~/.pgpass`), else `db_password_file` of the serve configuration.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP (loopback, a private network).
        case disable
        /// TLS without checking the server's certificate.
        case require
        /// TLS, the certificate checked against `sslrootcert` and the host name.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode
    /// The CA certificate file for `verify-full`.
    public var rootCertificate: String?

    /// Whether `text` names a PostgreSQL store rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; throws `BoardError.invalidValue` with a sentence naming what is wrong.
    public init(_ text: String) throws {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw BoardError.invalidValue("Cannot read the database URL '\(Self.redacting(text))': expected postgres://USER@HOST:PORT/DB")
        }
        if components.password != nil {
            throw BoardError.invalidValue(
                "The database URL \(Self.redacting(text)) contains a password; remove it from the URL and put it in "
                    + "PGPASSWORD, in ~/.pgpass (or the file PGPASSFILE names), or in a file named by db_password_file in the serve config")
        }
        guard let user = components.user, !user.isEmpty else {
            throw BoardError.invalidValue("The database URL \(text) names no user: expected postgres://USER@HOST:PORT/DB")
        }
        guard let host = components.host, !host.isEmpty else {
            throw BoardError.invalidValue("The database URL \(text) names no host: expected postgres://USER@HOST:PORT/DB")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw BoardError.invalidValue("The database URL \(text) names no database: expected postgres://USER@HOST:PORT/DB")
        }
        self.user = user.removingPercentEncoding ?? user
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
        var tls = TLSMode.disable
        var rootCertificate: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw BoardError.invalidValue(
                        "The database URL \(text) has sslmode=\(item.value ?? ""); backupboard takes disable (the default), require or verify-full")
                }
                tls = mode
            case "sslrootcert":
                rootCertificate = item.value
            default:
                throw BoardError.invalidValue(
                    "The database URL \(text) has the parameter '\(item.name)'; backupboard takes sslmode and sslrootcert only")
            }
        }
        if tls == .verifyFull, rootCertificate == nil {
            throw BoardError.invalidValue(
                "The database URL \(text) asks for sslmode=verify-full without sslrootcert=PATH (the CA certificate to check the server against)")
        }
        if tls != .verifyFull, rootCertificate != nil {
            throw BoardError.invalidValue("The database URL \(text) gives sslrootcert without sslmode=verify-full")
        }
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    /// The URL, which never holds a password: what messages and logs show.
    public var description: String {
        var query: [String] = []
        if tls != .disable { query.append("sslmode=\(tls.rawValue)") }
        if let rootCertificate { query.append("sslrootcert=\(rootCertificate)") }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// `text` with anything between `//` and `@` after a colon replaced: a URL shown in an error about itself.
    static func redacting(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// The password for this location: `PGPASSWORD`, else the first matching line of the password file
    /// (`PGPASSFILE`, else `~/.pgpass`, in libpq's `host:port:database:user:password` form with `*`), else
    /// the first line of `passwordFile`; nil when none has one (trust or peer authentication).
    public func password(environment: [String: String], passwordFile: String? = nil) throws -> String? {
        if let password = environment["PGPASSWORD"] { return password }
        let passFile = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
        if let passFile, let text = try? String(contentsOfFile: passFile, encoding: .utf8) {
            for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
                let fields = Self.passFileFields(String(line))
                guard fields.count == 5 else { continue }
                let wanted = [host, String(port), database, user]
                if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
            }
        }
        guard let passwordFile else { return nil }
        do {
            let text = try String(contentsOfFile: passwordFile, encoding: .utf8)
            return String(text.split(whereSeparator: \.isNewline).first ?? "")
        } catch {
            throw BoardError.invalidValue("Cannot read db_password_file \(passwordFile): \((error as NSError).localizedDescription)")
        }
    }

    /// A `.pgpass` line's fields: `:` separates, `\` escapes the next character.
    private static func passFileFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
