import Foundation

/// Which alert: its kind and the job it concerns (nil for the fleet). At most one alert per key is open.
public struct AlertKey: Sendable, Hashable {
    public var kind: AlertKind
    public var jobID: Int64?

    public init(kind: AlertKind, jobID: Int64?) {
        self.kind = kind
        self.jobID = jobID
    }
}

/// A condition a rule sees at `now`: the alert it calls for, as loud as it should be now.
public struct AlertFinding: Sendable, Equatable {
    public var kind: AlertKind
    public var jobID: Int64?
    public var severity: AlertSeverity
    /// The sentence a human reads: `pg-prod-main is overdue: due 14:00 UTC, no start for 1h10m`.
    public var message: String
    /// The maintenance window that holds this condition back, if any: a held condition opens no alert and
    /// changes none, but keeps an alert already open from being resolved.
    public var heldBy: String?

    public init(kind: AlertKind, jobID: Int64?, severity: AlertSeverity, message: String, heldBy: String? = nil) {
        self.kind = kind
        self.jobID = jobID
        self.severity = severity
        self.message = message
        self.heldBy = heldBy
    }

    public var key: AlertKey { AlertKey(kind: kind, jobID: jobID) }
}

/// Everything a rule may look at: the fleet judged at `now`, the jobs' current-state rows (for rules that
/// read run history), the alerts open before this round, the maintenance windows and the monitor's outages.
public struct AlertInput: Sendable {
    public var now: Date
    public var jobs: [JobReport]
    /// Current-state rows by job id; rules that need more than `JobStatus` (anomalies, chains) read them.
    public var activities: [Int64: JobActivity]
    public var openAlerts: [Alert]
    public var maintenanceWindows: [MaintenanceWindow]
    /// Stretches when the monitor was down: what fell due inside them is not judged (the RPO rule reads them;
    /// the slots in `jobs` were already moved past them).
    public var outages: [DateInterval]

    public init(
        now: Date, jobs: [JobReport], activities: [Int64: JobActivity] = [:], openAlerts: [Alert],
        maintenanceWindows: [MaintenanceWindow], outages: [DateInterval] = []
    ) {
        self.now = now
        self.jobs = jobs
        self.activities = activities
        self.openAlerts = openAlerts
        self.maintenanceWindows = maintenanceWindows
        self.outages = outages
    }

    /// The first maintenance window covering `job` at `now`.
    public func maintenanceWindow(covering job: Job) -> MaintenanceWindow? {
        maintenanceWindows.first { $0.covers(job, at: now) }
    }
}

/// One alert rule. A rule owns its kinds: an open alert of one of them that the rule no longer finds is
/// resolved, so a rule says what is true now and the policy works out what opens, changes and resolves.
public protocol AlertRule: Sendable {
    /// The kinds this rule raises and, so, resolves.
    var kinds: Set<AlertKind> { get }
    /// The conditions true at `input.now`, at most one per `AlertKey`.
    func findings(in input: AlertInput) -> [AlertFinding]
}

/// A rule that looks at one job at a time. Paused jobs are never shown to it: they never alert.
public protocol JobAlertRule: AlertRule {
    var kind: AlertKind { get }
    /// The condition `report`'s job is in at `input.now`, or nil.
    func finding(for report: JobReport, in input: AlertInput) -> AlertFinding?
}

extension JobAlertRule {
    public var kinds: Set<AlertKind> { [kind] }

    public func findings(in input: AlertInput) -> [AlertFinding] {
        // By index: iterating would copy every report (a reference count per field) to skip most of them.
        var findings: [AlertFinding] = []
        let jobs = input.jobs
        for index in jobs.indices where !jobs[index].job.paused && jobs[index].job.id != nil {
            if let finding = finding(for: jobs[index], in: input) { findings.append(finding) }
        }
        return findings
    }
}

/// What a round of the alert policy changes: alerts to open (no id yet), open alerts with a new severity and
/// message, and open alerts to resolve (with `resolvedAt` set).
public struct AlertChanges: Sendable, Equatable {
    public var opened: [Alert]
    public var updated: [Alert]
    public var resolved: [Alert]

    public init(opened: [Alert] = [], updated: [Alert] = [], resolved: [Alert] = []) {
        self.opened = opened
        self.updated = updated
        self.resolved = resolved
    }

    public var isEmpty: Bool { opened.isEmpty && updated.isEmpty && resolved.isEmpty }
}

/// Decides which alerts open, escalate and resolve, from the fleet judged at a moment. Pure.
///
/// - A condition that stays true never opens a duplicate; one that clears resolves its alert at `now`, and
///   one that returns afterwards opens a new alert.
/// - An open alert whose severity the rule now gives differently is updated, message included (a `delayed`
///   alert that escalates); the message alone never causes a write.
/// - Paused jobs raise nothing, so their open alerts resolve: pausing says "do not judge this job", and an
///   alert left open for a job nobody judges would page forever and never clear.
/// - Mutes change nothing here: muted jobs still open alerts; mutes only silence notifications.
/// - A maintenance window holds `delayed` back for the jobs it covers (see `AlertFinding.heldBy`).
/// - Alerts of kinds no rule owns (`monitor_outage`, or kinds of rules not in this policy) are left alone.
public struct AlertPolicy: Sendable {
    public var rules: [any AlertRule]

    public init(rules: [any AlertRule]) {
        self.rules = rules
    }

    /// Every rule of docs/architecture.md §5: what `serve` runs.
    public static let standard = AlertPolicy(rules: [
        DelayedRule(), FailedRule(), VerificationFailedRule(), RunningTooLongRule(), AnomalyRule(), ChainBrokenRule(),
        RPOBreachRule(), FlakyRule(), RestoreTestRule(), FleetRule(),
    ])

    /// Every kind some rule owns.
    public var kinds: Set<AlertKind> { rules.reduce(into: []) { $0.formUnion($1.kinds) } }

    /// The changes for `fleet` (judged at `fleet.now`, skipping `outages`), given the alerts open now.
    public func changes(
        for fleet: FleetReport, openAlerts: [Alert], maintenanceWindows: [MaintenanceWindow],
        activities: [Int64: JobActivity] = [:], outages: [DateInterval] = []
    ) -> AlertChanges {
        changes(in: AlertInput(
            now: fleet.now, jobs: fleet.jobs, activities: activities, openAlerts: openAlerts,
            maintenanceWindows: maintenanceWindows, outages: outages))
    }

    /// The changes for everything in `input`.
    public func changes(in input: AlertInput) -> AlertChanges {
        var findings: [AlertFinding] = []
        var found: Set<AlertKey> = []
        for rule in rules {
            let kinds = rule.kinds
            for finding in rule.findings(in: input) where kinds.contains(finding.kind) {
                if found.insert(finding.key).inserted { findings.append(finding) }
            }
        }
        let owned = kinds
        var open: [AlertKey: Alert] = [:]
        for alert in input.openAlerts where alert.isOpen && owned.contains(alert.kind) {
            open[AlertKey(kind: alert.kind, jobID: alert.jobID)] = open[AlertKey(kind: alert.kind, jobID: alert.jobID)] ?? alert
        }

        var changes = AlertChanges()
        for finding in findings where finding.heldBy == nil {
            if var alert = open[finding.key] {
                guard alert.severity != finding.severity else { continue }
                alert.severity = finding.severity
                alert.message = finding.message
                changes.updated.append(alert)
            } else {
                changes.opened.append(Alert(
                    kind: finding.kind, severity: finding.severity, jobID: finding.jobID, message: finding.message,
                    openedAt: input.now))
            }
        }
        for alert in input.openAlerts where alert.isOpen && owned.contains(alert.kind)
            && !found.contains(AlertKey(kind: alert.kind, jobID: alert.jobID))
        {
            var resolved = alert
            resolved.resolvedAt = input.now
            changes.resolved.append(resolved)
        }
        return changes
    }
}

// MARK: - The rules on a job's state

/// Overdue (slot + grace passed without a start) raises `delayed`: the job's severity for it (info by default),
/// critical once `delayedEscalationPeriods` further whole periods are missed. Held back while a maintenance
/// window covers the job.
public struct DelayedRule: JobAlertRule {
    public var kind: AlertKind { .delayed }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let status = report.status
        let job = report.job
        guard status.conditions.contains(.overdue) else { return nil }
        var message = "\(job.slug) is overdue: due \(AlertText.time(status.dueAt, for: job, now: input.now)), "
            + "no start for \(HumanUnits.formatDuration(input.now.timeIntervalSince(status.dueAt)))"
        if status.missedPeriods > 0 {
            message += "; \(status.missedPeriods) further period\(status.missedPeriods == 1 ? "" : "s") missed"
        }
        return AlertFinding(
            kind: .delayed, jobID: job.id, severity: Self.severity(for: report), message: message,
            heldBy: input.maintenanceWindow(covering: job)?.name)
    }

    /// The severity of an overdue job's `delayed` alert: its own, or critical once escalated.
    static func severity(for report: JobReport) -> AlertSeverity {
        let base = report.job.alerting.severity(for: .delayed)
        let escalated = report.status.missedPeriods >= report.job.alerting.delayedEscalationPeriods
        return escalated ? max(base, .critical) : base
    }
}

/// The latest finished run failed, was abandoned, or completed below min size: `failed`, at once. A restore
/// test's failure is `restore_failed` on the jobs it proves instead (`RestoreTestRule`).
public struct FailedRule: JobAlertRule {
    public var kind: AlertKind { .failed }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = report.job
        guard job.kind != .restoreTest, report.status.conditions.contains(.failed), let run = report.status.lastFinishedRun else { return nil }
        let when = AlertText.time(run.endedAt ?? run.lastHeartbeatAt, for: job, now: input.now)
        var message: String
        switch run.outcome {
        case .abandoned:
            message = "\(job.slug)'s run started \(AlertText.time(run.time, for: job, now: input.now)) was abandoned: "
                + "a new run started before it reported an end"
        case .completed:
            message = "\(job.slug)'s run at \(when) completed below its min size: "
                + "\(HumanUnits.formatSize(run.sizeBytes ?? 0)) < \(HumanUnits.formatSize(job.minSize ?? 0))"
        case .failed, .running:
            message = "\(job.slug) failed at \(when)"
            if let code = run.exitCode { message += " (exit \(code))" }
        }
        if run.outcome != .completed, let detail = AlertText.detail(run.message) { message += ": \(detail)" }
        return AlertFinding(kind: .failed, jobID: job.id, severity: job.alerting.severity(for: .failed), message: message)
    }
}

/// The latest finished run's verification failed: `verification_failed`.
public struct VerificationFailedRule: JobAlertRule {
    public var kind: AlertKind { .verificationFailed }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = report.job
        guard report.status.conditions.contains(.verificationFailed), let run = report.status.lastFinishedRun
        else { return nil }
        var message = "\(job.slug)'s backup of \(AlertText.time(run.time, for: job, now: input.now)) failed verification"
        if let detail = AlertText.detail(run.message) { message += ": \(detail)" }
        return AlertFinding(
            kind: .verificationFailed, jobID: job.id, severity: job.alerting.severity(for: .verificationFailed),
            message: message)
    }
}

/// The open run has outlived max runtime (default one period): `running_too_long`.
public struct RunningTooLongRule: JobAlertRule {
    public var kind: AlertKind { .runningTooLong }

    public init() {}

    public func finding(for report: JobReport, in input: AlertInput) -> AlertFinding? {
        let job = report.job
        guard report.status.conditions.contains(.runningTooLong), let run = report.status.openRun else { return nil }
        let started = run.startedAt ?? run.lastHeartbeatAt
        let message = "\(job.slug) has been running for \(HumanUnits.formatDuration(input.now.timeIntervalSince(started))) "
            + "since \(AlertText.time(started, for: job, now: input.now)), longer than its max runtime "
            + HumanUnits.formatDuration(JobEvaluator.maxRuntime(of: job, at: input.now))
        return AlertFinding(
            kind: .runningTooLong, jobID: job.id, severity: job.alerting.severity(for: .runningTooLong), message: message)
    }
}

/// How alert messages write times and details.
enum AlertText {
    /// `14:00 UTC` on the day of `now`, else `May 28 14:00 UTC`; read in the schedule's zone, else UTC.
    static func time(_ date: Date, for job: Job, now: Date) -> String {
        time(date, in: job.schedule.timeZone ?? TimeZone(identifier: "UTC")!, now: now)
    }

    static func time(_ date: Date, in zone: TimeZone, now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        let clock = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        let name = zone.identifier == "GMT" ? "UTC" : zone.identifier
        guard parts.year != today.year || parts.month != today.month || parts.day != today.day else {
            return "\(clock) \(name)"
        }
        let month = months[(parts.month ?? 1) - 1]
        let year = parts.year == today.year ? "" : " \(parts.year ?? 0)"
        return "\(month) \(parts.day ?? 1)\(year) \(clock) \(name)"
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A run's message on one line, at most 200 characters; nil when empty.
    static func detail(_ message: String?) -> String? {
        guard let message else { return nil }
        let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        guard !line.isEmpty else { return nil }
        return line.count > 200 ? String(line.prefix(199)) + "…" : line
    }
}
