import BoardModel
import Foundation
import TOMLKit

extension ConfigReader {
    /// The keys each channel type takes beside `type`; a secret `KEY` may also be given as `KEY_env` or `KEY_file`.
    static let channelKeys: [String: [String]] = [
        "webhook": ["url", "method", "headers", "body"],
        "slack": ["url"],
        "pagerduty": ["url", "routing_key"],
        "email": ["smtp", "starttls", "from", "to", "username", "password", "tls_ca_file"],
        "ntfy": ["url", "token"],
        "discord": ["url"],
        "telegram": ["url", "bot_token", "chat_id"],
        "teams": ["url"],
        "matrix": ["url", "homeserver", "room", "access_token"],
        "opsgenie": ["url", "api_key"],
        "pushover": ["url", "app_token", "user_key"],
        "gotify": ["url", "app_token"],
        "command": ["command", "timeout"],
    ]

    /// Keys that may come from the environment or a file (`KEY_env`, `KEY_file`): URLs (a webhook's path is
    /// often its secret) and every credential.
    static let secretKeys: Set<String> = ["url", "routing_key", "password", "token", "bot_token", "access_token", "api_key", "app_token", "user_key"]

    mutating func readChannel(_ name: String, _ value: any TOMLValueConvertible) -> NotificationChannel? {
        let path = ["notifications", "channels", name]
        let label = path.joined(separator: ".")
        guard let table = value.table else {
            report(path, "\(label) must be a table")
            return nil
        }
        let type = table["type"]?.string ?? ""
        guard let keys = Self.channelKeys[type] else {
            report(path + ["type"], "\(label).type must be one of \(NotificationChannel.typeNames.joined(separator: ", "))")
            return nil
        }
        let known = ["type"] + keys.flatMap { Self.secretKeys.contains($0) ? [$0, "\($0)_env", "\($0)_file"] : [$0] }
        for key in table.keys where !known.contains(key) {
            unknown(path + [key], among: known)
        }
        func url(_ key: String = "url", default fallback: URL? = nil) -> URL? {
            guard let text = secret(table, key, path: path) else {
                if fallback == nil && !Self.names(table, key) { report(path, "\(label) needs \(key) (or \(key)_env, \(key)_file)") }
                return fallback
            }
            guard let url = URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  url.scheme == "http" || url.scheme == "https", url.host != nil
            else {
                report(path + [key], "\(label).\(key) must be an http:// or https:// URL")
                return nil
            }
            return url
        }
        func required(_ key: String, _ what: String) -> String? {
            let value = Self.secretKeys.contains(key) ? secret(table, key, path: path) : table[key]?.string
            if value == nil && !Self.names(table, key) {
                report(path, "\(label) needs \(key)" + (Self.secretKeys.contains(key) ? " (or \(key)_env, \(key)_file)" : "") + ": \(what)")
            }
            return value
        }
        func make(_ kind: NotificationChannel.Kind?) -> NotificationChannel? {
            kind.map { NotificationChannel(name: name, kind: $0) }
        }
        switch type {
        case "webhook":
            return make(readWebhook(table, path: path))
        case "slack":
            return make(url().map { .slack($0) })
        case "pagerduty":
            let endpoint = url(default: NotificationChannel.pagerDutyEndpoint)
            guard let key = required("routing_key", "the integration key") else { return nil }
            return make(endpoint.map { .pagerDuty($0, routingKey: key) })
        case "email":
            return readEmail(name, table, path: path)
        case "ntfy":
            guard let topic = url() else { return nil }
            guard topic.pathComponents.count >= 2 else {
                report(path + ["url"], "\(label).url must be the topic's URL, such as https://ntfy.sh/backups")
                return nil
            }
            return make(.ntfy(NtfyChannel(topicURL: topic, token: secret(table, "token", path: path))))
        case "discord":
            return make(url().map { .discord(DiscordChannel(url: $0)) })
        case "teams":
            return make(url().map { .teams(TeamsChannel(url: $0)) })
        case "telegram":
            let api = url(default: TelegramChannel.apiEndpoint)
            let token = required("bot_token", "the token @BotFather gave")
            let chat = table["chat_id"].flatMap { $0.int.map(String.init) ?? $0.string }
            if chat == nil { report(path, "\(label) needs chat_id: the chat's id, such as -1001234567890 or \"@channel\"") }
            guard let api, let token, let chat else { return nil }
            return make(.telegram(TelegramChannel(apiURL: api, botToken: token, chatID: chat)))
        case "matrix":
            let homeserver: URL?
            if Self.names(table, "url") {
                homeserver = url()
            } else if let text = table["homeserver"]?.string, let parsed = URL(string: text), parsed.host != nil,
                      parsed.scheme == "http" || parsed.scheme == "https" {
                homeserver = parsed
            } else {
                report(path + ["homeserver"], "\(label) needs homeserver, an http:// or https:// URL such as \"https://matrix.example.org\"")
                homeserver = nil
            }
            let room = required("room", "the room's id, such as \"!abcdef:example.org\"")
            if let room, !room.hasPrefix("!") || !room.contains(":") {
                report(path + ["room"], "\(label).room must be a room id such as \"!abcdef:example.org\" (Room settings › Advanced), not an alias")
                return nil
            }
            let token = required("access_token", "the bot account's access token")
            guard let homeserver, let room, let token else { return nil }
            return make(.matrix(MatrixChannel(homeserver: homeserver, room: room, accessToken: token)))
        case "opsgenie":
            let api = url(default: OpsgenieChannel.apiEndpoint)
            guard let api, let key = required("api_key", "an API integration's key") else { return nil }
            return make(.opsgenie(OpsgenieChannel(apiURL: api, apiKey: key)))
        case "pushover":
            let api = url(default: PushoverChannel.apiEndpoint)
            let app = required("app_token", "the application's API token")
            let user = required("user_key", "the user or group key")
            guard let api, let app, let user else { return nil }
            return make(.pushover(PushoverChannel(apiURL: api, appToken: app, userKey: user)))
        case "gotify":
            let server = url()
            guard let server, let token = required("app_token", "an application's token") else { return nil }
            return make(.gotify(GotifyChannel(url: server, appToken: token)))
        default:
            return make(readCommand(table, path: path).map { .command($0) })
        }
    }

    /// A webhook: its URL, and optionally a method, headers and a body, each a template.
    private mutating func readWebhook(_ table: TOMLTable, path: [String]) -> NotificationChannel.Kind? {
        let label = path.joined(separator: ".")
        func template(_ text: String, _ keyPath: [String]) -> WebhookTemplate? {
            do {
                return try WebhookTemplate(text)
            } catch {
                report(keyPath, "\(keyPath.joined(separator: ".")): \(error)")
                return nil
            }
        }
        guard let text = secret(table, "url", path: path) else {
            if !Self.names(table, "url") { report(path, "\(label) needs url (or url_env, url_file)") }
            return nil
        }
        guard let url = template(text.trimmingCharacters(in: .whitespacesAndNewlines), path + ["url"]) else { return nil }
        let sample = NotificationEvent.test(channel: "sample", at: Date(timeIntervalSince1970: 0))
        guard let rendered = URL(string: url.render(sample, escaping: .url)), rendered.scheme == "http" || rendered.scheme == "https",
              rendered.host != nil
        else {
            report(path + ["url"], "\(label).url must be an http:// or https:// URL")
            return nil
        }
        let method = (table["method"]?.string ?? "POST").uppercased()
        guard WebhookChannel.methods.contains(method) else {
            report(path + ["method"], "\(label).method must be one of \(WebhookChannel.methods.joined(separator: ", "))")
            return nil
        }
        var headers: [String: WebhookTemplate] = [:]
        if let value = table["headers"] {
            guard let inner = value.table else {
                report(path + ["headers"], "\(label).headers must be a table of names and values, such as { \"X-Token\" = \"…\" }")
                return nil
            }
            for name in inner.keys {
                guard let text = inner[name]?.string else {
                    report(path + ["headers"], "\(label).headers.\(name) must be a string")
                    continue
                }
                if let parsed = template(text, path + ["headers"]) { headers[name] = parsed }
            }
        }
        var body: WebhookTemplate?
        if let value = table["body"] {
            guard let text = value.string else {
                report(path + ["body"], "\(label).body must be a string (a template)")
                return nil
            }
            body = template(text, path + ["body"])
            if body == nil { return nil }
        }
        return .webhook(WebhookChannel(url: url, method: method, headers: headers, body: body))
    }

    /// The command channel: `command = ["/path/prog", "arg"]`, an optional `timeout`.
    private mutating func readCommand(_ table: TOMLTable, path: [String]) -> CommandChannel? {
        let label = path.joined(separator: ".")
        guard let value = table["command"], let arguments = value.array?.compactMap(\.string), !arguments.isEmpty,
              arguments.count == value.array?.count
        else {
            report(path + ["command"], "\(label).command must be a list: the program and its arguments, such as [\"/usr/local/bin/notify\", \"--ops\"]")
            return nil
        }
        var command = CommandChannel(arguments: arguments)
        guard let program = Self.executable(arguments[0], environment: environment) else {
            report(path + ["command"], "\(label).command: \(arguments[0]) is not an executable file (no shell runs it: give its path)")
            return nil
        }
        command.arguments[0] = program
        if let timeout = table["timeout"] {
            guard let seconds = interval(timeout) else {
                report(path + ["timeout"], "\(label).timeout must be a duration of at least a second, such as \"30s\"")
                return nil
            }
            command.timeout = seconds
        }
        return command
    }

    /// `program` if it is an executable file, else the first executable of that name on `PATH`.
    static func executable(_ program: String, environment: [String: String]) -> String? {
        let expanded = DataPaths.expandingTilde(program)
        if expanded.contains("/") {
            return FileManager.default.isExecutableFile(atPath: expanded) ? expanded : nil
        }
        let folders = (environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private mutating func readEmail(_ name: String, _ table: TOMLTable, path: [String]) -> NotificationChannel? {
        let label = path.joined(separator: ".")
        guard let server = table["smtp"]?.string, let address = ListenAddress(server) else {
            report(path + ["smtp"], "\(label).smtp must be \"HOST:PORT\" of the mail server, such as \"127.0.0.1:25\"")
            return nil
        }
        let startTLS = table["starttls"]?.bool ?? false
        let caFile = table["tls_ca_file"]?.string.map { DataPaths.expandingTilde($0) }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            report(path + ["tls_ca_file"], "\(label).tls_ca_file: cannot read \(caFile)")
        }
        guard let from = table["from"]?.string, from.contains("@") else {
            report(path + ["from"], "\(label).from must be an email address")
            return nil
        }
        let to = table["to"].map { strings($0, path + ["to"]) } ?? []
        guard !to.isEmpty, to.allSatisfy({ $0.contains("@") }) else {
            report(path + ["to"], "\(label).to must be a list of email addresses")
            return nil
        }
        return NotificationChannel(name: name, kind: .email(SMTPSettings(
            host: address.host, port: address.port, startTLS: startTLS, from: from, to: to,
            username: table["username"]?.string, password: secret(table, "password", path: path), caFile: caFile)))
    }

}
