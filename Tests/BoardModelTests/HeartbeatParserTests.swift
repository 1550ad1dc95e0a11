import Foundation
import Testing
@testable import BoardModel

/// One real request and what the parser must make of it. `expected` names report parts (see
/// `summary(of:)`); parts not named are not checked. `problem` is a fragment one problem must contain;
/// `"problems": "none"` requires a clean parse.
struct ParserRow: Sendable, CustomTestStringConvertible {
    var name: String
    var method = "POST"
    var suffix: String?
    var query: [String] = []
    var contentType: String?
    var body: [UInt8]
    var expected: [String: String]

    var testDescription: String { name }

    var request: HeartbeatRequest {
        HeartbeatRequest(
            method: method, pathSuffix: suffix,
            query: query.map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            },
            contentType: contentType, body: body
        )
    }
}

/// `curl -X POST URL -d '…'`: a form-encoded Content-Type whatever the body.
private func curl(_ name: String, _ body: String, suffix: String? = nil, _ expected: [String: String]) -> ParserRow {
    ParserRow(name: name, suffix: suffix, contentType: "application/x-www-form-urlencoded", body: Array(body.utf8), expected: expected)
}

/// `curl -H "Content-Type: application/json" -d '…'` and Python's `requests.post(url, json=…)`.
private func json(_ name: String, _ body: String, _ expected: [String: String]) -> ParserRow {
    ParserRow(name: name, contentType: "application/json", body: Array(body.utf8), expected: expected)
}

/// A bodiless request (`curl URL`, Uptime Kuma's push).
private func get(_ name: String, suffix: String? = nil, query: [String] = [], method: String = "GET", _ expected: [String: String]) -> ParserRow {
    ParserRow(name: name, method: method, suffix: suffix, query: query, body: [], expected: expected)
}

/// The report flattened to text, so table rows can name what they check.
private func summary(of report: HeartbeatReport) -> [String: String] {
    func measured(_ value: Measured?) -> String? { value.map { "\($0.value)|\($0.text)" } }
    var parts: [String: String?] = [
        "status": report.status.rawValue, "statusText": report.statusText, "runID": report.runID,
        "exitCode": report.exitCode.map(String.init), "duration": measured(report.duration),
        "size": measured(report.size), "files": report.files.map(String.init), "hash": report.hash,
        "rate": measured(report.rate), "ratio": measured(report.ratio), "progress": report.progress.map { "\($0)" },
        "message": report.message, "output": report.output,
        "sentAt": report.sentAt.map { "\($0.timeIntervalSince1970)" }, "isTest": "\(report.isTest)",
        "problems": report.problems.isEmpty ? "none" : report.problems.joined(separator: "; "),
    ]
    for (name, value) in report.fields { parts["fields." + name] = value }
    return parts.compactMapValues { $0 }
}

private let nil_ = "<nil>"

@Suite struct HeartbeatParserTests {
    static let rows: [ParserRow] = [
        // The seed's basic bash script (Content-Type: application/json).
        json("bash pg_dump start", #"{"status":"started","timestamp":"1795744800"}"#,
             ["status": "started", "statusText": "started", "fields.timestamp": "1795744800", "problems": "none"]),
        json("bash pg_dump completed on Linux: stat -f%z prints nothing", #"{"status":"completed","duration":12,"size":}"#,
             ["status": "completed", "duration": "12.0|12", "size": nil_, "problem": "malformed JSON: no value for 'size'"]),
        json("bash pg_dump completed on macOS", #"{"status":"completed","duration":12,"size":48213}"#,
             ["status": "completed", "duration": "12.0|12", "size": "48213.0|48213", "problems": "none"]),
        json("bash pg_dump failed", #"{"status":"failed","error":"pg_dump failed","timestamp":"1795744812"}"#,
             ["status": "failed", "message": "pg_dump failed", "fields.timestamp": "1795744812", "problems": "none"]),

        // The seed's Python send_heartbeat (requests json=: json.dumps spacing, timestamp + kwargs).
        json("python send_heartbeat started", #"{"status": "started", "timestamp": 1795744800}"#,
             ["status": "started", "fields.timestamp": "1795744800", "problems": "none"]),
        json("python send_heartbeat completed with float duration",
             #"{"status": "completed", "timestamp": 1795744812, "duration": 12.345678901234567, "size": 104857600}"#,
             ["status": "completed", "duration": "12.345678901234567|12.345678901234567", "size": "104857600.0|104857600", "problems": "none"]),
        json("python send_heartbeat failed with CalledProcessError",
             #"{"status": "failed", "timestamp": 1795744801, "error": "Command '['pg_dump', 'mydb']' returned non-zero exit status 1.", "exit_code": 1}"#,
             ["status": "failed", "exitCode": "1", "message": "Command '['pg_dump', 'mydb']' returned non-zero exit status 1.", "problems": "none"]),
        json("python monitor_backup_job start payload",
             #"{"status": "started", "timestamp": 1795744800, "backup_type": "database", "source": "/var/lib/postgresql", "destination": "s3://backups/pg", "hostname": "db-01", "start_time": "2026-11-27T02:00:00.123456", "expected_duration": "2h", "compression": "gzip", "encryption": "AES256"}"#,
             ["status": "started", "duration": nil_, "fields.expected_duration": "2h", "fields.start_time": "2026-11-27T02:00:00.123456",
              "fields.hostname": "db-01", "fields.encryption": "AES256", "problems": "none"]),
        json("python monitor_backup_job completion payload",
             #"{"status": "completed", "timestamp": 1795752000, "end_time": "2026-11-27T04:00:00.654321", "total_files": 15420, "total_size": "45.2GB", "transfer_rate": "25MB/s", "compression_ratio": "3.2:1", "verification_hash": "sha256:abc123..."}"#,
             ["status": "completed", "files": "15420", "size": "45200000000.0|45.2GB", "rate": "25000000.0|25MB/s",
              "ratio": "3.2|3.2:1", "hash": "sha256:abc123...", "fields.end_time": "2026-11-27T04:00:00.654321", "problems": "none"]),

        // PostgreSQL and MySQL scripts: curl -d, so form-encoded headers with JSON bodies.
        curl("pg_dump script start", #"{"status":"started","database":"production"}"#,
             ["status": "started", "fields.database": "production", "problems": "none"]),
        curl("pg_dump script completed on Linux", #"{"status":"completed","size":}"#,
             ["status": "completed", "size": nil_, "problem": "malformed JSON: no value for 'size'"]),
        curl("pg_dump script failed", #"{"status":"failed","error":"pg_dump failed"}"#,
             ["status": "failed", "message": "pg_dump failed", "problems": "none"]),
        curl("mysqldump script start", #"{"status":"started","database":"app_db"}"#,
             ["status": "started", "fields.database": "app_db", "problems": "none"]),
        curl("mysqldump script completed on Linux", #"{"status":"completed","size":,"compressed":true}"#,
             ["status": "completed", "size": nil_, "fields.compressed": "true", "problem": "no value for 'size'"]),
        curl("mysqldump failed but gzip succeeded: completed with a tiny file",
             #"{"status":"completed","size":20,"compressed":true}"#,
             ["status": "completed", "size": "20.0|20", "problems": "none"]),
        curl("mysqldump script failed", #"{"status":"failed","error":"mysqldump failed"}"#,
             ["status": "failed", "message": "mysqldump failed"]),

        // rsync: grep "sent" matches "Total bytes sent:" and "sent … bytes/sec", so a raw newline lands in
        // the string, and SPEED is the first word of the bytes/sec line.
        curl("rsync script start", #"{"status":"started","source":"/data","destination":"backup-server:/backups"}"#,
             ["status": "started", "fields.source": "/data", "fields.destination": "backup-server:/backups", "problems": "none"]),
        curl("rsync script completed with a raw newline", "{\"status\":\"completed\",\"transferred\":\"Total\nsent\",\"speed\":\"sent\"}",
             ["status": "completed", "fields.transferred": "Total\nsent", "fields.speed": "sent", "rate": nil_,
              "problem": "raw line break inside the string in 'transferred'"]),
        curl("rsync script failed", #"{"status":"failed","error":"rsync failed"}"#,
             ["status": "failed", "message": "rsync failed"]),

        // The S3 script (requests json=). As published it lacks `import os`, so it reports a NameError.
        json("s3 start", #"{"status": "started", "provider": "AWS S3", "bucket": "nightly-backups", "source": "/srv/data"}"#,
             ["status": "started", "fields.provider": "AWS S3", "fields.bucket": "nightly-backups", "problems": "none"]),
        json("s3 completed with '12345 bytes'", #"{"status": "completed", "total_files": 42, "total_size": "12345 bytes", "provider": "AWS S3"}"#,
             ["status": "completed", "files": "42", "size": "12345.0|12345 bytes", "problems": "none"]),
        json("s3 failed: os is not imported", #"{"status": "failed", "error": "name 'os' is not defined", "provider": "AWS S3"}"#,
             ["status": "failed", "message": "name 'os' is not defined"]),

        // verify_backup, and the retry helper (no timestamp).
        json("verify_backup matches", #"{"status": "verified", "hash": "9f86d081884c7d65", "matches_expected": true, "backup_path": "/backups/db.dump"}"#,
             ["status": "verified", "hash": "9f86d081884c7d65", "fields.backup_path": "/backups/db.dump", "problems": "none"]),
        json("verify_backup mismatch", #"{"status": "verified", "hash": "e3b0c44298fc1c14", "matches_expected": false, "backup_path": "/backups/db.dump"}"#,
             ["status": "verification_failed", "statusText": "verified", "hash": "e3b0c44298fc1c14", "problems": "none"]),
        json("send_heartbeat_with_retry completed", #"{"status": "completed", "duration": 3600, "size": 2147483648}"#,
             ["status": "completed", "duration": "3600.0|3600", "size": "2147483648.0|2147483648", "problems": "none"]),
        json("send_heartbeat_with_retry failed", #"{"status": "failed", "error": "Connection reset by peer"}"#,
             ["status": "failed", "message": "Connection reset by peer"]),
        curl("troubleshooting test ping", #"{"test":true}"#,
             ["status": "test", "isTest": "true", "problems": "none"]),

        // Healthchecks-style URLs.
        get("plain curl URL", ["status": "completed", "problems": "none"]),
        get("HEAD ping", method: "HEAD", ["status": "completed", "problems": "none"]),
        get("/start", suffix: "start", ["status": "started", "statusText": nil_, "problems": "none"]),
        get("/start with a run id", suffix: "start", query: ["rid=7c9e6679"], ["status": "started", "runID": "7c9e6679"]),
        get("/0", suffix: "0", ["status": "completed", "exitCode": "0", "problems": "none"]),
        get("/3", suffix: "3", ["status": "failed", "exitCode": "3", "problems": "none"]),
        curl("/fail with the log tail", "pg_dump: error: connection to server failed\n", suffix: "fail",
             ["status": "failed", "message": "pg_dump: error: connection to server failed",
              "output": "pg_dump: error: connection to server failed\n"]),
        curl("/log with a note", "rotated 3 files", suffix: "log", ["status": "log", "message": "rotated 3 files", "problems": "none"]),
        curl("/0 with a multi-line output tail", "dumping table users\ndumping table orders\ndone\n", suffix: "0",
             ["status": "completed", "output": "dumping table users\ndumping table orders\ndone\n", "message": nil_]),
        curl("/fail contradicted by the body", #"{"status":"ok"}"#, suffix: "fail",
             ["status": "failed", "statusText": "ok", "problem": "conflicting signals (URL /fail, status 'ok'); kept failed"]),
        curl("/0 contradicted by exit_code in the body", #"{"exit_code":2}"#, suffix: "0",
             ["status": "failed", "exitCode": "2"]),
        get("/start/ with stray slashes", suffix: "/start/", ["status": "started"]),
        get("unknown suffix", suffix: "finish", ["status": "completed", "problem": "unknown URL suffix '/finish'"]),

        // Uptime Kuma push and other query pings.
        get("uptime kuma up", query: ["status=up", "msg=OK", "ping=123"],
            ["status": "completed", "statusText": "up", "message": "OK", "duration": "0.123|123 ms", "problems": "none"]),
        get("uptime kuma down with empty ping", query: ["status=down", "msg=disk full", "ping="],
            ["status": "failed", "message": "disk full", "duration": nil_, "problems": "none"]),
        get("query with every field", query: ["status=failed", "msg=quota exceeded", "rid=run-42", "duration=1h30m", "size=2.5GiB"],
            ["status": "failed", "message": "quota exceeded", "runID": "run-42", "duration": "5400.0|1h30m",
             "size": "2684354560.0|2.5GiB", "problems": "none"]),

        // Form bodies (curl -d without JSON), raw spaces included.
        curl("form body", "status=ok&msg=nightly+done&duration=95",
             ["status": "completed", "message": "nightly done", "duration": "95.0|95", "problems": "none"]),
        curl("form body with raw spaces", "status=failed&msg=disk full on /var",
             ["status": "failed", "message": "disk full on /var"]),
        curl("form body with only an exit code", "exit_code=2&host=db-01",
             ["status": "failed", "exitCode": "2", "fields.host": "db-01"]),

        // Plain text and empty bodies.
        curl("empty body", "", ["status": "completed", "output": nil_, "problems": "none"]),
        ParserRow(name: "text/plain line", contentType: "text/plain", body: Array("Backup finished in 42s".utf8),
                  expected: ["status": "completed", "message": "Backup finished in 42s", "output": "Backup finished in 42s"]),
        curl("log tail quoting a failed status", "GET /api/v1/jobs\n{\"status\": \"failed\", \"retry\": true}\n",
             ["status": "failed", "problem": "taken from the raw body text"]),
        curl("/0 log tail quoting a failed status", "retrying after {\"status\": \"error\"}\nall good\n", suffix: "0",
             ["status": "completed", "exitCode": "0", "problems": "none"]),
        curl("form value holding JSON", #"data={"status":"failed","error":"disk full"}"#,
             ["status": "failed", "fields.data": #"{"status":"failed","error":"disk full"}"#]),
        curl("text body that is a status word", "FAILED\n", ["status": "failed", "statusText": "FAILED"]),
        json("JSON Content-Type with a text body", "backup ok", ["status": "completed", "problem": "not a JSON object"]),

        // Contradictions and aliases.
        json("completed but exit_code 2", #"{"status":"completed","exit_code":2}"#,
             ["status": "failed", "statusText": "completed", "exitCode": "2", "problem": "conflicting signals"]),
        json("completed with error text stays completed", #"{"status":"completed","error":"3 files vanished"}"#,
             ["status": "completed", "message": "3 files vanished", "problems": "none"]),
        json("error without a status", #"{"error":"disk full"}"#,
             ["status": "failed", "message": "disk full", "problem": "error reported without a status"]),
        json("error flag without text", #"{"status":"completed","error":false}"#,
             ["status": "completed", "message": nil_, "problems": "none"]),
        json("error flag true without a status", #"{"error":true}"#, ["status": "failed", "message": nil_]),
        json("failed with exitCode 0 stays failed", #"{"status":"failed","exitCode":0}"#, ["status": "failed", "exitCode": "0"]),
        json("ok with returncode 137", #"{"status":"ok","returncode":137}"#, ["status": "failed", "exitCode": "137"]),
        json("unknown status word", #"{"status":"xyz"}"#,
             ["status": "log", "statusText": "xyz", "problem": "unknown status 'xyz' kept as log"]),
        json("aliases ignore case, progress as a percent string", #"{"status":"Running","percent":"45%","run_id":"r1"}"#,
             ["status": "started", "statusText": "Running", "progress": "45.0", "runID": "r1", "problems": "none"]),
        json("progress without a status", #"{"progress": 45}"#, ["status": "progress", "progress": "45.0"]),
        json("verification_failed word", #"{"status":"verification_failed"}"#, ["status": "verification_failed"]),
        json("preparing", #"{"status":"preparing","free_space":"120GB"}"#, ["status": "preparing", "fields.free_space": "120GB"]),
        json("test ping carrying a failure", #"{"test":true,"status":"failed"}"#,
             ["status": "failed", "isTest": "true", "problem": "test ping reports failed"]),
        json("sent_at from our spool", #"{"status":"completed","sent_at":"2026-11-27T02:00:00Z"}"#,
             ["status": "completed", "sentAt": "1795744800.0", "problems": "none"]),
        json("elapsed and bytes aliases", #"{"status":"done","elapsed":"01:02:03","bytes":"1.5 GiB","files":"1,204"}"#,
             ["status": "completed", "duration": "3723.0|01:02:03", "size": "1610612736.0|1.5 GiB", "files": "1204"]),

        // Broken bodies: the status survives.
        ParserRow(name: "binary garbage holding a failed status", contentType: "application/octet-stream",
                  body: [0x00, 0xFF, 0x13] + Array(#"garbage "status":"failed" {{"#.utf8),
                  expected: ["status": "failed", "problem": "not valid UTF-8"]),
        ParserRow(name: "binary garbage", contentType: nil, body: [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFE, 0x00, 0x7F],
                  expected: ["status": "completed", "problem": "not valid UTF-8"]),
        json("body cut short", #"{"status":"failed","error":"pg_dump: err"#,
             ["status": "failed", "message": "pg_dump: err", "problem": "unterminated string"]),
        curl("python repr instead of JSON", "{'status': 'failed', 'error': 'boom', 'compressed': True}",
             ["status": "failed", "message": "boom", "fields.compressed": "true"]),
        curl("missing comma", #"{"status":"failed" "error":"x"}"#, ["status": "failed", "message": "x", "problem": "missing comma before 'error'"]),
        curl("garbage after a completed status hides a failure", #"{"status":"completed", @@ "status":"failed"}"#,
             ["status": "failed", "problem": "taken from the raw body text"]),

        // Huge numbers, nesting, unicode.
        json("huge numbers", #"{"status":"completed","size":123456789012345678901234567890,"total_files":99999999999999999999999,"duration":1e400}"#,
             ["status": "completed", "size": nil_, "files": nil_, "duration": nil_,
              "fields.size": "123456789012345678901234567890", "fields.duration": "1e400", "problem": "is not a size"]),
        json("huge exit code", #"{"status":"completed","exit_code":99999999999999999999}"#,
             ["status": "failed", "problem": "out of range"]),
        json("nested objects and arrays", #"{"status":"completed","stats":{"files":[1,2,{"a":null}],"ok":true},"tags":["db", "nightly"]}"#,
             ["status": "completed", "fields.stats": #"{"files":[1,2,{"a":null}],"ok":true}"#, "fields.tags": #"["db","nightly"]"#, "problems": "none"]),
        json("python ensure_ascii escapes", #"{"status": "failed", "error": "Datei nicht gefunden: /srv/\u00dcberweisungen \ud83d\udcbe"}"#,
             ["status": "failed", "message": "Datei nicht gefunden: /srv/Überweisungen 💾", "problems": "none"]),
        curl("raw UTF-8", #"{"status":"ok","msg":"Sauvegarde réussie ✓","hôte":"sérveur-01"}"#,
             ["status": "completed", "message": "Sauvegarde réussie ✓", "fields.hôte": "sérveur-01", "problems": "none"]),
    ]

    @Test(arguments: rows)
    func realBodies(row: ParserRow) {
        let report = HeartbeatParser.parse(row.request)
        let actual = summary(of: report)
        for (part, expected) in row.expected.sorted(by: { $0.key < $1.key }) {
            if part == "problem" {
                #expect(report.problems.contains { $0.contains(expected) }, "problems: \(report.problems)")
            } else if expected == nil_ {
                #expect(actual[part] == nil, "\(part)")
            } else {
                #expect(actual[part] == expected, "\(part)")
            }
        }
    }

    @Test func tableCoversEnoughBodies() {
        #expect(Self.rows.count >= 40)
        #expect(Set(Self.rows.map(\.name)).count == Self.rows.count)
    }

    @Test func sentAtHeaderWinsOverTheBody() {
        let request = HeartbeatRequest(
            body: Array(#"{"status":"completed","sent_at":1795744800}"#.utf8), sentAtHeader: "1795744900"
        )
        #expect(HeartbeatParser.parse(request).sentAt == Date(timeIntervalSince1970: 1_795_744_900))
        let bodyOnly = HeartbeatRequest(body: Array(#"{"sent_at":1795744800123}"#.utf8))
        #expect(HeartbeatParser.parse(bodyOnly).sentAt == Date(timeIntervalSince1970: 1_795_744_800.123))
    }

    @Test func attemptsAreKeptAsSentAndReadAsAWholeNumber() {
        let retry = HeartbeatParser.parse(HeartbeatRequest(
            body: Array(#"{"status":"progress","rid":"r1","attempt":2,"attempt_exit_code":3}"#.utf8)))
        #expect(retry.status == .progress)
        #expect(retry.exitCode == nil, "attempt_exit_code is not a failure of the run")
        #expect(retry.attempt == 2)
        #expect(retry.fields["attempt"] == "2")
        #expect(retry.problems.isEmpty)
        let end = HeartbeatParser.parse(HeartbeatRequest(body: Array(#"{"status":"completed","Attempts":"3"}"#.utf8)))
        #expect(end.attempt == 3)
        let bad = HeartbeatParser.parse(HeartbeatRequest(body: Array(#"{"status":"completed","attempts":"0"}"#.utf8)))
        #expect(bad.status == .completed)
        #expect(bad.attempt == nil)
        #expect(bad.problems == ["attempts '0' is not a whole number of attempts from 1"])
    }

    @Test func verifiedFalseOnlyMattersForVerification() {
        let completed = HeartbeatParser.parse(HeartbeatRequest(body: Array(#"{"status":"completed","verified":false}"#.utf8)))
        #expect(completed.status == .completed)
        #expect(completed.fields["verified"] == "false")
        let verified = HeartbeatParser.parse(HeartbeatRequest(body: Array(#"{"status":"verified","verified":"false"}"#.utf8)))
        #expect(verified.status == .verificationFailed)
        let mismatch = HeartbeatParser.parse(HeartbeatRequest(body: Array(#"{"status":"completed","matches_expected":false}"#.utf8)))
        #expect(mismatch.status == .verificationFailed)
    }

    @Test func everyAliasResolves() {
        let words: [(String, HeartbeatStatus)] = [
            ("start", .started), ("begin", .started), ("RUNNING", .started), ("progress", .progress),
            ("preparing", .preparing), ("verifying", .verifying), ("success", .completed), ("ok", .completed),
            ("Done", .completed), ("up", .completed), ("finished", .completed), ("fail", .failed), ("error", .failed),
            ("down", .failed), ("verified", .verified), ("verification-failed", .verificationFailed),
            ("verificationFailed", .verificationFailed), ("log", .log), ("test", .test),
        ]
        for (word, status) in words {
            #expect(HeartbeatParser.status(forWord: word) == status, "\(word)")
        }
        #expect(HeartbeatParser.status(forWord: "failure") == .failed)
        #expect(HeartbeatParser.status(forWord: "kaputt") == nil)
    }

    /// Every seed body cut at every byte: no trap, and once `"status":"failed"` has arrived whole, the
    /// heartbeat is a failure however the rest is broken.
    @Test func truncatedBodiesKeepTheirFailure() {
        let bodies = Self.rows.map(\.body).filter { !$0.isEmpty }
        let failed = Array(#""status":"failed""#.utf8)
        for body in bodies {
            for end in 0...body.count {
                let prefix = Array(body[..<end])
                let report = HeartbeatParser.parse(HeartbeatRequest(body: prefix))
                let compact = prefix.filter { $0 != UInt8(ascii: " ") }
                if compact.firstRange(of: failed) != nil {
                    #expect(report.status == .failed, "\(String(decoding: prefix, as: UTF8.self))")
                }
            }
        }
    }

    /// Random bytes and random mutations of real bodies, from a fixed seed: the parser always answers.
    @Test func randomBodiesNeverTrap() {
        var generator = SeededGenerator(seed: 0x5EED)
        let alphabet = Array(#"{}[]":,\ntruefalsnul0123456789.eE-+'\u00ffstatus=&%"#.utf8) + [0x00, 0xC3, 0xFF, 0x0A]
        var statuses = Set<HeartbeatStatus>()
        for round in 0..<3_000 {
            var body: [UInt8]
            if round % 2 == 0 {
                body = (0..<Int.random(in: 0...80, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            } else {
                body = Self.rows.randomElement(using: &generator)!.body
                for _ in 0..<Int.random(in: 1...6, using: &generator) where !body.isEmpty {
                    body[Int.random(in: 0..<body.count, using: &generator)] = alphabet.randomElement(using: &generator)!
                }
            }
            let report = HeartbeatParser.parse(HeartbeatRequest(pathSuffix: round % 7 == 0 ? "fail" : nil, body: body))
            statuses.insert(report.status)
            if round % 7 == 0 { #expect(report.status == .failed || report.status == .verificationFailed) }
            #expect(report.problems.count <= 30)
        }
        #expect(statuses.count > 3)
    }

    @Test func deepNestingIsKeptAsText() {
        let body = Array(#"{"status":"failed","deep":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: 50_000)
        let report = HeartbeatParser.parse(HeartbeatRequest(body: body))
        #expect(report.status == .failed)
        #expect(report.problems.contains { $0.contains("nested too deeply") })
    }
}

@Suite struct HeartbeatParserScannerTests {
    private func read(_ text: String) -> TolerantJSON.ObjectReading? {
        TolerantJSON.readObject(Array(text.utf8))
    }

    @Test func strictJSONHasNoProblems() throws {
        let reading = try #require(read(#" {"a": 1.50, "b": [true, null], "c": {"d": "e\"f"}} "#))
        #expect(reading.problems.isEmpty)
        #expect(reading.members.map(\.name) == ["a", "b", "c"])
        #expect(reading.members[0].value == .number("1.50"))
        #expect(reading.members[1].value == .array([.bool(true), .null]))
        #expect(reading.members[2].value.compactText == #"{"d":"e\"f"}"#)
    }

    @Test func missingValueIsSkipped() throws {
        let reading = try #require(read(#"{"status":"completed","duration":12,"size":}"#))
        #expect(reading.members == [
            JSONMember(name: "status", value: .string("completed")), JSONMember(name: "duration", value: .number("12")),
        ])
        #expect(reading.problems == ["no value for 'size'"])
    }

    @Test func rawLineBreaksStayInTheString() throws {
        let reading = try #require(read("{\"transferred\":\"Total\nsent\",\"speed\":\"sent\"}"))
        #expect(reading.members.map(\.value) == [.string("Total\nsent"), .string("sent")])
        #expect(reading.problems == ["raw line break inside the string in 'transferred'"])
    }

    @Test func unclosedBodiesKeepWhatArrived() throws {
        let reading = try #require(read(#"{"status":"failed","size":12"#))
        #expect(reading.members.map(\.value) == [.string("failed"), .number("12")])
        #expect(reading.problems == ["the object is not closed"])
        let cut = try #require(read(#"{"status":"fai"#))
        #expect(cut.members.first?.value == .string("fai"))
        #expect(cut.problems.contains("unterminated string in 'status'"))
    }

    @Test func pythonishAndSloppyText() throws {
        let reading = try #require(read("{'ok': True, 'err': None, status: failed, \"n\" = 5,}"))
        #expect(reading.members.map(\.name) == ["ok", "err", "status", "n"])
        #expect(reading.members.map(\.value) == [.bool(true), .null, .string("failed"), .number("5")])
        #expect(reading.problems.contains("unquoted name 'status'"))
        #expect(reading.problems.contains("'=' instead of ':' after 'n'"))
        #expect(reading.problems.contains("comma before '}'"))
    }

    @Test func unicodeEscapes() throws {
        let reading = try #require(read(#"{"a":"\u00e9\ud83d\udcbe","b":"\udcff","c":"\q"}"#))
        #expect(reading.members.map(\.value) == [.string("é💾"), .string("\u{FFFD}"), .string("\\q")])
        #expect(reading.problems == ["invalid escape in 'b'", "invalid escape in 'c'"])
    }

    @Test func duplicateNamesAreKeptInOrder() throws {
        let reading = try #require(read(#"{"status":"completed","status":"failed"}"#))
        #expect(reading.members.map(\.value) == [.string("completed"), .string("failed")])
        #expect(reading.problems == ["duplicate field 'status'"])
    }

    @Test func garbageIsSkippedToTheNextMember() throws {
        let reading = try #require(read(#"{@@@, "b":2} trailing"#))
        #expect(reading.members == [JSONMember(name: "b", value: .number("2"))])
        #expect(reading.problems == ["unreadable text skipped", "text after the closing brace ignored"])
    }

    @Test func onlyObjectsAreRead() {
        #expect(read(#"["status","failed"]"#) == nil)
        #expect(read("status=failed") == nil)
        #expect(read("") == nil)
        #expect(read("\u{FEFF}{}") != nil)
    }

    @Test func statusWordsAreFoundAnywhere() {
        func words(_ text: String) -> [String] { TolerantJSON.statusWords(in: Array(text.utf8)) }
        #expect(words(#"xx "status" : "failed" yy 'STATUS':'ok'"#) == ["failed", "ok"])
        #expect(words("status=down&msg=x") == ["down"])
        #expect(words(#"{"output":"the \"status\": \"failed\" line"}"#) == [])
        #expect(words("laststatus=failed") == [])
    }

    @Test func numbersFollowTheGrammar() {
        for good in ["0", "-0", "12", "1.5", "1e400", "-2.5E-3"] { #expect(TolerantJSON.isJSONNumber(good), "\(good)") }
        for bad in ["", "-", "01", "1.", ".5", "+1", "1e", "0x10", "1,234"] { #expect(!TolerantJSON.isJSONNumber(bad), "\(bad)") }
    }
}

/// A small deterministic generator (SplitMix64), so random tests replay the same bodies.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
