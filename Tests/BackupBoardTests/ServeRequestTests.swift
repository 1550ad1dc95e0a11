@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import BoardModel
import Foundation
import Testing

// Pure pieces of `serve`: URL forms, query decoding, body limits, addresses, the config file.

@Test func servePathReadsEveryHeartbeatForm() {
    #expect(IngestPath(path: "/heartbeat/abc123") == IngestPath(key: "abc123", suffix: nil))
    #expect(IngestPath(path: "/heartbeat/abc123/") == IngestPath(key: "abc123", suffix: nil))
    #expect(IngestPath(path: "/ping/abc123") == IngestPath(key: "abc123", suffix: nil))
    #expect(IngestPath(path: "/heartbeat/abc123/start") == IngestPath(key: "abc123", suffix: "start"))
    #expect(IngestPath(path: "/ping/abc123/FAIL") == IngestPath(key: "abc123", suffix: "fail"))
    #expect(IngestPath(path: "/heartbeat/abc123/log") == IngestPath(key: "abc123", suffix: "log"))
    #expect(IngestPath(path: "/heartbeat/abc123/0") == IngestPath(key: "abc123", suffix: "0"))
    #expect(IngestPath(path: "/heartbeat/abc123/3") == IngestPath(key: "abc123", suffix: "3"))
    #expect(IngestPath(path: "/heartbeat/abc123/255") == IngestPath(key: "abc123", suffix: "255"))
}

@Test func servePathRejectsWhatIsNotAHeartbeat() {
    #expect(IngestPath(path: "/heartbeat") == nil)
    #expect(IngestPath(path: "/heartbeat/") == nil)
    #expect(IngestPath(path: "/heartbeat/abc/256") == nil)
    #expect(IngestPath(path: "/heartbeat/abc/start/extra") == nil)
    #expect(IngestPath(path: "/heartbeat/abc/restart/extra") == nil)
    // Any other third segment is a slug after a server ping key (docs/api.md); ingest judges it.
    #expect(IngestPath(path: "/heartbeat/abc/restart") == IngestPath(key: "abc", slug: "restart"))
    #expect(IngestPath(path: "/heartbeat/abc/-1") == IngestPath(key: "abc", slug: "-1"))
    #expect(IngestPath(path: "/api/abc") == nil)
}

@Test func serveQueryIsPercentDecodedInOrder() {
    let query = QueryString.parse("status=down&msg=disk%20full+now&ping=120&empty&bad=%zz%4")
    #expect(query.map(\.name) == ["status", "msg", "ping", "empty", "bad"])
    #expect(query.map(\.value) == ["down", "disk full now", "120", "", "%zz%4"])
    #expect(QueryString.decode("caf%C3%A9") == "café")
}

@Test func serveBodyKeepsTheFirst100KBAndCountsTheRest() {
    var body = BodyCollector()
    let first = body.append([UInt8](repeating: 1, count: 60 * 1024))
    let second = body.append([UInt8](repeating: 2, count: 60 * 1024))
    #expect(first && second)
    #expect(body.kept.count == 100 * 1024)
    #expect(body.truncatedBytes == 20 * 1024)
    #expect(!body.isOverLimit)
    #expect(body.kept.last == 2)
    #expect(body.overLimitProblem == nil)
}

@Test func serveBodyStopsReadingPastTheReadLimit() {
    var body = BodyCollector(keptLimit: 10, readLimit: 100)
    let first = body.append([UInt8](repeating: 0, count: 60))
    let second = body.append([UInt8](repeating: 0, count: 60))
    #expect(first && !second)
    #expect(body.isOverLimit)
    #expect(body.kept.count == 10)
    #expect(body.truncatedBytes == 90)
    let third = body.append([1])
    #expect(!third)
    #expect(body.overLimitProblem != nil)
}

@Test func serveListenAddressParsesAndKnowsLoopback() throws {
    let v4 = try #require(ListenAddress("127.0.0.1:8470"))
    #expect(v4.isLoopback && v4.port == 8470)
    let v6 = try #require(ListenAddress("[::1]:9000"))
    #expect(v6.host == "::1" && v6.isLoopback && v6.description == "[::1]:9000")
    let any = try #require(ListenAddress("0.0.0.0:8470"))
    #expect(!any.isLoopback)
    #expect(ListenAddress("127.0.0.1") == nil)
    #expect(ListenAddress("127.0.0.1:99999") == nil)
    #expect(ListenAddress(":8470") == nil)
    #expect(ListenAddress("::1:8470") == nil)
}

@Test func serveTrustedProxiesDecideTheSourceAddress() throws {
    let proxies = [try #require(AddressRange("10.0.0.0/8")), try #require(AddressRange("::1"))]
    #expect(proxies[0].contains("10.1.2.3") && !proxies[0].contains("11.0.0.1"))
    #expect(proxies[0].contains("::ffff:10.9.9.9"))
    #expect(proxies[1].contains("::1") && !proxies[1].contains("::2"))
    #expect(AddressRange("10.0.0.0/33") == nil && AddressRange("nonsense") == nil)
    #expect(proxies[0].description == "10.0.0.0/8")
    // Untrusted peer: its forwarded header is ignored.
    #expect(ClientAddress.resolve(peer: "192.0.2.7", forwardedFor: "203.0.113.9", trusted: proxies) == "192.0.2.7")
    // Trusted peer: the rightmost address that is not a proxy.
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "1.1.1.1, 203.0.113.9, 10.0.0.5", trusted: proxies) == "203.0.113.9")
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: nil, trusted: proxies) == "10.0.0.2")
    // What a trusted proxy forwards is checked: never stored unless it is an address (a port is dropped).
    let junk = "<script>alert(1)</script>" + String(repeating: "x", count: 2_000)
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: junk, trusted: proxies) == "10.0.0.2")
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "203.0.113.9, not-an-address", trusted: proxies) == "10.0.0.2")
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "203.0.113.9:5123", trusted: proxies) == "203.0.113.9")
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "[2001:db8::7]:443", trusted: proxies) == "2001:db8::7")
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "2001:db8::7", trusted: proxies) == "2001:db8::7")
    #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "10.0.0.9", trusted: proxies) == "10.0.0.9")
}

@Test func serveConfigFileReadsEveryKey() throws {
    let text = """
        listen = "0.0.0.0:9000"
        db = "/tmp/board.sqlite"
        trusted_proxies = ["127.0.0.1/32", "10.0.0.0/8"]

        [evaluator]
        interval = "30s"

        [tokens]
        admin = ["admin-secret"]
        read_only = ["reader-1", "reader-2"]
        """
    var configuration = try ServeConfiguration.parse(text, path: "serve.toml")
    #expect(configuration.listen == ListenAddress(host: "0.0.0.0", port: 9000))
    #expect(configuration.databasePath == "/tmp/board.sqlite")
    #expect(configuration.trustedProxies.count == 2)
    #expect(configuration.evaluatorInterval == 30)
    #expect(configuration.adminTokens == ["admin-secret"])
    #expect(configuration.readOnlyTokens == ["reader-1", "reader-2"])
    configuration.applyEnvironment(["BACKUPBOARD_TOKEN": "from-env"])
    #expect(configuration.adminTokens == ["admin-secret", "from-env"])
    #expect(!configuration.description.contains("secret"))
}

@Test func serveConfigFileNamesUnknownKeysWithTheirLines() {
    let text = """
        listen = "127.0.0.1:8470"
        lisen = "127.0.0.1:8471"

        [evaluator]
        intervall = "30s"

        [tokens]
        admin = ["a"]
        writer = ["b"]
        """
    #expect {
        try ServeConfiguration.parse(text, path: "serve.toml")
    } throws: { error in
        let message = String(describing: error)
        return message.contains("serve.toml:2: unknown key 'lisen'")
            && message.contains("serve.toml:5: unknown key 'evaluator.intervall'")
            && message.contains("serve.toml:9: unknown key 'tokens.writer'")
    }
}

@Test func serveConfigFileRejectsBadValues() {
    #expect {
        try ServeConfiguration.parse("listen = \"nowhere\"\ntrusted_proxies = [\"10.0.0.0/99\"]\n", path: "s.toml")
    } throws: { error in
        let message = String(describing: error)
        return message.contains("s.toml:1: listen must be") && message.contains("s.toml:2: trusted_proxies: '10.0.0.0/99'")
    }
    #expect(throws: BoardError.self) { try ServeConfiguration.parse("listen = [", path: "s.toml") }
}

@Test func serveCommandFlagsWinOverTheConfigFileAndTokensComeFromTheEnvironment() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("serve.toml")
    try "listen = \"127.0.0.1:9001\"\ndb = \"/tmp/from-file.sqlite\"\n[tokens]\nread_only = [\"r\"]\n".write(to: file, atomically: true, encoding: .utf8)

    let fromFile = try ServeCommand.parse(["--config", file.path]).resolvedConfiguration(environment: [:])
    #expect(fromFile.listen.port == 9001 && fromFile.databasePath == "/tmp/from-file.sqlite")
    #expect(fromFile.adminTokens.isEmpty && fromFile.readOnlyTokens == ["r"])

    let overridden = try ServeCommand.parse(["--config", file.path, "--listen", "[::1]:9002", "--db", "/tmp/flag.sqlite"])
        .resolvedConfiguration(environment: ["BACKUPBOARD_TOKEN": "env-admin"])
    #expect(overridden.listen == ListenAddress(host: "::1", port: 9002))
    #expect(overridden.databasePath == "/tmp/flag.sqlite")
    #expect(overridden.adminTokens == ["env-admin"])

    #expect(throws: (any Error).self) { try ServeCommand.parse(["--listen", "nowhere"]) }
    #expect(throws: (any Error).self) { try ServeCommand.parse(["--token", "secret"]) }
}
