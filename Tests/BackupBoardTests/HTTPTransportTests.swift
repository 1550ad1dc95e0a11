@testable import BoardHTTP
import Foundation
import Glibc
import Testing

/// What `HTTPTransport` keeps of libcurl's behaviour, through the real binary: the proxy environment (through a
/// real loopback proxy, tinyproxy), `SSL_CERT_FILE`/`SSL_CERT_DIR` (a loopback https server with its own CA), gzip
/// asked and its decompression limit.
@Suite(.serialized) struct HTTPTransportTests {
    let key = "transportTestKey0123456789"

    // MARK: The proxy environment

    @Test func proxyVariablesAreReadAsCurlReadsThem() throws {
        let https = URL(string: "https://board.example.com/x")!
        let http = URL(string: "http://board.example.com/x")!

        let environment = ProxyEnvironment(["HTTPS_PROXY": "proxy.corp:3128", "HTTP_PROXY": "http://ignored:1"])
        #expect(try environment.proxy(for: https) == .init(host: "proxy.corp", port: 3128))
        // Upper-case HTTP_PROXY is ignored, as curl ignores it (a CGI request's `Proxy:` header sets it).
        #expect(try environment.proxy(for: http) == nil)

        let all = ProxyEnvironment(["all_proxy": "socks5://10.0.0.1", "http_proxy": "http://u%40corp:p%3Ass@[::1]:8080/"])
        #expect(try all.proxy(for: https) == .init(host: "10.0.0.1", port: 1080, socks: true))
        #expect(try all.proxy(for: http) == .init(host: "::1", port: 8080, user: "u@corp", password: "p:ss"))

        let far = ProxyEnvironment(["https_proxy": "proxy.corp:99999"])
        #expect(throws: ProxyEnvironment.Invalid(description: "https_proxy names port 99999, which is not a TCP port (1 to 65535)")) {
            try far.proxy(for: https)
        }

        let wrong = ProxyEnvironment(["https_proxy": "https://proxy.corp:443"])
        #expect(throws: ProxyEnvironment.Invalid(description: "https_proxy names a https:// proxy; BackupBoard speaks to http:// and socks5:// proxies")) {
            try wrong.proxy(for: https)
        }
    }

    @Test func noProxyNamesHostsDomainsAndNetworks() throws {
        let environment = ProxyEnvironment(["https_proxy": "proxy:3128", "NO_PROXY": "localhost, .internal.corp,10.0.0.0/8 ::1"])
        for direct in ["localhost", "a.internal.corp", "internal.corp", "10.20.30.40", "[::1]"] {
            #expect(try environment.proxy(for: URL(string: "https://\(direct):8470/")!) == nil, "\(direct)")
        }
        for proxied in ["notlocalhost", "internal.corp.evil.com", "11.0.0.1", "example.com"] {
            #expect(try environment.proxy(for: URL(string: "https://\(proxied)/")!) != nil, "\(proxied)")
        }
        #expect(try ProxyEnvironment(["https_proxy": "proxy:3128", "no_proxy": "*"]).proxy(for: URL(string: "https://a.b/")!) == nil)
    }

    @Test func pingGoesThroughTheProxyTheEnvironmentNamesUnlessNoProxyNamesTheServer() async throws {
        let cli = try CommandLine()
        let server = try await StubHeartbeatServer()
        let proxy = try await LoopbackProxy(in: URL(fileURLWithPath: cli.path("proxy")))
        defer { proxy.stop() }
        let proxied = ["http_proxy": "http://127.0.0.1:\(proxy.port)", "no_proxy": ""]

        let through = try await cli.run(["ping", key, "--server", server.url, "--retries", "0", "--spool", cli.path("spool")],
                                        environment: proxied)
        #expect(through.code == 0 && through.err.isEmpty, "\(through.err)")
        #expect(server.requests().count == 1)
        #expect(try await proxy.tunnels() == ["127.0.0.1:\(server.port)"])

        let direct = try await cli.run(["ping", key, "--server", server.url, "--retries", "0", "--spool", cli.path("spool")],
                                       environment: proxied.merging(["no_proxy": "example.com,127.0.0.1"]) { $1 })
        #expect(direct.code == 0 && direct.err.isEmpty, "\(direct.err)")
        #expect(server.requests().count == 2)
        #expect(try await proxy.tunnels().count == 1)

        // A proxy that is down: the heartbeat is spooled, so the proxy was the way out.
        let closed = try await StubHeartbeatServer.closedPort()
        let down = try await cli.run(["ping", key, "--server", server.url, "--retries", "0", "--spool", cli.path("spool")],
                                     environment: ["http_proxy": "127.0.0.1:\(closed)", "no_proxy": ""])
        #expect(down.code == 0)
        #expect(down.err.contains("warning: server unreachable; heartbeat spooled to"), "\(down.err)")
        #expect(down.err.contains("(connection refused, through the proxy 127.0.0.1:\(closed))"), "\(down.err)")
        #expect(server.requests().count == 2)

        let unusable = try await cli.run(["status", "--oneline", "--server", server.url],
                                         environment: ["http_proxy": "ftp://127.0.0.1:21", "no_proxy": ""])
        #expect(unusable.code != 0)
        #expect(unusable.err == "backupboard: Cannot reach the server at \(server.url): http_proxy names a ftp:// proxy; BackupBoard speaks to http:// and socks5:// proxies.\n")

        // A port outside 16 bits is a sentence, not AsyncHTTPClient's trap.
        let port = try await cli.run(["status", "--oneline", "--server", "http://127.0.0.1:99999"])
        #expect(port.code != 0)
        #expect(port.err == "backupboard: Cannot reach the server at http://127.0.0.1:99999: port 99999 is not a TCP port (1 to 65535).\n")
    }

    // MARK: TLS

    @Test func httpsIsVerifiedAgainstSSLCertFileAndSSLCertDir() async throws {
        let cli = try CommandLine()
        let authority = try await TestAuthority(in: URL(fileURLWithPath: cli.path("ca")))
        let server = try await AnswerServer(.tls(certificate: authority.serverCertificate, key: authority.serverKey), in: URL(fileURLWithPath: cli.path("https")))
        defer { server.stop() }
        func ping(_ spool: String) -> [String] {
            ["ping", "https://127.0.0.1:\(server.port)/heartbeat/\(key)", "--retries", "0", "--spool", cli.path(spool)]
        }
        let none = ["SSL_CERT_FILE": "", "SSL_CERT_DIR": "", "https_proxy": "", "HTTPS_PROXY": "", "all_proxy": ""]

        let untrusted = try await cli.run(ping("spool"), environment: none)
        #expect(untrusted.code == 0)
        #expect(untrusted.err.contains("spooled to"), "\(untrusted.err)")
        #expect(untrusted.err.contains("(its TLS certificate is not signed by a trusted authority"), "\(untrusted.err)")
        #expect(server.requests().isEmpty)

        let file = try await cli.run(ping("spool-file"), environment: none.merging(["SSL_CERT_FILE": authority.certificate]) { $1 })
        #expect(file.code == 0 && file.err.isEmpty, "\(file.err)")
        let directory = try await cli.run(ping("spool-dir"), environment: none.merging(["SSL_CERT_DIR": authority.directory]) { $1 })
        #expect(directory.code == 0 && directory.err.isEmpty, "\(directory.err)")
        #expect(server.requests().count == 2)
        #expect(server.requests().allSatisfy { $0.path == "/heartbeat/\(key)" })

        // Through a proxy: the tunnel carries the TLS, verified end to end.
        let proxy = try await LoopbackProxy(in: URL(fileURLWithPath: cli.path("proxy")))
        defer { proxy.stop() }
        let tunnelled = try await cli.run(
            ping("spool-proxy"),
            environment: none.merging(["SSL_CERT_FILE": authority.certificate, "https_proxy": "http://127.0.0.1:\(proxy.port)"]) { $1 })
        #expect(tunnelled.code == 0 && tunnelled.err.isEmpty, "\(tunnelled.err)")
        #expect(try await proxy.tunnels() == ["127.0.0.1:\(server.port)"])
        #expect(server.requests().count == 3)
    }

    // MARK: gzip

    @Test func gzipIsAskedAndALargeAnswerIsDecodedButABombIsRefused() async throws {
        let cli = try CommandLine()
        let large = try await AnswerServer(.largeStatus, in: URL(fileURLWithPath: cli.path("large")))
        defer { large.stop() }
        let status = try await cli.run(["status", "--oneline", "--server", "http://127.0.0.1:\(large.port)"])
        #expect(status.code == 0, "\(status.err)")
        #expect(status.out.contains("3"), "\(status.out)")
        let asked = try #require(large.requests().first)
        #expect(asked.headers["accept-encoding"]?.contains("gzip") == true)

        let bomb = try await AnswerServer(.bomb, in: URL(fileURLWithPath: cli.path("bomb")))
        defer { bomb.stop() }
        let refused = try await cli.run(["status", "--oneline", "--server", "http://127.0.0.1:\(bomb.port)"])
        #expect(refused.code != 0)
        #expect(refused.err == "backupboard: Cannot reach the server at http://127.0.0.1:\(bomb.port): the answer inflates more than \(HTTPTransport.decompressionRatio) times when decompressed, refused.\n")
    }
}

/// tinyproxy on a loopback port, logging the tunnels it opens.
private struct LoopbackProxy {
    let port: Int
    let log: URL
    private let process: Process

    init(in directory: URL) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try await StubHeartbeatServer.closedPort()
        log = directory.appendingPathComponent("tinyproxy.log")
        let config = directory.appendingPathComponent("tinyproxy.conf")
        try """
            Port \(port)
            Listen 127.0.0.1
            Timeout 30
            LogFile "\(log.path)"
            LogLevel Connect
            MaxClients 20
            """.write(to: config, atomically: true, encoding: .utf8)
        guard let binary = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].first(where: FileManager.default.isExecutableFile) else {
            throw TestSetupError("the proxy tests need tinyproxy: install it with 'sudo apt-get install -y tinyproxy'")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-d", "-c", config.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 where !Self.listening(port) {
            try await Task.sleep(for: .milliseconds(25))
        }
        guard Self.listening(port) else { throw TestSetupError("tinyproxy did not listen on 127.0.0.1:\(port)") }
    }

    /// The `host:port` of each `CONNECT` the proxy was asked for, in order.
    func tunnels() async throws -> [String] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "): CONNECT ") else { return nil }
            return line[range.upperBound...].split(separator: " ").first.map(String.init)
        }
    }

    func stop() {
        StubHeartbeatServer.stop(process)
    }

    private static func listening(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A CA of the test's own, made with the openssl command, and a certificate it signed for 127.0.0.1.
private struct TestAuthority {
    let directory: String
    var certificate: String { directory + "/ca.pem" }
    let serverCertificate: String
    let serverKey: String

    init(in folder: URL) async throws {
        let certificates = folder.appendingPathComponent("certs")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        directory = certificates.path
        let work = folder.path
        serverCertificate = work + "/server.pem"
        serverKey = work + "/server.key"
        try "subjectAltName = IP:127.0.0.1\n".write(toFile: work + "/server.ext", atomically: true, encoding: .utf8)
        let steps = [
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=BackupBoard test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign", "-keyout", work + "/ca.key", "-out", certificate],
            ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", serverKey, "-out", work + "/server.csr"],
            ["openssl", "x509", "-req", "-in", work + "/server.csr", "-CA", certificate, "-CAkey", work + "/ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", work + "/server.ext", "-out", serverCertificate],
            ["openssl", "rehash", directory],
        ]
        for step in steps {
            let result = try await runToEnd(step)
            guard result.code == 0 else {
                throw TestSetupError("the TLS tests need the openssl command ('sudo apt-get install -y openssl'): \(step.joined(separator: " ")) failed: \(result.output)")
            }
        }
    }
}

/// A Python server on loopback for what `serve` never answers: https with the test's CA, a gzip bomb, and a
/// status document of 25 MB.
private struct AnswerServer {
    enum Mode {
        case tls(certificate: String, key: String)
        case bomb
        case largeStatus
    }

    let port: Int
    private let log: URL
    private let process: Process

    private static let script = #"""
        import gzip, http.server, json, os, ssl, sys
        log_path, mode = sys.argv[1], sys.argv[2]
        if mode == "bomb":
            # 30 MB of spaces: about 30 KB of gzip, a thousand times over.
            body = gzip.compress(b" " * 30_000_000)
        elif mode == "large":
            # The status document with 25 MB of random hex beside it: about half of it gzipped.
            document = {"level": "ok", "exit_code": 0, "stale": False, "evaluator_last_tick": None,
                        "evaluator_age_s": None, "jobs": 3, "states": {"up": 3}, "levels": {"ok": 3},
                        "open_alerts": {}, "outbox_backlog": 0, "padding": os.urandom(12_500_000).hex()}
            body = gzip.compress(json.dumps(document).encode(), compresslevel=1)
        else:
            body = b"ok"

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with open(log_path, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "status": 200, "body": "",
                                        "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
                self.send_response(200)
                if mode != "tls":
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = answer
            do_GET = answer

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if mode == "tls":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    init(_ mode: Mode, in directory: URL) async throws {
        log = directory.appendingPathComponent("log.jsonl")
        let arguments: [String]
        switch mode {
        case .tls(let certificate, let key): arguments = ["tls", certificate, key]
        case .bomb: arguments = ["bomb"]
        case .largeStatus: arguments = ["large"]
        }
        (process, port) = try await StubHeartbeatServer.launch(Self.script, in: directory, arguments: [log.path] + arguments)
    }

    func requests() -> [StubHeartbeatServer.Request] {
        StubHeartbeatServer.log(log).map(StubHeartbeatServer.Request.init)
    }

    func stop() {
        StubHeartbeatServer.stop(process)
    }
}

/// A tool or package a test needs is missing: one sentence naming it.
private struct TestSetupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
