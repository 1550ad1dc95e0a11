import Foundation

/// Many jobs going wrong together: one `fleet` alert (no job) instead of a page per job.
///
/// It opens when at least `threshold(unpausedJobs:)` — max(3, 10% of the unpaused jobs) — jobs are *newly*
/// failed or overdue: their `failed` or `delayed` alert opens this round, or opened within the last
/// `window` (15 minutes). "Newly" is read from the open alerts, so the rule needs no history of its own.
/// Its severity is the worst severity among the job alerts it folds.
///
/// Once open, it folds what `foldsIntoFleet(_:fleetAlert:)` folds: the failed / delayed alerts opened from
/// `window` before it onwards. It stays open while at least the threshold of those jobs are still failed or
/// overdue, and resolves when fewer are: so a fleet-wide incident that lasts an hour is one alert for an
/// hour, not one that resolves after 15 minutes while the jobs are still down.
///
/// Overdue jobs held back by a maintenance window raise no `delayed` alert, so they do not count either; nor do
/// restore tests (docs/restore-tests.md).
public struct FleetRule: AlertRule {
    public var kinds: Set<AlertKind> { [.fleet] }

    /// How recent a job alert must be to count as new.
    public static let window: TimeInterval = 15 * 60

    public init() {}

    /// How many jobs must be newly failed or overdue: max(3, 10% of the unpaused jobs, rounded up).
    public static func threshold(unpausedJobs: Int) -> Int {
        max(3, (unpausedJobs + 9) / 10)
    }

    /// Whether `alert` is one of the per-job alerts folded into `fleetAlert`: a `failed` or `delayed` job
    /// alert opened at most `window` before the fleet alert opened, or after it while the fleet alert was
    /// open. A notifier sends the fleet alert instead of the alerts folded into it.
    public static func foldsIntoFleet(_ alert: Alert, fleetAlert: Alert) -> Bool {
        guard fleetAlert.kind == .fleet, alert.jobID != nil, folds(alert.kind) else { return false }
        if let resolved = fleetAlert.resolvedAt, alert.openedAt >= resolved { return false }
        return alert.openedAt >= fleetAlert.openedAt.addingTimeInterval(-window)
    }

    public func findings(in input: AlertInput) -> [AlertFinding] {
        let fleetAlert = input.openAlerts.first { $0.isOpen && $0.kind == .fleet && $0.jobID == nil }
        let since = (fleetAlert?.openedAt ?? input.now).addingTimeInterval(-Self.window)
        // When each job's open failed / delayed alert opened.
        var opened: [AlertKey: Date] = [:]
        for alert in input.openAlerts where alert.isOpen && alert.jobID != nil && Self.folds(alert.kind) {
            let key = AlertKey(kind: alert.kind, jobID: alert.jobID)
            opened[key] = min(opened[key] ?? alert.openedAt, alert.openedAt)
        }
        func isNew(_ kind: AlertKind, _ id: Int64) -> Bool {
            opened[AlertKey(kind: kind, jobID: id)].map { $0 >= since } ?? true
        }

        var unpaused = 0
        var newly: [(slug: String, severity: AlertSeverity)] = []
        for report in input.jobs where !report.job.paused {
            unpaused += 1
            // A restore test is a drill, not a backup: its failure is `restore_failed` on the jobs it proves, and
            // a late drill is `restore_overdue` there; neither is a fleet of backups going wrong.
            guard let id = report.job.id, report.job.kind != .restoreTest else { continue }
            let conditions = report.status.conditions
            var worst: AlertSeverity?
            if conditions.contains(.failed), isNew(.failed, id) {
                worst = report.job.alerting.severity(for: .failed)
            }
            if conditions.contains(.overdue), isNew(.delayed, id), input.maintenanceWindow(covering: report.job) == nil {
                worst = max(worst ?? .info, DelayedRule.severity(for: report))
            }
            if let worst { newly.append((report.job.slug, worst)) }
        }
        let threshold = Self.threshold(unpausedJobs: unpaused)
        guard newly.count >= threshold, let severity = newly.map(\.severity).max() else { return [] }

        let named = newly.prefix(5).map(\.slug).joined(separator: ", ")
        let more = newly.count > 5 ? " and \(newly.count - 5) more" : ""
        let message = "\(newly.count) of \(unpaused) jobs newly failed or overdue (threshold \(threshold)): \(named)\(more)"
        return [AlertFinding(kind: .fleet, jobID: nil, severity: severity, message: message)]
    }

    /// The job alert kinds a fleet alert folds.
    private static func folds(_ kind: AlertKind) -> Bool { kind == .failed || kind == .delayed }
}
