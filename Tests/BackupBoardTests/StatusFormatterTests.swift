import Foundation
import Testing
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
@testable import BoardModel

private let t0 = Date(timeIntervalSince1970: 1_780_000_000)
private func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3_600) }

private func fleet(at hours: Double) -> FleetReport {
    func job(_ id: Int64, _ slug: String, paused: Bool = false) -> Job {
        Job(id: id, slug: slug, pingKey: "k\(id)", schedule: .interval(6 * 3_600), grace: 3_600, paused: paused,
            createdAt: t0)
    }
    let good = Run(jobID: 1, startedAt: at(10), endedAt: at(10.5), lastHeartbeatAt: at(10.5), outcome: .completed,
                   sizeBytes: 45_200_000_000)
    let failed = Run(jobID: 2, startedAt: at(9), endedAt: at(9.25), lastHeartbeatAt: at(9.25), outcome: .failed)
    let running = Run(jobID: 4, startedAt: at(11), lastHeartbeatAt: at(11.5), outcome: .running, progress: 40)
    return FleetReport(
        jobs: [
            (job(1, "pg-prod"), JobActivity(jobID: 1, recentRuns: [good])),
            (job(2, "fs-home"), JobActivity(jobID: 2, recentRuns: [failed])),
            (job(3, "nas-photos"), JobActivity(jobID: 3)),
            (job(4, "mysql-orders"), JobActivity(jobID: 4, recentRuns: [running])),
            (job(5, "old-archive", paused: true), JobActivity(jobID: 5)),
        ],
        mutes: [Mute(scope: .job("fs-home"), until: at(20), createdBy: "ana", reason: "disk swap", createdAt: at(1))],
        at: at(hours)
    )
}

@Test func tableShowsStateJobTimesDurationAndSize() {
    let text = StatusFormatter(report: fleet(at: 12), glyphs: .utf8).table()
    #expect(text.split(separator: "\n").map(String.init) == [
        "   STATE           JOB           LAST RUN   NEXT DUE       DURATION  SIZE",
        "✖  failed (muted)  fs-home       3h00m ago  in 3h00m       15m       -",
        "⚠  overdue         nas-photos    never      overdue 6h00m  -         -",
        "▶  running         mysql-orders  1h00m ago  running 40%    -         -",
        "✔  up              pg-prod       2h00m ago  in 4h00m       30m       45 GB",
        "‖  paused          old-archive   never      -              -         -",
    ])
}

@Test func aFailedJobWhoseNextSlotWentByShowsTheOverdueTimer() {
    // fs-home failed at 9h; its next start was due at 15h (grace to 16h): at 24h (its mute over) it is failed and overdue 9h,
    // not "in 0s".
    let text = StatusFormatter(report: fleet(at: 24), glyphs: .utf8).table()
    let row = text.split(separator: "\n").first { $0.contains("fs-home") }.map(String.init) ?? ""
    #expect(row.contains("failed ") && row.contains("overdue 9h00m"), "\(row)")
}

@Test func oneLineCountsLevelsAndFallsBackToASCII() {
    let report = fleet(at: 12)
    // fs-home is failed (muted, still counted here), nas-photos overdue; the paused job is left out.
    #expect(StatusFormatter(report: report, glyphs: .utf8).oneLine() == "✔ 2 ⚠ 1 ✖ 1")
    #expect(StatusFormatter(report: report, glyphs: .ascii).oneLine() == "ok 2 warn 1 fail 1")
    // Muted and paused jobs do not raise the exit level: the overdue job makes it a warning.
    #expect(report.level == .warning)
}

@Test func jsonHasEveryKeyEvenWhenEmpty() throws {
    let json = try StatusDocument(report: fleet(at: 12), stale: false, evaluatorLastTick: nil).encoded()
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let jobs = try #require(object["jobs"] as? [[String: Any]])
    #expect(jobs.count == 5)
    let nas = try #require(jobs.first { $0["slug"] as? String == "nas-photos" })
    #expect(nas["state"] as? String == "overdue")
    #expect(nas["last_run_at"] is NSNull)
    #expect(nas["next_due_at"] as? String == "2026-05-29T02:26:40Z")
    for key in ["slug", "state", "last_run_at", "next_due_at", "last_duration_s", "last_size_bytes"] {
        #expect(jobs.allSatisfy { $0.keys.contains(key) }, "missing \(key)")
    }
    let pg = try #require(jobs.first { $0["slug"] as? String == "pg-prod" })
    #expect(pg["last_size_bytes"] as? Int == 45_200_000_000)
    #expect(pg["last_duration_s"] as? Double == 1_800)
    #expect(object["level"] as? String == "warning")
}

@Test func localeDecidesGlyphs() {
    #expect(GlyphSet.current(environment: ["LANG": "en_US.UTF-8"]) == .utf8)
    #expect(GlyphSet.current(environment: ["LC_ALL": "C", "LANG": "en_US.UTF-8"]) == .ascii)
    #expect(GlyphSet.current(environment: [:]) == .ascii)
    #expect(GlyphSet.current(environment: ["LC_CTYPE": "de_DE.utf8"]) == .utf8)
}
