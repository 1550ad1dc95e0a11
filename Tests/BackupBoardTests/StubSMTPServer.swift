import Foundation

/// A tiny SMTP receiver on a loopback ephemeral port, in `python3`'s socketserver: it speaks just enough
/// ESMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) and records every message it accepts.
final class StubSMTPServer: @unchecked Sendable {
    struct Mail: Sendable {
        let from: String
        let to: [String]
        let auth: String
        let data: String
    }

    let directory: URL
    let port: Int
    private let process: Process

    private static let script = #"""
        import base64, json, socketserver, sys, threading
        log_path = sys.argv[1]
        lock = threading.Lock()

        class Handler(socketserver.StreamRequestHandler):
            def say(self, line):
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                self.say("220 stub ESMTP")
                mail = {"from": "", "to": [], "auth": "", "data": ""}
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line.split(" ")[0].upper()
                    if verb == "EHLO":
                        self.say("250-stub")
                        self.say("250 AUTH PLAIN")
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

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-smtp-\(UUID().uuidString)")
        (process, port) = try StubHeartbeatServer.launch(
            Self.script, in: directory, arguments: [directory.appendingPathComponent("mail.jsonl").path])
    }

    deinit { stop() }

    /// Every message accepted so far.
    func mails() -> [Mail] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("mail.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return Mail(
                from: object["from"] as? String ?? "", to: object["to"] as? [String] ?? [], auth: object["auth"] as? String ?? "",
                data: object["data"] as? String ?? "")
        }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
