import BoardModel
import Foundation

/// Turns a compliance report into what `backupboard report` prints: aligned text or Markdown, with the fleet
/// totals first and one row per job. Both formats share the words and the cells; only the layout differs.
package struct ReportFormatter {
    let report: ComplianceReport

    package init(report: ComplianceReport) {
        self.report = report
    }

    /// The report as plain text: a title, fleet totals, then an aligned table of jobs.
    package func text() -> String {
        var lines = [title(), ""]
        lines += fleetLines().map { "\($0.label): \($0.value)" }
        if !report.jobs.isEmpty {
            lines += ["", StatusFormatter.align([Self.header] + jobRows())]
        }
        let restores = restoreRows()
        if !restores.isEmpty {
            lines += ["", "Restore tests", StatusFormatter.align([Self.restoreHeader] + restores)]
        }
        return lines.joined(separator: "\n")
    }

    /// The report as Markdown: a heading, fleet totals as a list, then a table of jobs.
    package func markdown() -> String {
        var lines = ["# " + title(), ""]
        lines += fleetLines().map { "- **\($0.label):** \($0.value)" }
        if !report.jobs.isEmpty {
            lines += ["", "## Jobs", ""]
            let row = { (cells: [String]) in "| " + cells.map(Self.escaped).joined(separator: " | ") + " |" }
            lines.append(row(Self.header))
            lines.append("|" + Self.header.enumerated().map { index, _ in index == 0 ? " --- |" : " ---: |" }.joined())
            lines += jobRows().map(row)
        }
        let restores = restoreRows()
        if !restores.isEmpty {
            let row = { (cells: [String]) in "| " + cells.map(Self.escaped).joined(separator: " | ") + " |" }
            lines += ["", "## Restore tests", "", row(Self.restoreHeader)]
            lines.append("|" + Self.restoreHeader.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined())
            lines += restores.map(row)
        }
        return lines.joined(separator: "\n")
    }

    static let header = [
        "JOB", "RUNS", "GOOD", "WORST STREAK", "RPO BREACHES", "MEAN DURATION", "DURATION TREND", "MEAN SIZE",
        "SIZE TREND", "SIZE IN 30D", "SIZE IN 90D", "ALERTS", "ACK MEDIAN / MAX",
    ]

    static let restoreHeader = ["JOB", "RESTORE TESTS", "DRILLS", "GOOD", "RESTORE TIMES", "RTO", "LONGEST UNTESTED"]

    /// One row per job with an RTO or a restore test: its drills in the period, their restore times against
    /// the RTO (`42m ✓`, `5h12m > RTO`), and the longest stretch without a successful restore.
    func restoreRows() -> [[String]] {
        report.jobs.compactMap { entry in
            guard let restore = entry.restore else { return nil }
            let times = restore.drills.filter(\.good).map { drill in
                (drill.duration.map(HumanUnits.shortDuration) ?? "?") + (drill.withinRTO == false ? " > RTO" : "")
            }
            let failed = restore.drills.count - restore.goodDrills
            return [
                entry.job.slug,
                restore.tests.isEmpty ? "none (untested)" : restore.tests.joined(separator: ", "),
                "\(restore.drills.count)" + (failed > 0 ? " (\(failed) failed)" : ""),
                "\(restore.goodDrills)",
                times.isEmpty ? "-" : times.joined(separator: ", "),
                restore.rto.map(HumanUnits.formatDuration) ?? "no RTO",
                HumanUnits.shortDuration(restore.longestUntested),
            ]
        }
    }

    /// `Compliance report 2026-10-28 09:00 – 2026-11-27 09:00 UTC (30 days)`.
    func title() -> String {
        let days = report.period.duration / 86_400
        let length = days == days.rounded() ? "\(Int(days)) day" + (days == 1 ? "" : "s") : HumanUnits.formatDuration(report.period.duration)
        return "Compliance report \(TimeText.utc(report.period.start)) – \(TimeText.utc(report.period.end)) UTC (\(length))"
    }

    /// The fleet totals, one labelled line each.
    func fleetLines() -> [(label: String, value: String)] {
        let (month, quarter) = (ComplianceReport.projectionHorizons[0], ComplianceReport.projectionHorizons[1])
        var lines: [(String, String)] = [
            ("Jobs", "\(report.jobs.count), \(report.runs) runs, \(Self.percent(report.successRate)) good"),
            ("RPO", report.rpoBreachCount == 0
                ? "no breach"
                : "\(Self.count(report.rpoBreachCount, "breach", "breaches")) by \(Self.count(report.jobsBreachingRPO, "job", "jobs")), "
                    + "\(HumanUnits.shortDuration(report.rpoBreachTime)) in total"),
            ("Alerts", Self.alerts(report.alerts)),
            ("Capacity", "latest backups \(Self.size(report.latestSizeTotal)), projected "
                + "\(Self.size(report.projectedSizeTotal(month))) in 30d, \(Self.size(report.projectedSizeTotal(quarter))) in 90d"),
        ]
        if report.jobs.contains(where: { $0.restore != nil }) {
            lines.append(("Restores", "\(Self.count(report.jobsProvedWithinRTO, "job", "jobs")) proved within RTO, "
                + "\(report.jobsBreachingRTO) breached, \(report.jobsUntested) untested"))
        }
        if !report.outages.isEmpty {
            let time = report.outages.reduce(0) { $0 + $1.duration }
            lines.append(("Monitor down", "\(report.outages.count)× (\(HumanUnits.shortDuration(time))), not counted as breaches"))
        }
        return lines
    }

    /// One row of cells per job, in the header's order.
    func jobRows() -> [[String]] {
        let end = report.period.end
        let (month, quarter) = (ComplianceReport.projectionHorizons[0], ComplianceReport.projectionHorizons[1])
        return report.jobs.map { entry in
            let duration = entry.duration
            let size = entry.size
            let breaches = entry.rpoBreaches.isEmpty
                ? (entry.job.rpo == nil ? "no RPO" : "0")
                : "\(entry.rpoBreaches.count), \(HumanUnits.shortDuration(entry.rpoBreachTime))"
                    + (entry.breachingAtEnd ? " (ongoing)" : "")
            let ack = entry.alerts.acknowledged == 0
                ? "-"
                : "\(Self.wait(entry.alerts.medianTimeToAcknowledge)) / \(Self.wait(entry.alerts.maxTimeToAcknowledge))"
            return [
                entry.job.slug + (entry.job.paused ? " (paused)" : ""),
                // `12 (3 retried, 16 attempts)`: runs that needed `run --attempts` to succeed or fail.
                "\(entry.runs)" + (entry.retriedRuns > 0 ? " (\(entry.retriedRuns) retried, \(entry.attempts) attempts)" : ""),
                Self.percent(entry.successRate),
                "\(entry.longestFailureStreak)" + (entry.failureStreakAtEnd > 0 ? " (now \(entry.failureStreakAtEnd))" : ""),
                breaches,
                duration.map { HumanUnits.shortDuration($0.mean) } ?? "-",
                duration?.trend.map { Self.signed(HumanUnits.shortDuration(abs($0.slopePerDay * 30)), $0.slopePerDay) + "/30d" } ?? "-",
                size.map { Self.size($0.mean) } ?? "-",
                size?.trend.map { Self.signed(Self.size(abs($0.slopePerDay * 30)), $0.slopePerDay) + "/30d" } ?? "-",
                size?.projected(month, after: end).map(Self.size) ?? "-",
                size?.projected(quarter, after: end).map(Self.size) ?? "-",
                entry.alerts.total == 0 ? "0" : Self.kinds(entry.alerts),
                ack,
            ]
        }
    }

    // MARK: - Words

    /// `12 (failed 7, delayed 5); 10 acknowledged, median 12m, max 3h05m`.
    static func alerts(_ summary: AlertSummary) -> String {
        guard summary.total > 0 else { return "none" }
        var text = kinds(summary) + "; \(summary.acknowledged) acknowledged"
        if summary.acknowledged > 0 {
            text += ", median \(wait(summary.medianTimeToAcknowledge)), max \(wait(summary.maxTimeToAcknowledge))"
        }
        return text
    }

    /// `12 (failed 7, delayed 5)`.
    static func kinds(_ summary: AlertSummary) -> String {
        "\(summary.total) (" + summary.countsByKind.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", ") + ")"
    }

    /// `1 breach`, `3 breaches`.
    static func count(_ number: Int, _ one: String, _ many: String) -> String {
        "\(number) \(number == 1 ? one : many)"
    }

    static func wait(_ seconds: TimeInterval?) -> String {
        seconds.map(HumanUnits.shortDuration) ?? "-"
    }

    /// `97.8%`, or `-` without runs. A rate below 1 never reads as 100%: `99.96%`, `>99.99%`.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        let text = String(format: "%.1f%%", rate * 100)
        guard rate < 1, text == "100.0%" else { return text }
        let finer = String(format: "%.2f%%", rate * 100)
        return finer == "100.00%" ? ">99.99%" : finer
    }

    static func size(_ bytes: Double) -> String {
        HumanUnits.formatSize(Int64(bytes.rounded()))
    }

    /// `+1.2 GB`, `-3m`, `±0s` for a flat line.
    static func signed(_ magnitude: String, _ slope: Double) -> String {
        slope > 0 ? "+" + magnitude : slope < 0 ? "-" + magnitude : "±" + magnitude
    }

    /// A Markdown table cell: pipes escaped.
    static func escaped(_ cell: String) -> String {
        cell.replacingOccurrences(of: "|", with: "\\|")
    }
}
