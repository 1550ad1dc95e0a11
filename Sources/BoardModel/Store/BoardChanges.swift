import Foundation

/// What changed in the store after a data version: the answer to "what changed since V" (docs/architecture.md §6).
///
/// Every write stamps what it changes with the data version it commits (triggers in `Schema`), so the
/// jobs, removals, alerts and mutes here are exactly those written after `since`.
public struct BoardChanges: Sendable, Equatable {
    /// The version asked about.
    public var since: Int64
    /// Each job's version: the data version of the last write that changed its definition, its state row, its
    /// evaluated state or a mute covering it. Only jobs changed after `since` are listed.
    public var jobVersions: [Int64: Int64]
    /// Jobs removed after `since`, by id (ids are never reused).
    public var removedJobIDs: [Int64]
    /// Whether any alert was opened, changed or deleted after `since`.
    public var alertsChanged: Bool
    /// Whether any mute was added, changed or removed after `since`.
    public var mutesChanged: Bool

    public init(since: Int64, jobVersions: [Int64: Int64], removedJobIDs: [Int64], alertsChanged: Bool, mutesChanged: Bool) {
        self.since = since
        self.jobVersions = jobVersions
        self.removedJobIDs = removedJobIDs
        self.alertsChanged = alertsChanged
        self.mutesChanged = mutesChanged
    }
}
