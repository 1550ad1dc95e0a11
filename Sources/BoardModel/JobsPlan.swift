import Foundation

/// What applying a jobs file would do to the stored jobs: creates, updates (field by field), removes
/// (only when pruning) and what stays as it is. Pure: computed from values, applied by the store.
///
/// Planning again against `jobs` (the result) with the same file gives an empty plan.
public struct JobsPlan: Sendable, Equatable, CustomStringConvertible {
    /// One field whose value the file changes, in the file's vocabulary: `grace: 4h → 6h`.
    public struct Change: Sendable, Equatable, CustomStringConvertible {
        /// The jobs-file key (`grace`, `alerts.anomaly_window`, `alerts.severity.failed`).
        public var field: String
        /// The stored value, as the file would write it.
        public var old: String
        /// The file's value.
        public var new: String

        /// A change of `field` from `old` to `new`.
        public init(field: String, old: String, new: String) {
            self.field = field
            self.old = old
            self.new = new
        }

        /// `grace: 4h → 6h`.
        public var description: String { "\(field): \(old) → \(new)" }
    }

    /// A stored job the file changes.
    public struct Update: Sendable, Equatable {
        /// The job as stored now.
        public var current: Job
        /// The job as it will be stored (same id, creation time; key and pause state unless the file sets them).
        public var updated: Job
        /// The fields that differ, in jobs-file order.
        public var changes: [Change]
    }

    /// New jobs, in file order, each with its key (the file's, or a fresh one).
    public private(set) var creates: [Job]
    /// Changed jobs, in file order.
    public private(set) var updates: [Update]
    /// Jobs in the file that already match it, in file order.
    public private(set) var unchanged: [Job]
    /// Stored jobs missing from the file, removed because the plan prunes; by slug.
    public private(set) var removes: [Job]
    /// Stored jobs missing from the file, kept because the plan does not prune; by slug.
    public private(set) var untouched: [Job]
    /// Every job after applying the plan: the file's jobs in file order, then the untouched ones.
    public private(set) var jobs: [Job]

    /// Compares the stored jobs with the file. Jobs the file lacks are removed only when `prune`;
    /// new jobs are created at `now`, with the file's key or one from `makeKey`.
    public init(current: [Job], file: JobsFile, prune: Bool, now: Date, makeKey: () -> String) {
        var stored = Dictionary(current.map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first })
        var creates: [Job] = []
        var updates: [Update] = []
        var unchanged: [Job] = []
        var result: [Job] = []
        for spec in file.jobs {
            guard let existing = stored.removeValue(forKey: spec.slug) else {
                let created = spec.makeJob(pingKey: spec.key ?? makeKey(), createdAt: now)
                creates.append(created)
                result.append(created)
                continue
            }
            let updated = spec.applied(to: existing)
            let changes = Self.changes(from: existing, to: updated)
            if changes.isEmpty {
                unchanged.append(existing)
                result.append(existing)
            } else {
                updates.append(Update(current: existing, updated: updated, changes: changes))
                result.append(updated)
            }
        }
        let missing = stored.values.sorted { $0.slug < $1.slug }
        self.creates = creates
        self.updates = updates
        self.unchanged = unchanged
        self.removes = prune ? missing : []
        self.untouched = prune ? [] : missing
        self.jobs = result + self.untouched
    }

    /// A plan of single actions (what one API request does): `updates` pair a stored job with what it becomes.
    public init(creates: [Job] = [], updates: [(current: Job, updated: Job)] = [], removes: [Job] = []) {
        self.creates = creates
        self.updates = updates.compactMap { current, updated in
            let changes = Self.changes(from: current, to: updated)
            return changes.isEmpty ? nil : Update(current: current, updated: updated, changes: changes)
        }
        self.unchanged = updates.filter { Self.changes(from: $0.current, to: $0.updated).isEmpty }.map { $0.current }
        self.removes = removes
        self.untouched = []
        self.jobs = creates + updates.map { $0.updated }
    }

    /// True when applying the plan would change nothing.
    public var isEmpty: Bool { creates.isEmpty && updates.isEmpty && removes.isEmpty }


    /// One line per action, for printing: `+ create db-prod (every 6h)`, `~ update fs-daily: grace 4h → 6h`,
    /// `- remove old-job`; a closing line counts the jobs kept outside the file.
    public var lines: [String] {
        var lines = creates.map { "+ create \($0.slug) (\(Self.scheduleText($0.schedule)))" }
        lines += updates.map { update in
            "~ update \(update.updated.slug): "
                + update.changes.map { "\($0.field) \($0.old) → \($0.new)" }.joined(separator: ", ")
        }
        lines += removes.map { "- remove \($0.slug)" }
        if isEmpty { lines.append("no changes") }
        if !untouched.isEmpty {
            let count = untouched.count == 1 ? "1 job" : "\(untouched.count) jobs"
            lines.append("\(count) not in the file left as they are (prune removes them): "
                + untouched.map(\.slug).joined(separator: ", "))
        }
        return lines
    }

    /// The lines, one per line.
    public var description: String { lines.joined(separator: "\n") }

    // MARK: Comparing

    /// The fields that differ, in jobs-file order. Alert severities compare by effective value, so an
    /// override equal to the default is not a change. The ping key is a secret: never shown.
    static func changes(from old: Job, to new: Job) -> [Change] {
        var changes: [Change] = []
        func compare<Value: Equatable>(_ field: String, _ path: KeyPath<Job, Value>, _ show: (Value) -> String) {
            let before = old[keyPath: path], after = new[keyPath: path]
            if before != after { changes.append(Change(field: field, old: show(before), new: show(after))) }
        }
        compare("name", \.name, quoted)
        if old.pingKey != new.pingKey { changes.append(Change(field: "key", old: "(secret)", new: "(new secret)")) }
        compare("schedule", \.schedule, scheduleText)
        compare("grace", \.grace, HumanUnits.formatDuration)
        compare("max_runtime", \.maxRuntime) { $0.map(HumanUnits.formatDuration) ?? "one period" }
        compare("kind", \.kind, \.rawValue)
        compare("chain_parent", \.chainParent) { $0 ?? "none" }
        compare("priority", \.priority, \.rawValue)
        compare("min_size", \.minSize) { $0.map(exactSize) ?? "none" }
        compare("rpo", \.rpo) { $0.map(HumanUnits.formatDuration) ?? "none" }
        compare("rto", \.rto) { $0.map(HumanUnits.formatDuration) ?? "none" }
        compare("tests", \.tests, list)
        compare("require_restore_test", \.requireRestoreTest) { String($0) }
        compare("owner", \.owner) { $0.map(quoted) ?? "none" }
        compare("escalation", \.escalation) { $0.map(quoted) ?? "none" }
        compare("protects", \.protects, list)
        compare("tags", \.tags, list)
        compare("description", \.description) { $0.map(quoted) ?? "none" }
        compare("paused", \.paused) { String($0) }
        compare("alerts.size_anomaly_factor", \.alerting.sizeAnomalyFactor) { "\($0)" }
        compare("alerts.duration_anomaly_high", \.alerting.durationAnomalyHigh) { "\($0)" }
        compare("alerts.duration_anomaly_low", \.alerting.durationAnomalyLow) { "\($0)" }
        compare("alerts.anomaly_window", \.alerting.anomalyWindow) { "\($0)" }
        compare("alerts.anomaly_min_runs", \.alerting.anomalyMinRuns) { "\($0)" }
        compare("alerts.delayed_escalation_periods", \.alerting.delayedEscalationPeriods) { "\($0)" }
        compare("alerts.flaky_runs", \.alerting.flakyRuns) { "\($0)" }
        compare("alerts.flaky_window", \.alerting.flakyWindow) { "\($0)" }
        compare("alerts.restore_escalation_periods", \.alerting.restoreEscalationPeriods) { "\($0)" }
        for kind in AlertKind.allCases {
            let before = old.alerting.severity(for: kind), after = new.alerting.severity(for: kind)
            if before != after {
                changes.append(Change(field: "alerts.severity.\(kind.rawValue)", old: before.rawValue, new: after.rawValue))
            }
        }
        return changes
    }

    /// `every 6h`, `cron 0 */6 * * * Europe/Berlin`, `calendar Mon..Fri 02:30 UTC`.
    static func scheduleText(_ schedule: Schedule) -> String {
        switch schedule {
        case .interval(let seconds): "every \(HumanUnits.formatDuration(seconds))"
        case .cron(let expression, let zone): "cron \(expression.source) \(zone.identifier)"
        case .calendar, .several: schedule.description
        }
    }

    /// A size in the largest unit that divides it exactly (`1GB`, `512MiB`), else in bytes, so that two
    /// different sizes never print alike.
    static func exactSize(_ bytes: Int64) -> String {
        let units: [(String, Int64)] = [
            ("TB", 1_000_000_000_000), ("TiB", 1 << 40), ("GB", 1_000_000_000), ("GiB", 1 << 30),
            ("MB", 1_000_000), ("MiB", 1 << 20), ("KB", 1_000), ("KiB", 1 << 10),
        ]
        for (name, size) in units where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(name)"
        }
        return "\(bytes) bytes"
    }

    private static func quoted(_ text: String) -> String { "\"\(text)\"" }

    private static func list(_ items: [String]) -> String {
        "[" + items.map(quoted).joined(separator: ", ") + "]"
    }
}
