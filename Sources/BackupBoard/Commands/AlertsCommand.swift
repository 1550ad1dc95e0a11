import ArgumentParser
import BoardModel
import Foundation
import BoardTerminal

/// `backupboard alerts`: the open alerts, with the ids `ack` takes.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List open alerts: id, severity, kind, job, age, acknowledgement.",
        discussion: "Open alerts oldest first; with --all, the latest 100 alerts, resolved ones too, newest first.")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Also resolved alerts: the latest 100, newest first.")
    var all = false

    func run() async throws {
        let alerts: [Alert]
        let slugs: [Int64: String]
        do {
            let store = try await database.open(.readOnly)
            alerts = all ? try await store.recentAlerts(limit: 100) : try await store.openAlerts()
            slugs = Dictionary(try await store.jobs().compactMap { job in job.id.map { ($0, job.slug) } }, uniquingKeysWith: { a, _ in a })
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
        guard !alerts.isEmpty else {
            print(all ? "No alerts yet." : "No open alerts.")
            return
        }
        let now = Date()
        let header = ["ID", "SEVERITY", "KIND", "JOB", "OPENED", "ACKNOWLEDGED"] + (all ? ["RESOLVED"] : []) + ["MESSAGE"]
        let rows = alerts.map { alert -> [String] in
            let acknowledged = alert.acknowledgedAt.map { at in
                "\(TimeText.ago(at, now: now)) by \(alert.acknowledgedBy ?? "?")"
            } ?? "no"
            let resolved = all ? [alert.resolvedAt.map { TimeText.ago($0, now: now) } ?? "open"] : []
            return ["#\(alert.id ?? 0)", alert.severity.rawValue, alert.kind.rawValue,
                    alert.jobID.map { slugs[$0] ?? "#\($0)" } ?? "(fleet)", TimeText.ago(alert.openedAt, now: now), acknowledged]
                + resolved + [alert.message]
        }
        print(StatusFormatter.align([header] + rows))
    }
}
