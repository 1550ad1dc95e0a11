import Foundation
import TestSupport

/// A tiny SMTP receiver on a loopback ephemeral port, in `python3`'s socketserver: it speaks just enough
/// ESMTP (EHLO, STARTTLS when given a certificate, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) and records every
/// message it accepts, and whether it came over TLS.
final class StubSMTPServer: @unchecked Sendable {
    struct Mail: Sendable {
        let from: String
        let to: [String]
        let auth: String
        let data: String
        let tls: Bool
    }

    let directory: URL
    let port: Int
    private let process: Process

    private static let script = #"""
        import base64, json, socketserver, ssl, sys, threading
        log_path = sys.argv[1]
        tls = None
        if len(sys.argv) > 3:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(sys.argv[2], sys.argv[3])
        lock = threading.Lock()

        class Handler(socketserver.StreamRequestHandler):
            def say(self, line):
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                self.say("220 stub ESMTP")
                mail = {"from": "", "to": [], "auth": "", "data": "", "tls": False}
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line.split(" ")[0].upper()
                    if verb == "EHLO":
                        self.say("250-stub")
                        if tls and not mail["tls"]:
                            self.say("250-STARTTLS")
                        self.say("250 AUTH PLAIN")
                    elif verb == "STARTTLS" and tls:
                        self.say("220 go ahead")
                        self.connection = tls.wrap_socket(self.connection, server_side=True)
                        self.rfile = self.connection.makefile("rb")
                        self.wfile = self.connection.makefile("wb", buffering=0)
                        mail["tls"] = True
                    elif verb == "AUTH":
                        mail["auth"] = base64.b64decode(line.split(" ")[2]).decode().replace("\0", "|")
                        self.say("235 accepted")
                    elif verb == "MAIL":
                        mail["from"] = line[len("MAIL FROM:"):]
                        self.say("250 ok")
                    elif verb == "RCPT":
                        mail["to"].append(line[len("RCPT TO:"):])
                        self.say("250 ok")
                    elif verb == "DATA":
                        self.say("354 go on")
                        lines = []
                        while True:
                            data = self.rfile.readline().decode("utf-8", "replace")
                            if data in (".\r\n", ""):
                                break
                            lines.append(data)
                        mail["data"] = "".join(lines)
                        with lock, open(log_path, "a") as f:
                            f.write(json.dumps(mail) + "\n")
                        self.say("250 queued")
                    elif verb == "QUIT":
                        self.say("221 bye")
                        return
                    else:
                        self.say("502 unknown")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True

        server = Server(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    /// With `certificate` and `key` (PEM files), the server offers STARTTLS.
    init(certificate: String? = nil, key: String? = nil) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-smtp-\(UUID().uuidString)")
        self.directory = directory
        (process, port) = try await StubHeartbeatServer.launch(
            Self.script, in: directory,
            arguments: [directory.appendingPathComponent("mail.jsonl").path] + [certificate, key].compactMap { $0 })
    }

    /// A self-signed certificate for 127.0.0.1 and localhost, made with openssl in `folder`: (certificate, key).
    static func makeCertificate(in folder: URL) async throws -> (String, String) {
        try await offThePool { try makeCertificateBlocking(in: folder) }
    }

    private static func makeCertificateBlocking(in folder: URL) throws -> (String, String) {
        let certificate = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StubHeartbeatServer.StubError.noPort }
        return (certificate, key)
    }

    deinit { stop() }

    /// Every message accepted so far.
    func mails() -> [Mail] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("mail.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return Mail(
                from: object["from"] as? String ?? "", to: object["to"] as? [String] ?? [], auth: object["auth"] as? String ?? "",
                data: object["data"] as? String ?? "", tls: object["tls"] as? Bool ?? false)
        }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
