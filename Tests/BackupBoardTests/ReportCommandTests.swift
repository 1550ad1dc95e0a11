import BoardModel
import Foundation
import Testing
import BoardSQLite

/// `backupboard report` through the real binary, on a database written here with the store.
@Suite(.serialized) struct ReportCommandTests {
    let cli: CommandLine
    /// 2026-10-01T00:00:00Z; the report covers the ten days after it.
    let t0 = Date(timeIntervalSince1970: 1_790_812_800)
    let until = "2026-10-11T00:00:00Z"

    init() throws { cli = try CommandLine() }

    private func hours(_ h: Double) -> Date { t0.addingTimeInterval(h * 3_600) }

    /// `db-prod` (RPO 8h): good runs every 6h with a growing size, a 20-hour gap with two failures, and one
    /// failed alert acknowledged after 30 minutes; `files` never ran and has no RPO.
    private func database() async throws -> String {
        let path = cli.path("report.sqlite")
        let store = try BoardStore(path: path)
        let db = try await store.insert(Job(
            slug: "db-prod", pingKey: "key-db-prod-0123456789", schedule: .interval(6 * 3_600), rpo: 8 * 3_600,
            createdAt: hours(-100)))
        _ = try await store.insert(Job(slug: "files", pingKey: "key-files-0123456789", schedule: .interval(86_400), createdAt: hours(-100)))
        var beats: [Heartbeat] = []
        func run(at h: Double, failed: Bool = false) async {
            beats.append(Heartbeat(jobID: db, receivedAt: hours(h), report: HeartbeatReport(status: .started)))
            let size = Measured(10e9 + h * 1e7, text: "")
            beats.append(Heartbeat(
                jobID: db, receivedAt: hours(h + 0.5),
                report: HeartbeatReport(status: failed ? .failed : .completed, size: failed ? nil : size)))
        }
        for h in stride(from: -6.0, through: 100, by: 6) { await run(at: h) }
        await run(at: 106, failed: true)
        await run(at: 112, failed: true)
        for h in stride(from: 124.0, through: 234, by: 6) { await run(at: h) }
        _ = try await store.insert(beats)
        let alert = try await store.open(Alert(kind: .failed, severity: .critical, jobID: db, message: "failed", openedAt: hours(106.5)))
        try await store.acknowledgeAlert(id: try #require(alert.alert.id), by: "ops", at: hours(107))
        return path
    }

    @Test func textHasTheFleetTotalsThenAJobTable() async throws {
        let db = try await database()
        let result = try await cli.run(["report", "--db", db, "--since", "10d", "--until", until])
        #expect(result.code == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Compliance report 2026-10-01 00:00 – 2026-10-11 00:00 UTC (10 days)")
        #expect(lines.contains("Jobs: 2, 38 runs, 94.7% good"))
        // The last good run before the gap ended at 96.5h, the next one at 124.5h: breached 104.5h–124.5h.
        #expect(lines.contains("RPO: 1 breach by 1 job, 20h00m in total"))
        #expect(lines.contains("Alerts: 1 (failed 1); 1 acknowledged, median 30m, max 30m"))
        let row = try #require(lines.first { $0.hasPrefix("db-prod ") })
        #expect(row.contains("38") && row.contains("94.7%") && row.contains("2 ") && row.contains("1, 20h00m"))
        #expect(row.contains("+7.2 GB/30d")) // 10 MB an hour
        let files = try #require(lines.first { $0.hasPrefix("files ") })
        #expect(files.contains("no RPO"))
    }

    @Test func markdownIsAHeadingAListAndATable() async throws {
        let db = try await database()
        let result = try await cli.run(["report", "--db", db, "--since", "10d", "--until", until, "--format", "markdown"])
        #expect(result.code == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "# Compliance report 2026-10-01 00:00 – 2026-10-11 00:00 UTC (10 days)")
        #expect(lines.contains("- **Jobs:** 2, 38 runs, 94.7% good"))
        #expect(lines.contains { $0.hasPrefix("| JOB | RUNS | GOOD |") })
        #expect(lines.contains { $0.hasPrefix("| --- | ---: |") })
        #expect(lines.contains { $0.hasPrefix("| db-prod | 38 | 94.7% | 2 | 1, 20h00m |") })
        #expect(lines.contains { $0.hasPrefix("| files | 0 | - | 0 | no RPO |") })
    }

    @Test func jsonHasSecondsBytesAndEveryKey() async throws {
        let db = try await database()
        let result = try await cli.run(["report", "--db", db, "--since", "10d", "--until", until, "--format", "json"])
        #expect(result.code == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(object["generated_at"] as? String == until)
        let period = try #require(object["period"] as? [String: Any])
        #expect(period["seconds"] as? Double == 864_000)
        let fleet = try #require(object["fleet"] as? [String: Any])
        #expect(fleet["runs"] as? Int == 38)
        #expect(abs(try #require(fleet["rpo_breach_s"] as? Double) - 20 * 3_600) < 0.001)
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["slug"] as? String } == ["db-prod", "files"])
        let breaches = try #require(jobs[0]["rpo_breaches"] as? [String: Any])
        #expect(breaches["count"] as? Int == 1)
        let stretch = try #require((breaches["stretches"] as? [[String: Any]])?.first)
        #expect(stretch["start"] as? String == "2026-10-05T08:30:00Z")
        let alerts = try #require(jobs[0]["alerts"] as? [String: Any])
        #expect((alerts["by_kind"] as? [String: Int]) == ["failed": 1])
        #expect(alerts["median_time_to_ack_s"] as? Double == 1_800)
        let size = try #require(jobs[0]["size"] as? [String: Any])
        let slope = try #require(size["trend_bytes_per_day"] as? Double)
        #expect(abs(slope - 240e6) < 1)
        let projected = try #require(size["projected_bytes"] as? [String: Int])
        #expect(projected.keys.sorted() == ["30d", "90d"])
        #expect(try #require(projected["90d"]) > (try #require(projected["30d"])))
        #expect(result.out.contains("\"median_time_to_ack_s\" : 1800"))
        #expect(result.out.contains("\"trend_s_per_day\""))
        #expect(fleet["projected_size_total_bytes"] is [String: Int])
        // A job without runs still has every key, as null.
        let files = try #require(jobs[1]["size"] as? [String: Any])
        #expect(files["mean_bytes"] is NSNull)
        #expect(files["projected_bytes"] is NSNull)
        #expect(jobs[1]["success_rate"] is NSNull)
    }

    @Test func badInputIsOneSentence() async throws {
        let since = try await cli.run(["report", "--db", cli.path("none.sqlite"), "--since", "soon"])
        #expect(since.code == 64)
        #expect(since.err.contains("--since must be a positive duration such as 30d, 12h or 2w, not 'soon'."))
        let missing = try await cli.run(["report", "--db", cli.path("none.sqlite")])
        #expect(missing.code == 1)
        #expect(missing.err.hasPrefix("backupboard: Cannot use database at \(cli.path("none.sqlite")): no database here yet"))
        let future = try await cli.run(["report", "--db", cli.path("none.sqlite"), "--until", "2999-01-01T00:00:00Z"])
        #expect(future.code == 64)
        #expect(future.err.contains("--until 2999-01-01T00:00:00Z is in the future."))
        let format = try await cli.run(["report", "--db", cli.path("none.sqlite"), "--format", "pdf"])
        #expect(format.code == 64)
        #expect(format.err.contains("'pdf'"))
    }
}
