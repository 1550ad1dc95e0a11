import BoardModel
import Foundation
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import Testing

@Suite struct ReportFormatterTests {
    @Test func aRateBelowOneNeverReadsAsAHundredPercent() {
        #expect(ReportFormatter.percent(nil) == "-")
        #expect(ReportFormatter.percent(1) == "100.0%")
        #expect(ReportFormatter.percent(0.947) == "94.7%")
        #expect(ReportFormatter.percent(0.9996) == "99.96%")
        #expect(ReportFormatter.percent(0.99999) == ">99.99%")
    }
}

/// The report's restore figures in text and JSON (docs/report.md, docs/restore-tests.md).
@Suite struct ReportRestoreFormatTests {
    static let start = Date(timeIntervalSince1970: 1_790_812_800)

    static var report: ComplianceReport {
        let period = DateInterval(start: start, duration: 30 * 86_400)
        let pg = Job(id: 1, slug: "pg", pingKey: "k-pg", schedule: .interval(21_600), rto: 3_600, createdAt: start.addingTimeInterval(-86_400))
        let mongo = Job(id: 2, slug: "mongo", pingKey: "k-mongo", schedule: .interval(21_600), rto: 7_200, createdAt: start.addingTimeInterval(-86_400))
        let drill = Job(id: 3, slug: "pg-restore", pingKey: "k-d", schedule: .interval(30 * 86_400), kind: .restoreTest, tests: ["pg"],
                        createdAt: start.addingTimeInterval(-86_400))
        func run(day: Double, minutes: Double) -> Run {
            let at = start.addingTimeInterval(day * 86_400)
            return Run(jobID: 3, startedAt: at, endedAt: at.addingTimeInterval(minutes * 60), lastHeartbeatAt: at, outcome: .completed)
        }
        return ComplianceReport(jobs: [mongo, pg, drill], runs: [run(day: 5, minutes: 42), run(day: 20, minutes: 75)], alerts: [], period: period)
    }

    @Test func textHasTheFleetLineAndARestoreTable() {
        let text = ReportFormatter(report: Self.report).text()
        #expect(text.contains("Restores: 0 jobs proved within RTO, 1 breached, 1 untested"), "\(text)")
        #expect(text.contains("""
            Restore tests
            JOB    RESTORE TESTS    DRILLS  GOOD  RESTORE TIMES     RTO  LONGEST UNTESTED
            mongo  none (untested)  0       0     -                 2h   4w
            pg     pg-restore       2       2     42m, 1h15m > RTO  1h   2w
            """), "\(text)")
        let markdown = ReportFormatter(report: Self.report).markdown()
        #expect(markdown.contains("## Restore tests"))
        #expect(markdown.contains("| pg | pg-restore | 2 | 2 | 42m, 1h15m > RTO | 1h |"), "\(markdown)")
    }

    @Test func jsonHasEveryRestoreKey() throws {
        let json = try ReportDocument(Self.report).encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let fleet = try #require(object["fleet"] as? [String: Any])
        #expect(fleet["jobs_proved_within_rto"] as? Int == 0)
        #expect(fleet["jobs_breaching_rto"] as? Int == 1)
        #expect(fleet["jobs_untested"] as? Int == 1)
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        let pg = try #require(jobs.first { ($0["slug"] as? String) == "pg" }?["restores"] as? [String: Any])
        #expect(Set(pg.keys) == ["tests", "rto_s", "drills", "good_drills", "longest_untested_s", "proved_within_rto", "breached", "untested"])
        let drills = try #require(pg["drills"] as? [[String: Any]])
        #expect(drills.map { $0["duration_s"] as? Double } == [2_520, 4_500])
        #expect(drills.map { $0["within_rto"] as? Bool } == [true, false])
        #expect(jobs.first { ($0["slug"] as? String) == "pg-restore" }?["restores"] is NSNull)
    }
}
