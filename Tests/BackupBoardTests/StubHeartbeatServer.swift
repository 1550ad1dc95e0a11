import BoardModel
import Foundation
import Testing
import TestSupport

/// A tiny heartbeat server on a loopback ephemeral port, in `python3`'s http.server: it records every
/// request (method, path, headers, body) and answers the statuses queued with `answer(_:)`, then 200.
/// A request whose path starts with `/held` is counted as it arrives and answered only after `release()`.
final class StubHeartbeatServer: @unchecked Sendable {
    struct Request: Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: String
        let status: Int

        init(_ object: [String: Any]) {
            method = object["method"] as? String ?? ""
            path = object["path"] as? String ?? ""
            headers = object["headers"] as? [String: String] ?? [:]
            body = object["body"] as? String ?? ""
            status = object["status"] as? Int ?? 0
        }

        /// The JSON body as an object.
        var fields: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    let directory: URL
    let port: Int
    private let process: Process

    var url: String { "http://127.0.0.1:\(port)" }

    private static let script = #"""
        import http.server, json, os, sys, threading, time
        log_path, control_path = sys.argv[1], sys.argv[2]
        arrivals_path, release_path = log_path + ".arrivals", control_path + ".release"
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                if self.path.startswith("/held"):
                    with lock, open(arrivals_path, "a") as f:
                        f.write(self.path + "\n")
                    while not os.path.exists(release_path):
                        time.sleep(0.02)
                with lock:
                    try:
                        codes = open(control_path).read().split()
                    except FileNotFoundError:
                        codes = []
                    code = int(codes[0]) if codes else 200
                    with open(control_path, "w") as f:
                        f.write("\n".join(codes[1:]))
                    with open(log_path, "a") as f:
                        f.write(json.dumps({"method": self.command, "path": self.path, "status": code, "body": body,
                                            "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = answer
            do_GET = answer

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-stub-\(UUID().uuidString)")
        self.directory = directory
        (process, port) = try await Self.launch(
            Self.script, in: directory,
            arguments: [directory.appendingPathComponent("log.jsonl").path, directory.appendingPathComponent("control").path])
    }

    /// Writes `script` into a new `directory`, runs it with python3 and `arguments`, and reads the port it
    /// prints on its first line.
    static func launch(_ script: String, in directory: URL, arguments: [String]) async throws -> (Process, Int) {
        try await offThePool { try launchBlocking(script, in: directory, arguments: arguments) }
    }

    private static func launchBlocking(_ script: String, in directory: URL, arguments: [String]) throws -> (Process, Int) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scriptFile = directory.appendingPathComponent("stub.py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptFile.path] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw StubError.noPort
        }
        return (process, port)
    }

    enum StubError: Error { case noPort }

    deinit { stop() }

    /// The statuses to answer the next requests with, in order (after them: 200).
    func answer(_ statuses: [Int]) throws {
        try statuses.map(String.init).joined(separator: "\n")
            .write(to: directory.appendingPathComponent("control"), atomically: true, encoding: .utf8)
    }

    /// How many requests to `/held…` arrived so far (answered or not).
    func heldArrivals() -> Int {
        let text = (try? String(contentsOf: directory.appendingPathComponent("log.jsonl.arrivals"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").count
    }

    /// Answers the requests to `/held…`, those waiting and those to come.
    func release() throws {
        try Data().write(to: directory.appendingPathComponent("control.release"))
    }

    /// Every request answered so far, in the order they were answered.
    func requests() -> [Request] {
        Self.log(directory.appendingPathComponent("log.jsonl")).map(Request.init)
    }

    /// The JSON lines a stub logged its requests in.
    static func log(_ file: URL) -> [[String: Any]] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    func stop() {
        Self.stop(process)
    }

    static func stop(_ process: Process) {
        // SIGKILL: a child started from a test's thread inherits that thread's blocked SIGTERM.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A loopback port nothing listens on, for a server a test starts: one a socket could bind just now, outside
    /// the kernel's ephemeral range (32768–60999 here) and the private PostgreSQL clusters' (22000–29999). An
    /// ephemeral port given back was taken by another test's outgoing connection before `serve` bound it
    /// ("Address already in use", fresh-clone run Q).
    static func closedPort() async throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 12_000..<21_000)
            if canBind(port) { return port }
        }
        throw BoardError.invalidValue("no free loopback port in 12000–20999")
    }

    /// Whether a socket can bind 127.0.0.1:`port` now, with `SO_REUSEADDR` as `serve` binds it.
    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
