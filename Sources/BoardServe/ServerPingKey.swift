import BoardModel
import Foundation
import TOMLKit

/// A server-wide ping key (`[ping_keys.NAME]` in the serve config, docs/api.md): `/ping/KEY/SLUG` pings the job
/// `SLUG`, and with `?create=1` creates it from `[auto_create]`, at most `maxCreatesPerHour` an hour.
///
/// The key comes from the environment or a file, never from the config file itself, which is shown and copied
/// around; it is never printed (docs/architecture.md §9).
package struct ServerPingKey: Sendable, Equatable {
    /// The name in the config: the audit trail's actor (`ping key NAME`) and what logs and the unknown-key list show.
    package var name: String
    /// The secret.
    var key: String
    /// Added to the tags of every job this key creates.
    var tags: [String] = []
    var maxCreatesPerHour = ServerPingKey.defaultMaxCreatesPerHour

    static let defaultMaxCreatesPerHour = 20
    /// Shorter keys are guessed too easily to open every job of the server to whoever guesses one.
    static let minimumLength = PingKey.recommendedLength

    /// Who the audit trail says created a job.
    var actor: String { "ping key \(name)" }
}

extension ConfigReader {
    static let pingKeyKeys = ["key_env", "key_file", "tags", "max_creates_per_hour"]

    /// `[ping_keys.NAME]` tables; names are a job slug's letters, keys at least 22 letters, digits, `-` or `_`, each
    /// key different.
    mutating func readPingKeys(_ value: any TOMLValueConvertible) -> [ServerPingKey] {
        guard let tables = value.table else {
            report(["ping_keys"], "ping_keys must hold tables such as [ping_keys.fleet]")
            return []
        }
        var keys: [ServerPingKey] = []
        for name in tables.keys {
            let path = ["ping_keys", name]
            let label = path.joined(separator: ".")
            guard let table = tables[name]?.table else {
                report(path, "\(label) must be a table: [\(label)]")
                continue
            }
            if Job.problem(withSlug: name) != nil {
                report(path, "\(label): a ping key's name may hold only lowercase letters, digits, - and _ (it names who created a job)")
            }
            for key in table.keys where !Self.pingKeyKeys.contains(key) {
                if key == "key" {
                    report(path + [key], "\(label).key: the key itself is never written in the config file; give key_env = \"VARIABLE\" or key_file = \"PATH\"")
                } else {
                    unknown(path + [key], among: Self.pingKeyKeys)
                }
            }
            if table.contains(key: "key_env") == table.contains(key: "key_file") {
                report(path, "\(label) needs one of key_env = \"VARIABLE\" or key_file = \"PATH\"")
                continue
            }
            var pingKey = ServerPingKey(name: name, key: "")
            if let tagsValue = table["tags"] { pingKey.tags = strings(tagsValue, path + ["tags"]) }
            if let limit = table["max_creates_per_hour"] {
                if let count = limit.int, (0...100_000).contains(count) {
                    pingKey.maxCreatesPerHour = count
                } else {
                    report(path + ["max_creates_per_hour"], "\(label).max_creates_per_hour must be a whole number from 0 to 100000")
                }
            }
            guard let secret = secret(table, "key", path: path) else { continue }
            let source = table.contains(key: "key_env") ? "key_env" : "key_file"
            guard secret.count >= ServerPingKey.minimumLength, PingKey.problem(with: secret) == nil else {
                report(
                    path + [source],
                    "\(label).\(source): a server ping key is \(ServerPingKey.minimumLength) to 128 letters, digits, '-' or '_', such as what `openssl rand -hex 16` prints")
                continue
            }
            if let same = keys.first(where: { $0.key == secret }) {
                report(path + [source], "\(label).\(source): the same key as ping_keys.\(same.name); each server ping key must differ")
                continue
            }
            pingKey.key = secret
            keys.append(pingKey)
        }
        return keys
    }

    /// `[auto_create]`, read by the jobs file's reader: `[defaults]`'s keys and messages, lines in this file.
    mutating func readAutoCreate(_ value: any TOMLValueConvertible) -> JobTemplate? {
        guard let table = value.table else {
            report(["auto_create"], "auto_create must be a table: [auto_create]")
            return nil
        }
        switch JobTemplate.read(table, locator: locator) {
        case .success(let template):
            return template
        case .failure(let failure):
            for problem in failure.problems {
                problems.append(Problem(line: problem.line ?? locator.line(for: ["auto_create"]) ?? 0, message: problem.message))
            }
            return nil
        }
    }
}

/// The server ping keys by SHA-256 digest; the digest found is compared again in constant time, as a job's key is.
struct ServerPingKeys: Sendable {
    private let byDigest: [[UInt8]: ServerPingKey]

    init(_ keys: [ServerPingKey]) {
        byDigest = Dictionary(keys.map { (SHA256.digest(of: $0.key), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The server ping key `text` is, if any.
    func key(matching text: String) -> ServerPingKey? {
        byDigest.isEmpty ? nil : key(matchingDigest: SHA256.digest(of: text))
    }

    /// The server ping key whose SHA-256 is `digest`, if any.
    func key(matchingDigest digest: [UInt8]) -> ServerPingKey? {
        guard let index = byDigest.index(forKey: digest), SHA256.constantTimeEquals(byDigest[index].key, digest) else { return nil }
        return byDigest[index].value
    }
}
