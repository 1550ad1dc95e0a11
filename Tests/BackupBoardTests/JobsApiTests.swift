@testable import BoardServe
@testable import BoardWire
import BoardModel
import Foundation
import Testing

// The jobs API (docs/api.md) through the real server on a loopback port, driven by curl: bodies in the jobs
// file's keys with its messages, ping keys only where they are made, every write in the audit trail.

private func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite(.serialized) struct JobsApiTests {
    private let admin = ["Authorization": "Bearer admin-token-1", "BackupBoard-Signature": "alice@laptop"]
    private let reader = ["Authorization": "Bearer reader-token-1"]

    @Test func createListReplacePatchAndDelete() async throws {
        let api = try await ApiServer.start(admin: ["admin-token-1"], readOnly: ["reader-token-1"])
        defer { Task { try? await api.stop() } }

        let created = try await api.call("POST", "/api/v1/jobs", headers: admin, body: """
            {"slug": "db-prod", "schedule": "0 2 * * *", "timezone": "Europe/Berlin", "grace": "30m", "tags": ["db", "prod"],
             "alerts": {"severity": {"failed": "emergency"}}}
            """)
        #expect(created.code == 201, "\(created.body)")
        #expect(created.headers["location"] == "/api/v1/jobs/db-prod")
        let createdObject = try json(created.body)
        let key = try #require(createdObject["key"] as? String)
        #expect(PingKey.problem(with: key) == nil && key.count >= 20)
        let stored = try #require(try await api.store.job(slug: "db-prod"))
        #expect(stored.pingKey == key)
        #expect(stored.schedule.description == "cron 0 2 * * * Europe/Berlin")
        #expect(stored.grace == 1800)
        #expect(stored.alerting.severity(for: .failed) == .emergency)
        #expect(try await request(["-X", "POST", api.url("/heartbeat/\(key)")]).code == 200, "the new key takes pings at once")

        let again = try await api.call("POST", "/api/v1/jobs", headers: admin, body: #"{"slug": "db-prod", "schedule": "6h"}"#)
        #expect(again.code == 409 && again.body.contains("already exists"))

        // The list and the detail, with a read token, never carry a key.
        let list = try await api.call("GET", "/api/v1/jobs?tag=db", headers: reader)
        #expect(list.code == 200 && list.headers["etag"] != nil)
        let listed = try #require(try json(list.body)["jobs"] as? [[String: Any]])
        #expect(listed.map { $0["slug"] as? String } == ["db-prod", "pg"])
        #expect(listed[0]["schedule"] as? String == "0 2 * * *" && listed[0]["grace"] as? String == "30m")
        #expect(try await api.call("GET", "/api/v1/jobs", headers: reader).body.components(separatedBy: "\"slug\"").count == 4)
        let detail = try await api.call("GET", "/api/v1/jobs/db-prod", headers: reader)
        for body in [list.body, detail.body] {
            #expect(!body.contains(key) && !body.contains("pg_key_") && !body.contains("\"key\""))
        }
        let spec = try #require(try json(detail.body)["spec"] as? [String: Any])
        #expect(spec["timezone"] as? String == "Europe/Berlin")

        // PUT the detail's spec back: nothing changes, 200; PUT a new slug creates it, 201.
        let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let same = try await api.call("PUT", "/api/v1/jobs/db-prod", headers: admin, body: specText)
        #expect(same.code == 200 && !same.body.contains(key), "\(same.body)")
        #expect(try await api.store.job(slug: "db-prod") == stored)
        let put = try await api.call("PUT", "/api/v1/jobs/files", headers: admin, body: #"{"schedule": "1d"}"#)
        #expect(try put.code == 201 && json(put.body)["key"] as? String != nil)
        let putAgain = try await api.call("PUT", "/api/v1/jobs/files", headers: admin, body: #"{"schedule": "1d"}"#)
        #expect(putAgain.code == 200 && !putAgain.body.contains("\"key\""))
        let renamed = try await api.call("PUT", "/api/v1/jobs/files", headers: admin, body: #"{"slug": "other", "schedule": "1d"}"#)
        #expect(renamed.code == 400 && renamed.body.contains("cannot change"))

        // PATCH changes what it names; null takes a key back to its default; the key stays.
        let patch = try await api.call("PATCH", "/api/v1/jobs/db-prod", headers: admin, body: #"{"grace": "2h", "tags": null, "alerts": {"anomaly_window": 12}}"#)
        #expect(patch.code == 200, "\(patch.body)")
        let patched = try #require(try await api.store.job(slug: "db-prod"))
        #expect(patched.grace == 7200 && patched.tags.isEmpty && patched.alerting.anomalyWindow == 12)
        #expect(patched.alerting.severity(for: .failed) == .emergency && patched.pingKey == key)
        #expect(patched.schedule == stored.schedule)
        #expect(try await api.call("PATCH", "/api/v1/jobs/nope", headers: admin, body: "{}").code == 404)

        // The jobs file's validation and messages.
        let typo = try await api.call("PATCH", "/api/v1/jobs/db-prod", headers: admin, body: #"{"grase": "1h"}"#)
        #expect(typo.code == 400)
        #expect(try json(typo.body)["error"] as? String == "unknown key 'grase' in job 'db-prod' (did you mean 'grace'?)")
        let bad = try await api.call("POST", "/api/v1/jobs", headers: admin, body: #"{"slug": "x", "schedule": "soon", "priority": "urgent"}"#)
        #expect(bad.code == 400 && bad.body.contains("invalid schedule \\\"soon\\\" in job 'x'") && bad.body.contains("invalid priority"))
        #expect(try await api.call("POST", "/api/v1/jobs", headers: admin, body: #"{"schedule": "6h"}"#).body.contains("'slug' is required"))
        #expect(try await api.call("POST", "/api/v1/jobs", headers: admin, body: "[1]").body.contains("must be a JSON object"))
        #expect(try await api.call("POST", "/api/v1/jobs", headers: admin, body: "{").body.contains("not valid JSON"))
        let orphan = try await api.call("POST", "/api/v1/jobs", headers: admin, body: #"{"slug": "incr", "schedule": "1d", "chain_parent": "db-prd"}"#)
        #expect(orphan.code == 400 && orphan.body.contains("no job 'db-prd' (did you mean 'db-prod'?)"))
        #expect(try await api.call("POST", "/api/v1/jobs", headers: admin, body: #"{"slug": "incr", "schedule": "1d", "chain_parent": "db-prod"}"#).code == 201)
        let taken = try await api.call("POST", "/api/v1/jobs", headers: admin, body: #"{"slug": "dup", "schedule": "1d", "key": "pg_key_000000000000000"}"#)
        #expect(taken.code == 409 && !taken.body.contains("pg_key_"))

        // Reads with a read token, writes with an admin token only.
        #expect(try await api.call("POST", "/api/v1/jobs", headers: reader, body: #"{"slug": "r", "schedule": "1d"}"#).code == 403)
        #expect(try await api.call("DELETE", "/api/v1/jobs/pg", headers: reader).code == 403)

        let delete = try await api.call("DELETE", "/api/v1/jobs/files", headers: admin)
        #expect(delete.code == 204 && delete.body.isEmpty)
        #expect(try await api.store.job(slug: "files") == nil)
        #expect(try await api.call("DELETE", "/api/v1/jobs/files", headers: admin).code == 404)
        #expect(try await api.call("POST", "/api/v1/jobs/db-prod", headers: admin).code == 405)
        try await api.stop()
    }

    @Test func keysAreShownOnlyWhereTheyAreMadeOrAskedForByAnAdmin() async throws {
        let api = try await ApiServer.start(admin: ["admin-token-1"], readOnly: ["reader-token-1"])
        defer { Task { try? await api.stop() } }
        let key = try await api.call("GET", "/api/v1/jobs/pg/key", headers: admin)
        #expect(try key.code == 200 && json(key.body)["key"] as? String == "pg_key_000000000000000")
        let refused = try await api.call("GET", "/api/v1/jobs/pg/key", headers: reader)
        #expect(refused.code == 403 && !refused.body.contains("pg_key_"))
        #expect(try await api.call("GET", "/api/v1/jobs/nope/key", headers: admin).code == 404)

        let rotated = try await api.call("POST", "/api/v1/jobs/pg/rotate-key", headers: admin)
        #expect(rotated.code == 200)
        let newKey = try #require(try json(rotated.body)["key"] as? String)
        #expect(newKey != "pg_key_000000000000000")
        #expect(try await api.store.job(slug: "pg")?.pingKey == newKey)
        #expect(try await request(["-X", "POST", api.url("/heartbeat/pg_key_000000000000000")]).code == 404, "the old key stops at once")
        #expect(try await request(["-X", "POST", api.url("/heartbeat/\(newKey)")]).code == 200)
        let trail = try await api.call("GET", "/api/v1/audit?slug=pg", headers: reader)
        #expect(trail.body.contains("key: (secret) → (new secret)") && !trail.body.contains(newKey))
        try await api.stop()
    }

    @Test func pauseResumeAndEveryWriteAreInTheAuditTrailWithWhoMadeThem() async throws {
        let api = try await ApiServer.start(admin: ["first-admin", "admin-token-1"], readOnly: ["reader-token-1"])
        defer { Task { try? await api.stop() } }
        #expect(try await api.call("POST", "/api/v1/jobs/pg/pause", headers: admin).code == 200)
        #expect(try await api.call("POST", "/api/v1/jobs/pg/resume", headers: ["Authorization": "Bearer first-admin"]).code == 200)
        #expect(try await api.call("POST", "/api/v1/jobs", headers: admin, body: #"{"slug": "new-one", "schedule": "6h"}"#).code == 201)
        #expect(try await api.call("DELETE", "/api/v1/jobs/new-one", headers: admin).code == 204)

        let trail = try await api.call("GET", "/api/v1/audit", headers: reader)
        #expect(trail.code == 200)
        let entries = try #require(try json(trail.body)["entries"] as? [[String: Any]])
        #expect(entries.map { "\($0["action"] ?? "") \($0["slug"] ?? "") \($0["change"] ?? "") by \($0["actor"] ?? "")" } == [
            "remove new-one  by alice@laptop (admin token #2)",
            "create new-one every 6h by alice@laptop (admin token #2)",
            "update pg paused: true → false by admin token #1",
            "update pg paused: false → true by alice@laptop (admin token #2)",
        ])
        #expect(entries.allSatisfy { $0["at"] is String })
        let answer = try await api.call("GET", "/api/v1/jobs/pg", headers: reader)
        #expect((try json(answer.body)["audit"] as? [[String: Any]])?.count == 2)
        // The remote board's detail view reads the same trail from this answer.
        let pg = try #require(try await api.store.job(slug: "pg"))
        let remote = try APIJSON.decoder().decode(JobDetailAnswer.self, from: Data(answer.body.utf8)).detail(of: pg)
        #expect(remote.changes.map(\.change) == ["paused: true → false", "paused: false → true"])
        #expect(remote.changes.first?.actor == "admin token #1")
        try await api.stop()
    }

    @Test func applyPlansAndWritesAFileAllOrNothing() async throws {
        let api = try await ApiServer.start(admin: ["admin-token-1"])
        defer { Task { try? await api.stop() } }
        func apply(_ toml: String, dryRun: Bool = false, prune: Bool = false) async throws -> (code: Int, body: [String: Any]) {
            let body = try JSONSerialization.data(withJSONObject: ["file": toml, "dry_run": dryRun, "prune": prune] as [String: Any])
            let reply = try await api.call("POST", "/api/v1/jobs/apply", headers: admin, body: String(decoding: body, as: UTF8.self))
            return (reply.code, try json(reply.body))
        }
        let file = """
            [jobs.pg]
            schedule = "1d"
            grace = "2h"
            tags = ["db"]

            [jobs.files]
            schedule = "6h"

            [[maintenance]]
            name = "patching"
            days = ["sun"]
            start = "01:00"
            end = "03:00"
            jobs = ["*"]
            """
        let dry = try await apply(file, dryRun: true, prune: true)
        #expect(dry.code == 200)
        #expect(dry.body["changes"] as? [String] == ["+ create files (every 6h)", "~ update pg: grace 1h → 2h", "- remove web"])
        #expect((dry.body["created"] as? [Any])?.isEmpty == true)
        #expect(try await api.store.jobs().map(\.slug) == ["pg", "web"])

        let real = try await apply(file)
        #expect(real.body["changes"] as? [String] == [
            "+ create files (every 6h)", "~ update pg: grace 1h → 2h", "1 job not in the file left as they are (prune removes them): web",
        ])
        let created = try #require((real.body["created"] as? [[String: Any]])?.first)
        #expect(created["slug"] as? String == "files")
        #expect(try await api.store.job(slug: "files")?.pingKey == created["key"] as? String)
        #expect(try await api.store.maintenanceWindows().map(\.name) == ["patching"])
        #expect(try await apply(file).body["unchanged"] as? Bool == true)

        // A bad file is refused whole, with its lines; nothing is written.
        let broken = try await apply("[jobs.pg]\nschedule = \"1d\"\n\n[jobs.other]\nschedule = \"1d\"\ngrase = \"1h\"\n", prune: true)
        #expect(broken.code == 400)
        #expect(broken.body["error"] as? String == "file:6: unknown key 'grase' in job 'other' (did you mean 'grace'?)")
        #expect(try await api.store.jobs().map(\.slug) == ["files", "pg", "web"])
        #expect(try await api.call("POST", "/api/v1/jobs/apply", headers: admin, body: "{}").body.contains("'file' is required"))
        // A job named `apply` keeps its own endpoints.
        #expect(try await api.call("PUT", "/api/v1/jobs/apply", headers: admin, body: #"{"schedule": "1d"}"#).code == 201)
        #expect(try await api.call("GET", "/api/v1/jobs/apply", headers: admin).code == 200)
        try await api.stop()
    }
}
