import Foundation
import Testing
@testable import BoardTerminal
@testable import BoardModel

/// The restore states on the board (docs/restore-tests.md): the `RESTORE` column where it fits, the header's
/// untested count, the detail's `restore` line and a restore test's `proves`.
@Suite struct BoardRestoreTests {
    static let now = BoardFixture.now
    static func ago(days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    static func job(_ id: Int64, _ slug: String, _ name: String, rto hours: Double?) -> Job {
        Job(id: id, slug: slug, name: name, pingKey: "key-\(slug)", schedule: .interval(6 * 3_600), rto: hours.map { $0 * 3_600 },
            createdAt: ago(days: 60))
    }

    static func drill(_ id: Int64, _ slug: String, proves: String) -> Job {
        Job(id: id, slug: slug, name: "Drill \(proves)", pingKey: "key-\(slug)", schedule: .interval(30 * 86_400),
            grace: 2 * 86_400, kind: .restoreTest, tests: [proves], createdAt: ago(days: 60))
    }

    /// A run that started `days` ago and took `minutes`.
    static func run(_ jobID: Int64, days: Double, minutes: Double, _ outcome: RunOutcome = .completed) -> Run {
        let start = ago(days: days)
        let end = start.addingTimeInterval(minutes * 60)
        return Run(id: jobID * 100, jobID: jobID, startedAt: start, endedAt: end, lastHeartbeatAt: end, outcome: outcome)
    }

    static var snapshot: BoardSnapshot {
        let entries: [(Job, [Run])] = [
            (job(1, "pg-prod", "PG prod", rto: 4), [run(1, days: 0.1, minutes: 30)]),
            (job(2, "mysql-orders", "MySQL orders", rto: 1), [run(2, days: 0.1, minutes: 20)]),
            (job(3, "fs-home", "Home dirs", rto: 12), [run(3, days: 0.1, minutes: 40)]),
            (job(4, "mongo", "Mongo", rto: 2), [run(4, days: 0.1, minutes: 10)]),
            (job(5, "logs", "Logs", rto: nil), [run(5, days: 0.1, minutes: 5)]),
            (drill(6, "pg-prod-restore", proves: "pg-prod"), [run(6, days: 12, minutes: 42)]),
            (drill(7, "mysql-orders-restore", proves: "mysql-orders"), [run(7, days: 3, minutes: 95)]),
            (drill(8, "fs-home-restore", proves: "fs-home"), [run(8, days: 40, minutes: 35)]),
        ]
        return BoardSnapshot(
            entries: entries.map { BoardSnapshot.Entry(job: $0.0, activity: JobActivity(jobID: $0.0.id!, recentRuns: $0.1), version: 1) },
            openAlerts: [], activeMutes: [], unknownKeys: [], evaluatorLastTick: now.addingTimeInterval(-4), dataVersion: 1)
    }

    @Test func theTableShowsEachRestoreStateBesideTheBackupAge() {
        let state = BoardFixture.state(Self.snapshot, width: 160, height: 16)
        let lines = BoardFixture.render(state, glyphs: .utf8).lines
        #expect(lines == [
            #"⚠ 1 overdue  ✔ 7 up  1 untested                                                                                        feed 0s ago · evaluator 4s ago · 20:26:40"#,
            #"  STATE   JOB                LAST RUN NEXT DUE                                        TOOK                                  SIZE   AGE/RPO RESTORE       30D OK"#,
            #"⚠ overdue Drill fs-home      5w       overdue 10d00h                                █ 35m                                   -      5w                    -"#,
            #"✔ up      Home dirs          2h24m    in 3h36m                                      █ 40m                                   -      1h44m   overdue 7d23h 100%"#,
            #"✔ up      Logs               2h24m    in 3h36m                                      █ 5m                                    -      2h19m                 100%"#,
            #"✔ up      Mongo              2h24m    in 3h36m                                      █ 10m                                   -      2h14m   untested      100%"#,
            #"✔ up      MySQL orders       2h24m    in 3h36m                                      █ 20m                                   -      2h04m   RTO breached  100%"#,
            #"✔ up      Drill mysql-orders 3d00h    in 3w                                         █ 1h35m                                 -      2d22h                 100%"#,
            #"✔ up      PG prod            2h24m    in 3h36m                                      █ 30m                                   -      1h54m   11d23h 42m/4h 100%"#,
            #"✔ up      Drill pg-prod      12d00h   in 2w                                         █ 42m                                   -      11d23h                100%"#,
            #""#,
            #""#,
            #""#,
            #"─ ALERTS 0 open ────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────"#,
            #" no open alerts"#,
            #"? help  / filter  s sort  Tab alerts  Enter details  a ack  m mute  q quit                                                                           sort: state"#,
        ])
    }

    @Test func theDetailHasARestoreLineAndATestListsWhatItProves() {
        func detail(_ slug: String) -> [String] {
            var state = BoardFixture.state(Self.snapshot, width: 100, height: 12)
            let index = state.visibleJobs.firstIndex { $0.job.slug == slug }!
            for _ in 0..<index { _ = state.handle(.character("j")) }
            let id = state.visibleJobs[index].job.id!
            #expect(state.handle(.enter) == [.loadDetail(jobID: id)])
            state.showDetail(JobDetail(jobID: id, runs: [], lastHeartbeat: nil))
            return BoardFixture.render(state, glyphs: .utf8).lines
        }
        // The header, the title and the metadata, then the restore line (the runs are the same for each).
        func restoreLines(_ slug: String) -> [String] { Array(detail(slug).prefix(8)) }
        #expect(restoreLines("mysql-orders") == [
            #"⚠ 1 overdue  ✔ 7 up  1 untested                            feed 0s ago · evaluator 4s ago · 20:26:40"#,
            #"✔ up  MySQL orders (mysql-orders)"#,
            #"kind other · priority medium · owner - · escalation -"#,
            #"protects - · RPO - · RTO 1h · tags -"#,
            #"schedule every 6h · grace 1h"#,
            #"next Fri 05-29 00:02, Fri 05-29 06:02, Fri 05-29 12:02, Fri 05-29 18:02, Sat 05-30 00:02"#,
            #"due in 3h36m · backup age 2h04m · success 30d 100%"#,
            #"restore RTO breached: restored 2d22h ago in 1h35m > RTO 1h by mysql-orders-restore"#,
        ])
        #expect(detail("pg-prod")[7] == #"restore restored 11d23h ago in 42m ≤ RTO 4h by pg-prod-restore"#)
        #expect(detail("fs-home")[7] == #"restore restore overdue (due 7d23h ago): restored 5w ago in 35m by fs-home-restore"#)
        #expect(detail("mongo")[7] == #"restore untested: no restore test proves it"#)
        // A restore test: no restore line of its own, and what it proves.
        #expect(Array(detail("pg-prod-restore")[3...7]) == [
            #"protects - · RPO - · RTO - · tags -"#,
            #"schedule every 4w2d · grace 2d"#,
            #"next Mon 06-15 20:26, Wed 07-15 20:26, Fri 08-14 20:26, Sun 09-13 20:26, Tue 10-13 20:26"#,
            #"due in 2w · backup age 11d23h · success 30d 100%"#,
            #"proves pg-prod"#,
        ])
    }
}
