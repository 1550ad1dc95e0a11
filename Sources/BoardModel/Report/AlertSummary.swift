import Foundation

/// The alerts opened in a period: how many of each kind, and how long they waited for an acknowledgement.
public struct AlertSummary: Sendable, Equatable {
    /// Counts by kind, in `AlertKind.allCases` order, kinds with no alert left out.
    public var countsByKind: [(kind: AlertKind, count: Int)]
    /// Alerts counted.
    public var total: Int
    /// How many were acknowledged (at any time up to the report).
    public var acknowledged: Int
    /// Median of acknowledged − opened over the acknowledged ones, in seconds.
    public var medianTimeToAcknowledge: TimeInterval?
    /// The longest acknowledged − opened, in seconds.
    public var maxTimeToAcknowledge: TimeInterval?

    /// Summarises `alerts`. Outages of the monitor are not alerts anyone acknowledges, so they are left out
    /// (the report lists them on their own).
    public init(_ alerts: [Alert]) {
        let counted = alerts.filter { $0.kind != .monitorOutage }
        var counts: [AlertKind: Int] = [:]
        for alert in counted { counts[alert.kind, default: 0] += 1 }
        countsByKind = AlertKind.allCases.compactMap { kind in counts[kind].map { (kind, $0) } }
        total = counted.count
        let waits = counted.compactMap { alert in
            alert.acknowledgedAt.map { max(0, $0.timeIntervalSince(alert.openedAt)) }
        }.sorted()
        acknowledged = waits.count
        maxTimeToAcknowledge = waits.last
        if waits.isEmpty {
            medianTimeToAcknowledge = nil
        } else if waits.count % 2 == 1 {
            medianTimeToAcknowledge = waits[waits.count / 2]
        } else {
            medianTimeToAcknowledge = (waits[waits.count / 2 - 1] + waits[waits.count / 2]) / 2
        }
    }

    /// The count of one kind (0 when none).
    public func count(of kind: AlertKind) -> Int {
        countsByKind.first { $0.kind == kind }?.count ?? 0
    }

    /// Equal counts (tuples are not `Equatable`, so this is written out).
    public static func == (a: AlertSummary, b: AlertSummary) -> Bool {
        a.countsByKind.elementsEqual(b.countsByKind) { $0.kind == $1.kind && $0.count == $1.count }
            && a.total == b.total && a.acknowledged == b.acknowledged
            && a.medianTimeToAcknowledge == b.medianTimeToAcknowledge && a.maxTimeToAcknowledge == b.maxTimeToAcknowledge
    }
}
