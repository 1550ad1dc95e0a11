import Foundation
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
@testable import BoardModel

/// A fixed fleet with one job in every state, alerts, a mute and an unknown key, judged at a fixed `now`.
enum BoardFixture {
    /// 2026-05-28 20:26:40 UTC.
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let utc = TimeZone(identifier: "UTC")!

    static func ago(hours: Double) -> Date { now.addingTimeInterval(-hours * 3_600) }

    /// A finished run that started `hours` ago and took `minutes`.
    static func run(
        _ jobID: Int64, hours: Double, minutes: Double, size: Int64?, outcome: RunOutcome = .completed,
        verification: Verification? = nil, exitCode: Int? = nil, message: String? = nil
    ) -> Run {
        let start = ago(hours: hours)
        let end = start.addingTimeInterval(minutes * 60)
        return Run(
            id: jobID * 100 + Int64(hours), jobID: jobID, startedAt: start, endedAt: end, lastHeartbeatAt: end,
            outcome: outcome, verification: verification, exitCode: exitCode, sizeBytes: size, message: message)
    }

    /// Daily good runs `fromDays` … `toDays` ago (largest first), with a steady size and duration.
    static func daily(_ jobID: Int64, days: ClosedRange<Int>, offsetHours: Double = 0, minutes: Double, size: Int64) -> [Run] {
        days.reversed().map { day in
            run(jobID, hours: Double(day) * 24 + offsetHours, minutes: minutes + Double(day % 3), size: size + Int64(day % 4) * size / 50)
        }
    }

    static func job(
        _ id: Int64, _ slug: String, _ name: String, every hours: Double, priority: JobPriority = .medium,
        rpo: TimeInterval? = nil, createdDaysAgo: Double = 60, paused: Bool = false, tags: [String] = [],
        kind: BackupKind = .full, minSize: Int64? = nil
    ) -> Job {
        Job(
            id: id, slug: slug, name: name, pingKey: "key-\(slug)", schedule: .interval(hours * 3_600), grace: 3_600,
            kind: kind, priority: priority, minSize: minSize, rpo: rpo, rto: 4 * 3_600, owner: "dba-team",
            escalation: "pagerduty:dba", protects: [slug.split(separator: "-").last.map(String.init) ?? slug], tags: tags,
            description: nil, paused: paused, createdAt: now.addingTimeInterval(-createdDaysAgo * 86_400))
    }

    static var entries: [BoardSnapshot.Entry] {
        var list: [BoardSnapshot.Entry] = []
        func add(_ job: Job, _ runs: [Run], problems: [String] = []) {
            list.append(BoardSnapshot.Entry(
                job: job, activity: JobActivity(jobID: job.id!, recentRuns: runs, lastProblems: problems)))
        }
        // Failed now, after ten good nights.
        add(job(1, "mysql-billing", "MySQL billing", every: 24, priority: .critical, rpo: 26 * 3_600, tags: ["mysql", "prod"]),
            daily(1, days: 1...10, offsetHours: 2, minutes: 12, size: 2_000_000_000)
                + [run(1, hours: 2, minutes: 3, size: nil, outcome: .failed, exitCode: 2, message: "mysqldump: Got error 2013")])
        // Completed, then verification failed.
        add(job(2, "nas-photos", "NAS photos", every: 24, priority: .high, rpo: 48 * 3_600, tags: ["nas"]),
            daily(2, days: 1...8, offsetHours: 5, minutes: 40, size: 800_000_000_000)
                + [run(2, hours: 5, minutes: 41, size: 810_000_000_000, verification: .failed)])
        // Silent for two days: overdue by more than a period.
        add(job(3, "fs-gitlab-data", "GitLab data", every: 24, priority: .high, rpo: 26 * 3_600, tags: ["fs"]),
            daily(3, days: 2...12, offsetHours: 3, minutes: 25, size: 95_000_000_000))
        // Running at 40%.
        add(job(4, "pg-prod-analytics", "Postgres analytics", every: 24, priority: .critical, rpo: 30 * 3_600, tags: ["postgres", "prod"]),
            daily(4, days: 1...9, offsetHours: 0.5, minutes: 50, size: 310_000_000_000)
                + [Run(id: 499, jobID: 4, startedAt: ago(hours: 0.25), lastHeartbeatAt: ago(hours: 0.05), outcome: .running, progress: 40)])
        // "Completed" with a tiny file: the size sparkline's anomaly.
        add(job(5, "mysql-orders", "MySQL orders", every: 24, priority: .high, rpo: 26 * 3_600, tags: ["mysql", "prod"]),
            daily(5, days: 1...7, offsetHours: 6, minutes: 8, size: 500_000_000) + [run(5, hours: 6, minutes: 1, size: 20_480)])
        // Never reported.
        add(job(6, "pg-payments-v2", "Payments v2", every: 6, priority: .critical, rpo: 8 * 3_600, createdDaysAgo: 0.1, tags: ["postgres"]), [])
        // Paused.
        add(job(7, "mssql-legacy-erp", "Legacy ERP", every: 24, priority: .low, paused: true, tags: ["mssql"]),
            daily(7, days: 9...12, minutes: 30, size: 40_000_000_000))
        // Up every 4 hours, with a missed slot and a failure in its history; backup older than its RPO.
        add(job(8, "s3-assets", "S3 assets", every: 4, priority: .medium, rpo: 2 * 3_600, tags: ["s3"], kind: .incremental),
            [34, 30, 26, 18, 14, 10, 6, 2.5].enumerated().map { index, hours in
                index == 5
                    ? run(8, hours: hours, minutes: 2, size: nil, outcome: .failed, message: "S3 503 Slow Down")
                    : run(8, hours: hours, minutes: 9 + Double(index), size: 3_000_000_000 + Int64(index) * 100_000_000)
            })
        // Due 20 minutes ago: late, not yet overdue.
        add(job(9, "zfs-home", "ZFS home", every: 12, priority: .medium, rpo: 36 * 3_600, tags: ["zfs"], kind: .snapshot),
            [36.333, 24.333, 12.333].map { run(9, hours: $0, minutes: 4, size: 12_000_000_000) })
        // Healthy, but muted by its own mute.
        add(job(10, "etc-configs", "Configs /etc", every: 24, priority: .low, rpo: 48 * 3_600, tags: ["fs"], kind: .archive),
            daily(10, days: 1...5, offsetHours: 1, minutes: 1, size: 4_500_000) + [run(10, hours: 1, minutes: 1, size: 4_600_000)])
        return list
    }

    static var alerts: [Alert] {
        [
            Alert(id: 3, kind: .delayed, severity: .critical, jobID: 3, message: "no run since 2 days", openedAt: ago(hours: 26)),
            Alert(id: 2, kind: .verificationFailed, severity: .emergency, jobID: 2, message: "verification failed: hash mismatch",
                  openedAt: ago(hours: 4), acknowledgedAt: ago(hours: 3), acknowledgedBy: "ana", acknowledgementNote: "restoring"),
            Alert(id: 4, kind: .sizeAnomaly, severity: .warning, jobID: 5, message: "size 20 KB is 99% below the mean 510 MB",
                  openedAt: ago(hours: 5.9)),
            Alert(id: 1, kind: .failed, severity: .critical, jobID: 1, message: "run failed: exit 2, mysqldump: Got error 2013",
                  openedAt: ago(hours: 1.9)),
            Alert(id: 5, kind: .durationAnomaly, severity: .warning, jobID: 10, message: "took 61s, 3x the mean of 20s",
                  openedAt: ago(hours: 0.5)),
        ]
    }

    static var snapshot: BoardSnapshot {
        BoardSnapshot(
            entries: entries, openAlerts: alerts,
            activeMutes: [Mute(id: 1, scope: .job("etc-configs"), until: now.addingTimeInterval(3_600), createdBy: "ana",
                               reason: "disk swap", createdAt: ago(hours: 1))],
            unknownKeys: [UnknownKey(keyPrefix: "abc123", count: 12, lastSource: "10.0.0.7", lastUserAgent: "curl/8.5.0",
                                     firstSeenAt: ago(hours: 30), lastSeenAt: ago(hours: 0.2))],
            evaluatorLastTick: now.addingTimeInterval(-4), dataVersion: 42)
    }

    /// The board at `now`, loaded 2 s ago, `width` × `height`.
    static func state(width: Int, height: Int, readonly: Bool = false) -> BoardState {
        var state = BoardState(
            snapshot: snapshot, now: now.addingTimeInterval(-2), loadedAt: now.addingTimeInterval(-2), readonly: readonly,
            width: width, height: height, timeZone: utc)
        state.tick(now)
        return state
    }

    /// The board showing `snapshot`, loaded and judged at `now`, `width` × `height`.
    static func state(_ snapshot: BoardSnapshot, width: Int, height: Int) -> BoardState {
        var state = BoardState(snapshot: snapshot, now: now, loadedAt: now, width: width, height: height, timeZone: utc)
        state.tick(now)
        return state
    }

    static func render(_ state: BoardState, glyphs: GlyphSet) -> ScreenBuffer {
        var buffer = ScreenBuffer(width: state.width, height: state.height)
        BoardRenderer.render(state, into: &buffer, glyphs: glyphs)
        return buffer
    }
}

extension BoardFixture {
    /// What the loader would fetch for mysql-billing: its runs newest first, a broken last payload and a change.
    static var billingDetail: JobDetail {
        let runs = entries.first { $0.job.slug == "mysql-billing" }!.activity.recentRuns.reversed()
        let body = #"{"status":"failed","error":"mysqldump: Got error 2013","size":}"#
        let report = HeartbeatReport(
            status: .failed, exitCode: 2, message: "mysqldump: Got error 2013",
            output: "Dumping billing...\nmysqldump: Got error 2013: Lost connection to MySQL server during query",
            problems: ["invalid JSON at byte 60: a value is missing after \"size\""])
        let heartbeat = Heartbeat(
            id: 900, jobID: 1, receivedAt: ago(hours: 1.95), report: report, body: Array(body.utf8),
            contentType: "application/x-www-form-urlencoded", method: "POST", source: "10.0.0.12", userAgent: "curl/7.88.1")
        let change = JobAuditEntry(
            slug: "mysql-billing", action: .update, change: "grace: 30m → 1h", actor: "ann@laptop (admin token #1)",
            at: ago(hours: 30))
        return JobDetail(jobID: 1, runs: Array(runs), lastHeartbeat: heartbeat, changes: [change])
    }
}
