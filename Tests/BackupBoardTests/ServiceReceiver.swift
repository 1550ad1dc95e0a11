import Foundation
import Testing

/// A loopback stand-in for the notification services, in `python3`'s http.server, that checks each request the
/// way the service documents it (path, credentials, content type, required fields, size limits) and answers as
/// the service does: a 2xx with the service's body when the request is right, the service's error status (and
/// a reason) when it is not. Every request is recorded with the status it got.
///
/// `limit(_:retryAfter:)` makes the next requests answer 429 with `Retry-After`, as Discord and Telegram do.
final class ServiceReceiver: @unchecked Sendable {
    typealias Request = StubHeartbeatServer.Request

    /// The credentials the receiver expects (a request with other ones is refused as the service would).
    static let telegramToken = "123456:TELEGRAM-SECRET"
    static let ntfyToken = "tk_NTFYSECRET"
    static let matrixToken = "syt_MATRIXSECRET"
    static let opsgenieKey = "OPSGENIE-SECRET-KEY"
    static let pushoverApp = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
    static let pushoverUser = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
    static let gotifyToken = "AGOTIFYSECRET"

    let directory: URL
    let port: Int
    private let process: Process

    var url: String { "http://127.0.0.1:\(port)" }

    private static let script = #"""
        import http.server, json, os, sys, threading, urllib.parse
        log_path, control_path, telegram, ntfy, matrix, opsgenie, pushover_app, pushover_user, gotify = sys.argv[1:10]
        lock = threading.Lock()
        matrix_txns = {}
        opsgenie_aliases = set()

        def utf16(text):
            return len(text.encode("utf-16-le")) // 2

        def check(method, path, headers, raw):
            """(status, answer body, reason) for a request, as the service would answer it."""
            query = urllib.parse.urlparse(path).query
            route = urllib.parse.urlparse(path).path
            ctype = headers.get("content-type", "")
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return 400, {"error": "body is not JSON"}, "not json"
            if route.startswith("/ntfy/"):
                if method != "POST" or route != "/ntfy/": return 404, {"error": "publish JSON to the server root"}, "path"
                if headers.get("authorization") != "Bearer " + ntfy: return 403, {"code": 40301, "error": "forbidden"}, "auth"
                if not isinstance(body, dict) or not body.get("topic"): return 400, {"code": 40001, "error": "topic missing"}, "topic"
                if len(body.get("message", "").encode()) > 4096: return 413, {"error": "message too large"}, "size"
                if body.get("priority") not in (1, 2, 3, 4, 5): return 400, {"error": "invalid priority"}, "priority"
                if not all(isinstance(t, str) for t in body.get("tags", [])): return 400, {"error": "invalid tags"}, "tags"
                return 200, {"id": "abc123", "event": "message", "topic": body["topic"]}, ""
            if route.startswith("/api/webhooks/"):
                if "application/json" not in ctype: return 400, {"message": "Cannot send an empty message", "code": 50006}, "ctype"
                content, embeds = body.get("content", ""), body.get("embeds", [])
                if not content and not embeds: return 400, {"message": "Cannot send an empty message", "code": 50006}, "empty"
                if len(content) > 2000: return 400, {"content": ["Must be 2000 or fewer in length."]}, "content"
                if len(embeds) > 10: return 400, {"embeds": ["Must be 10 or fewer in length."]}, "embeds"
                total = 0
                for e in embeds:
                    if len(e.get("title", "")) > 256 or len(e.get("description", "")) > 4096: return 400, {"embeds": ["limit"]}, "embed"
                    if len(e.get("fields", [])) > 25: return 400, {"embeds": ["fields"]}, "fields"
                    for f in e.get("fields", []):
                        if not f.get("name") or not f.get("value") or len(f["name"]) > 256 or len(f["value"]) > 1024:
                            return 400, {"embeds": ["field"]}, "field"
                    if not isinstance(e.get("color", 0), int) or not 0 <= e.get("color", 0) <= 0xFFFFFF: return 400, {"embeds": ["color"]}, "color"
                    total += len(e.get("title", "")) + len(e.get("description", "")) + len(e.get("footer", {}).get("text", ""))
                    total += sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", []))
                if total > 6000: return 400, {"embeds": ["Embed size exceeds maximum size of 6000"]}, "total"
                return 204, None, ""
            if route.startswith("/bot"):
                token, _, verb = route[4:].partition("/")
                if token != telegram: return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, "auth"
                if verb != "sendMessage": return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, "verb"
                text = body.get("text", "")
                if "chat_id" not in body: return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, "chat"
                if not text or utf16(text) > 4096: return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, "size"
                return 200, {"ok": True, "result": {"message_id": 7, "text": text[:20]}}, ""
            if route.startswith("/teams/"):
                if len(raw.encode()) > 28 * 1024: return 413, {"error": "too large"}, "size"
                atts = body.get("attachments", []) if body.get("type") == "message" else []
                if len(atts) != 1 or atts[0].get("contentType") != "application/vnd.microsoft.card.adaptive": return 400, {"error": "not an adaptive card message"}, "shape"
                card = atts[0].get("content", {})
                if card.get("type") != "AdaptiveCard" or not card.get("version") or not card.get("body"): return 400, {"error": "bad card"}, "card"
                return 202, None, ""
            if route.startswith("/_matrix/client/v3/rooms/"):
                parts = route.split("/")
                if method != "PUT" or len(parts) != 9 or parts[6] != "send" or parts[7] != "m.room.message": return 404, {"errcode": "M_UNRECOGNIZED"}, "path"
                if headers.get("authorization") != "Bearer " + matrix: return 401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token"}, "auth"
                if len(raw.encode()) > 65536: return 413, {"errcode": "M_TOO_LARGE"}, "size"
                if not body.get("msgtype") or not isinstance(body.get("body"), str): return 400, {"errcode": "M_BAD_JSON"}, "shape"
                txn = parts[8]
                with lock:
                    first = txn not in matrix_txns
                    matrix_txns.setdefault(txn, "$event%d" % (len(matrix_txns) + 1))
                return 200, {"event_id": matrix_txns[txn]}, "" if first else "duplicate"
            if route.startswith("/v2/alerts"):
                if headers.get("authorization") != "GenieKey " + opsgenie: return 422, {"message": "Key format is not valid!"}, "auth"
                if route == "/v2/alerts":
                    if not body.get("message") or len(body["message"]) > 130: return 422, {"message": "message too long"}, "message"
                    if len(body.get("alias", "")) > 512 or len(body.get("description", "")) > 15000: return 422, {"message": "limits"}, "limits"
                    if body.get("priority") not in ("P1", "P2", "P3", "P4", "P5"): return 422, {"message": "priority"}, "priority"
                    if any(len(t) > 50 for t in body.get("tags", [])) or len(body.get("tags", [])) > 20: return 422, {"message": "tags"}, "tags"
                    with lock: opsgenie_aliases.add(body.get("alias"))
                    return 202, {"result": "Request will be processed", "requestId": "r1"}, ""
                parts = route.split("/")
                if len(parts) != 5 or parts[4] not in ("acknowledge", "close") or "identifierType=alias" not in query: return 404, {"message": "no such route"}, "route"
                with lock: known = urllib.parse.unquote(parts[3]) in opsgenie_aliases
                if not known: return 404, {"message": "Alert does not exist"}, "alias"
                return 202, {"result": "Request will be processed", "requestId": "r2"}, ""
            if route.startswith("/1/"):
                if (body or {}).get("token") != pushover_app: return 400, {"status": 0, "errors": ["application token is invalid"]}, "token"
                if route.startswith("/1/receipts/cancel_by_tag/"): return 200, {"status": 1, "canceled": 1}, ""
                if route != "/1/messages.json": return 404, {"status": 0}, "route"
                if body.get("user") != pushover_user: return 400, {"status": 0, "errors": ["user identifier is invalid"]}, "user"
                if not body.get("message") or len(body["message"]) > 1024 or len(body.get("title", "")) > 250: return 400, {"status": 0, "errors": ["message"]}, "size"
                p = body.get("priority", 0)
                if p not in (-2, -1, 0, 1, 2): return 400, {"status": 0, "errors": ["priority"]}, "priority"
                if p == 2 and not (body.get("retry", 0) >= 30 and 0 < body.get("expire", 0) <= 10800): return 400, {"status": 0, "errors": ["retry/expire"]}, "emergency"
                return 200, {"status": 1, "request": "req1"} if p != 2 else {"status": 1, "request": "req1", "receipt": "rcpt1"}, ""
            if route == "/message":
                if headers.get("x-gotify-key") != gotify: return 401, {"error": "Unauthorized", "errorCode": 401}, "auth"
                if not body.get("message") or not isinstance(body.get("priority", 0), int): return 400, {"error": "Bad Request"}, "shape"
                return 200, {"id": 1, "appid": 1, "message": body["message"][:20]}, ""
            return 200, {"ok": True}, ""

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                headers = {k.lower(): v for k, v in self.headers.items()}
                with lock:
                    try:
                        limits = open(control_path).read().split()
                    except FileNotFoundError:
                        limits = []
                    if limits:
                        with open(control_path, "w") as f:
                            f.write("\n".join(limits[1:]))
                if limits:
                    status, body, reason, extra = 429, {"message": "You are being rate limited.", "retry_after": float(limits[0])}, "rate limited", {"Retry-After": limits[0]}
                else:
                    status, body, reason = check(self.command, self.path, headers, raw)
                    extra = {}
                with lock, open(log_path, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "status": status, "body": raw,
                                        "reason": reason, "headers": headers}) + "\n")
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in extra.items(): self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = do_GET = do_PATCH = do_DELETE = answer

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-services-\(UUID().uuidString)")
        self.directory = directory
        (process, port) = try await StubHeartbeatServer.launch(
            Self.script, in: directory,
            arguments: [
                directory.appendingPathComponent("log.jsonl").path, directory.appendingPathComponent("control").path,
                Self.telegramToken, Self.ntfyToken, Self.matrixToken, Self.opsgenieKey, Self.pushoverApp, Self.pushoverUser,
                Self.gotifyToken,
            ])
    }

    deinit { stop() }

    /// The next `count` requests are answered 429 with `Retry-After: seconds` (and `retry_after` in the body).
    func limit(_ count: Int, retryAfter seconds: Int) throws {
        try Array(repeating: String(seconds), count: count).joined(separator: "\n")
            .write(to: directory.appendingPathComponent("control"), atomically: true, encoding: .utf8)
    }

    /// Every request answered so far, in order, with why it was refused (empty when it was not).
    func requests() -> [(request: Request, reason: String)] {
        StubHeartbeatServer.log(directory.appendingPathComponent("log.jsonl")).map { (Request($0), $0["reason"] as? String ?? "") }
    }

    func stop() {
        StubHeartbeatServer.stop(process)
    }
}
