import BoardModel
import Foundation
import TOMLKit

extension ServeConfiguration {
    /// Reads a config file:
    ///
    /// ```toml
    /// listen = "127.0.0.1:8470"
    /// db = "/var/lib/backupboard/board.sqlite"
    /// trusted_proxies = ["127.0.0.1/32", "10.0.0.0/8"]
    ///
    /// [evaluator]
    /// interval = "10s"
    ///
    /// [http]
    /// header_timeout = "10s"
    /// body_timeout = "60s"
    /// idle_timeout = "75s"
    /// max_connections = 1000
    ///
    /// [tokens]
    /// admin = ["..."]
    /// read_only = ["..."]
    ///
    /// [ping_keys.fleet]               # /ping/KEY/SLUG: any job by slug
    /// key_env = "BACKUPBOARD_FLEET_KEY"   # or key_file = "/etc/backupboard/fleet.key"; never the key itself
    /// tags = ["fleet"]                # given to the jobs it creates
    /// max_creates_per_hour = 20
    ///
    /// [auto_create]                   # ?create=1: the jobs file's [defaults] keys
    /// schedule = "1d"
    /// ```
    ///
    /// Every problem is reported at once, one `FILE:LINE: message` line each; unknown keys are errors.
    package static func load(file path: String) throws -> ServeConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BoardError.invalidValue("\(path): cannot read the config file: \((error as NSError).localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Parses config text; `path` only names the file in messages.
    static func parse(
        _ text: String, path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServeConfiguration {
        let source: TOMLSource
        let root: TOMLTable
        do throws(TOMLSource.Problem) {
            source = try TOMLSource(text: text)
            root = try source.table()
        } catch {
            throw BoardError.invalidValue("\(path)\(error.line.map { ":\($0)" } ?? ""): \(error.message)")
        }
        var reader = ConfigReader(locator: source.locator, path: path, environment: environment)
        let configuration = reader.read(root)
        if !reader.problems.isEmpty {
            throw BoardError.invalidValue(reader.problems.sorted { $0.line < $1.line }.map { "\(path):\($0.line): \($0.message)" }.joined(separator: "\n"))
        }
        return configuration
    }
}

/// Walks the TOML tables, collecting one problem per bad key.
struct ConfigReader {
    struct Problem {
        var line: Int
        var message: String
    }

    let locator: SourceLocator
    let path: String
    /// Where `*_env` secrets are read.
    let environment: [String: String]
    var problems: [Problem] = []

    static let topKeys = [
        "listen", "instance", "db", "db_password_file", "trusted_proxies", "evaluator", "http", "tokens", "ping_keys",
        "auto_create", "notifications",
    ]
    static let evaluatorKeys = ["interval"]
    static let httpKeys = ["header_timeout", "body_timeout", "idle_timeout", "max_connections"]
    static let tokenKeys = ["admin", "read_only"]

    mutating func read(_ root: TOMLTable) -> ServeConfiguration {
        var configuration = ServeConfiguration()
        for key in root.keys {
            guard let value = root[key] else { continue }
            switch key {
            case "listen":
                if let text = value.string, let address = ListenAddress(text) {
                    configuration.listen = address
                } else {
                    report(["listen"], "listen must be \"HOST:PORT\", such as \"127.0.0.1:8470\"")
                }
            case "instance":
                if let text = value.string?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text.count <= 100 {
                    configuration.instance = text
                } else {
                    report(["instance"], "instance must be this server's name, such as \"backup-mon-a\" (at most 100 characters)")
                }
            case "db":
                if let text = value.string, !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    configuration.databasePath = DataPaths.expandingTilde(text)
                } else {
                    report(["db"], "db must be a path to the SQLite database or a postgres:// URL")
                }
            case "db_password_file":
                if let text = value.string, !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    configuration.databasePasswordFile = DataPaths.expandingTilde(text)
                } else {
                    report(["db_password_file"], "db_password_file must be the path of a file holding the PostgreSQL password")
                }
            case "trusted_proxies":
                for text in strings(value, ["trusted_proxies"]) {
                    if let range = AddressRange(text) {
                        configuration.trustedProxies.append(range)
                    } else {
                        report(["trusted_proxies"], "trusted_proxies: '\(text)' is not an IP address or CIDR range such as \"10.0.0.0/8\"")
                    }
                }
            case "evaluator":
                guard let table = value.table else {
                    report(["evaluator"], "evaluator must be a table: [evaluator]")
                    continue
                }
                for inner in table.keys {
                    guard inner == "interval", let intervalValue = table[inner] else {
                        unknown(["evaluator", inner], among: Self.evaluatorKeys)
                        continue
                    }
                    if let seconds = interval(intervalValue) {
                        configuration.evaluatorInterval = seconds
                    } else {
                        report(["evaluator", "interval"], "evaluator.interval must be a duration such as \"10s\" or \"1m\"")
                    }
                }
            case "http":
                guard let table = value.table else {
                    report(["http"], "http must be a table: [http]")
                    continue
                }
                configuration.connectionLimits = readConnectionLimits(table)
            case "tokens":
                guard let table = value.table else {
                    report(["tokens"], "tokens must be a table: [tokens]")
                    continue
                }
                for inner in table.keys {
                    guard let tokenValue = table[inner], Self.tokenKeys.contains(inner) else {
                        unknown(["tokens", inner], among: Self.tokenKeys)
                        continue
                    }
                    let tokens = strings(tokenValue, ["tokens", inner])
                    if inner == "admin" { configuration.adminTokens = tokens } else { configuration.readOnlyTokens = tokens }
                }
            case "ping_keys":
                configuration.pingKeys = readPingKeys(value)
            case "auto_create":
                configuration.autoCreate = readAutoCreate(value)
            case "notifications":
                configuration.notifications = readNotifications(value)
            default:
                unknown([key], among: Self.topKeys)
            }
        }
        return configuration
    }

    /// `[http]`: the timeouts and the connection cap.
    mutating func readConnectionLimits(_ table: TOMLTable) -> ConnectionLimits {
        var limits = ConnectionLimits()
        for key in table.keys {
            guard let value = table[key], Self.httpKeys.contains(key) else {
                unknown(["http", key], among: Self.httpKeys)
                continue
            }
            if key == "max_connections" {
                if let count = value.int, (1...1_000_000).contains(count) {
                    limits.maxConnections = count
                } else {
                    report(["http", key], "http.max_connections must be a whole number from 1 to 1000000")
                }
                continue
            }
            guard let seconds = interval(value) else {
                report(["http", key], "http.\(key) must be a duration of at least a second, such as \"10s\" or \"2m\"")
                continue
            }
            switch key {
            case "header_timeout": limits.headerTimeout = seconds
            case "body_timeout": limits.bodyTimeout = seconds
            default: limits.idleTimeout = seconds
            }
        }
        return limits
    }

    /// A string or an array of strings (a token list may hold one).
    mutating func strings(_ value: any TOMLValueConvertible, _ keyPath: [String]) -> [String] {
        if let text = value.string { return [text] }
        guard let array = value.array else {
            report(keyPath, "\(keyPath.joined(separator: ".")) must be an array of strings")
            return []
        }
        var result: [String] = []
        for element in array {
            guard let text = element.string, !text.isEmpty else {
                report(keyPath, "\(keyPath.joined(separator: ".")) must be an array of non-empty strings")
                return []
            }
            result.append(text)
        }
        return result
    }

    func interval(_ value: any TOMLValueConvertible) -> TimeInterval? {
        let seconds: TimeInterval?
        if let whole = value.int {
            seconds = TimeInterval(whole)
        } else if let text = value.string {
            seconds = HumanUnits.duration(text)
        } else {
            seconds = nil
        }
        guard let seconds, seconds >= 1 else { return nil }
        return seconds
    }

    mutating func unknown(_ keyPath: [String], among known: [String]) {
        let name = keyPath.joined(separator: ".")
        report(keyPath, "unknown key '\(name)' (known here: \(known.joined(separator: ", ")))")
    }

    mutating func report(_ keyPath: [String], _ message: String) {
        problems.append(Problem(line: locator.line(for: keyPath) ?? 0, message: message))
    }
}
