import Foundation

/// One tick of `serve`'s evaluator, worked out without I/O: the fleet judged at `now`, the state transitions
/// since the last recorded states, the alert changes, and an outage of the monitor if one just ended.
/// `Evaluator` reads the inputs from the store and writes the result back in one transaction.
public struct EvaluationRound: Sendable {
    public var now: Date
    public var fleet: FleetReport
    /// The gap since the previous tick, when it was longer than three evaluator intervals (docs/architecture.md §5).
    public var outage: DateInterval?
    public var transitions: [StateTransition]
    /// The policy's changes; `opened` also holds the outage's `monitor_outage` alert, already resolved.
    public var alertChanges: AlertChanges

    /// Judges `snapshot` at `now`.
    ///
    /// The monitor watches itself: when the snapshot's last tick is older than three `interval`s, the time
    /// between is an outage of the monitor. It is recorded as a `monitor_outage` alert (severity info, no job),
    /// opened at the outage's start and resolved at its end, so it shows in the alert log and pages nobody; and,
    /// like every earlier outage (`snapshot.monitorOutages`), its slots are not judged.
    public init(
        snapshot: BoardSnapshot, previousStates: [Int64: EvaluatedState], maintenanceWindows: [MaintenanceWindow],
        policy: AlertPolicy = .standard, interval: TimeInterval = BoardSnapshot.defaultEvaluatorInterval, at now: Date
    ) {
        let outage = Self.outage(endingAt: now, lastTick: snapshot.evaluatorLastTick, gap: Self.outageGap(interval: interval))
        let fleet = FleetReport(
            jobs: snapshot.jobsWithActivity, mutes: snapshot.activeMutes, at: now,
            skipping: snapshot.monitorOutages + (outage.map { [$0] } ?? []))
        self.init(
            snapshot: snapshot, fleet: fleet, outage: outage, previousStates: previousStates,
            maintenanceWindows: maintenanceWindows, policy: policy)
    }

    /// The round for `fleet`, `snapshot` judged at `fleet.now` already (by a `FleetJudge`, say), skipping
    /// `outage` — `outage(endingAt:lastTick:gap:)` — as well as the snapshot's own outages.
    public init(
        snapshot: BoardSnapshot, fleet: FleetReport, outage: DateInterval?, previousStates: [Int64: EvaluatedState],
        maintenanceWindows: [MaintenanceWindow], policy: AlertPolicy = .standard
    ) {
        let now = fleet.now
        self.now = now
        self.outage = outage
        self.fleet = fleet
        transitions = fleet.jobs.compactMap { report in
            StateTransition.detect(
                from: report.job.id.flatMap { previousStates[$0] }, to: report.status, of: report.job, at: now,
                notBefore: snapshot.evaluatorLastTick)
        }
        var activities: [Int64: JobActivity] = [:]
        activities.reserveCapacity(snapshot.entries.count)
        for entry in snapshot.entries { activities[entry.activity.jobID] = entry.activity }
        alertChanges = policy.changes(
            for: fleet, openAlerts: snapshot.openAlerts, maintenanceWindows: maintenanceWindows, activities: activities,
            outages: snapshot.monitorOutages + (outage.map { [$0] } ?? []))
        if let outage { alertChanges.opened.insert(Self.outageAlert(outage), at: 0) }
    }

    /// The time between two ticks beyond which the monitor was down (docs/architecture.md §5): three evaluator
    /// intervals, or, when several `serve` share a database, a hand-over of the evaluator's lease if that is
    /// longer (docs/high-availability.md): the dead leader's last tick up to one interval before its death, the
    /// longest time its lease takes to reach another instance (`failover`), and that instance's first round,
    /// which a loaded machine may finish up to one interval later.
    public static func outageGap(interval: TimeInterval, failover: TimeInterval = 0) -> TimeInterval {
        max(3 * interval, interval + failover + interval)
    }

    /// The outage of the monitor that ends at `now`: the time since its last tick, when that is longer than
    /// `gap` (`outageGap`).
    public static func outage(endingAt now: Date, lastTick: Date?, gap: TimeInterval) -> DateInterval? {
        guard let lastTick, now.timeIntervalSince(lastTick) > gap else { return nil }
        return DateInterval(start: lastTick, end: now)
    }

    /// `monitor was down from 08:00 UTC to 14:00 UTC (6h); slots inside were not judged`, opened and resolved.
    public static func outageAlert(_ outage: DateInterval) -> Alert {
        let utc = TimeZone(identifier: "UTC")!
        let message = "monitor was down from \(AlertText.time(outage.start, in: utc, now: outage.end)) "
            + "to \(AlertText.time(outage.end, in: utc, now: outage.end)) "
            + "(\(HumanUnits.formatDuration(outage.duration))); slots inside were not judged"
        return Alert(
            kind: .monitorOutage, severity: AlertKind.monitorOutage.defaultSeverity, jobID: nil, message: message,
            openedAt: outage.start, resolvedAt: outage.end)
    }
}
