import BoardModel
import Foundation

/// Turns a fleet report into what `backupboard status` prints: a table, JSON, or one line for a status bar.
package struct StatusFormatter {
    let report: FleetReport
    let glyphs: GlyphSet

    package init(report: FleetReport, glyphs: GlyphSet) {
        self.report = report
        self.glyphs = glyphs
    }

    /// The table: state (glyph and word), job, last run, next due or how long overdue, last duration, last size.
    package func table() -> String {
        let header = ["", "STATE", "JOB", "LAST RUN", "NEXT DUE", "DURATION", "SIZE"]
        let rows = report.jobs.map { entry -> [String] in
            let status = entry.status
            let lastRun = status.lastRun
            return [
                glyphs.symbol(status.state),
                status.state.word + (entry.muted ? " (muted)" : ""),
                entry.job.slug,
                lastRun.map { ago($0.time) } ?? "never",
                dueText(status),
                status.lastFinishedRun?.duration.map(HumanUnits.shortDuration) ?? "-",
                status.lastFinishedRun?.sizeBytes.map(HumanUnits.formatSize) ?? "-",
            ]
        }
        return Self.align([header] + rows)
    }

    /// `✔ 42 ⚠ 2 ✖ 1`: jobs by level, paused ones left out, zero levels left out except ok.
    package func oneLine() -> String {
        Self.oneLine(report.countsByLevel, glyphs: glyphs)
    }

    /// `✔ 42 ⚠ 2 ✖ 1` from jobs counted by level (the local report's, or a server's `/api/v1/status`).
    package static func oneLine(_ counts: [StateLevel: Int], glyphs: GlyphSet) -> String {
        [StateLevel.ok, .warning, .critical]
            .filter { $0 == .ok || counts[$0, default: 0] > 0 }
            .map { "\(glyphs.symbol($0)) \(counts[$0, default: 0])" }
            .joined(separator: " ")
    }

    /// Lines under the table: a stale evaluator, and keys that got 404s (a mistyped URL looks like a dead job).
    package func notes(unknownKeys: [UnknownKey], stale: Bool, lastTick: Date?) -> [String] {
        var lines: [String] = []
        if stale, let lastTick {
            lines.append("")
            lines.append("\(glyphs.symbol(.overdue)) The evaluator of `backupboard serve` last ran \(ago(lastTick)): these states may be stale.")
        }
        if !unknownKeys.isEmpty {
            lines.append("")
            lines.append("\(glyphs.symbol(.overdue)) Heartbeats for unknown keys (mistyped ping URLs?):")
            for key in unknownKeys.prefix(5) {
                let agent = key.lastUserAgent.map { ", \($0)" } ?? ""
                lines.append("    \(key.keyPrefix)…  \(key.count)×, last \(ago(key.lastSeenAt)) from \(key.lastSource ?? "?")\(agent)")
            }
            if unknownKeys.count > 5 { lines.append("    and \(unknownKeys.count - 5) more") }
        }
        return lines
    }

    /// `in 3h05m`, `late 12m`, `overdue 2h10m`, or `running 40%` for a run in progress.
    func dueText(_ status: JobStatus) -> String {
        TimeText.due(status, now: report.now)
    }

    private func ago(_ date: Date) -> String {
        TimeText.ago(date, now: report.now)
    }

    /// Left-aligned columns two spaces apart, trailing spaces trimmed.
    package static func align(_ rows: [[String]]) -> String {
        let widths = rows.reduce(into: [Int](repeating: 0, count: rows.first?.count ?? 0)) { widths, row in
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
            .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        .joined(separator: "\n")
    }
}
