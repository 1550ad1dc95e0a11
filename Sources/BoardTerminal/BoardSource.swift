import BoardModel
import Foundation

/// One load of the board: the data and, when a server judged it, the server's judgement.
package struct BoardLoad: Sendable {
    package var snapshot: BoardSnapshot
    /// The fleet as `serve` judged it (a remote board); nil when the board judges the snapshot itself.
    package var judged: FleetReport?
    /// The jobs, their data and judgement, are those of the load before (the evaluator ticked, alerts or
    /// mutes moved): the board takes the rest without a pass over the fleet.
    package var jobsUnchanged: Bool

    package init(snapshot: BoardSnapshot, judged: FleetReport? = nil, jobsUnchanged: Bool = false) {
        self.snapshot = snapshot
        self.judged = judged
        self.jobsUnchanged = jobsUnchanged
    }

    /// This load taken in place of `earlier`, which nobody took: its jobs are unchanged only if both said so.
    package func replacing(_ earlier: BoardLoad?) -> BoardLoad {
        var load = self
        load.jobsUnchanged = jobsUnchanged && (earlier?.jobsUnchanged ?? true)
        return load
    }
}

/// Where the board's data comes from and where its writes go: the local database (`LocalBoard`) or a
/// server's JSON API (`RemoteBoard`). Called by the feed's worker only, never on the drawing path.
package protocol BoardSource: Sendable {
    /// The board after `previous` (nil the first time), reading only what changed since when it can; nil
    /// when nothing changed. Throws a one-sentence reason when the data cannot be read.
    func load(after previous: BoardLoad?, at now: Date) async throws -> BoardLoad?
    /// A job's last 20 runs, last heartbeat and latest changes.
    func detail(jobID: Int64) async throws -> JobDetail
    /// Carries out an acknowledgement or a mute signed by `who`; returns what to tell the user.
    func perform(_ effect: BoardEffect, who: String, at now: Date) async throws -> String
    /// Yields when the source has news before the next poll would ask (a remote board's long poll answered),
    /// so the feed loads at once; nil for a source that is only polled.
    var news: AsyncStream<Void>? { get }
}

extension BoardSource {
    package var news: AsyncStream<Void>? { nil }
}

/// The board on the local database: reads through the store, writes acks and mutes into it.
package struct LocalBoard: BoardSource {
    /// The store roles the board uses.
    package typealias Store = BoardReading & JobHistory & BoardActions & JobCatalog

    let store: any Store

    package init(store: any Store) {
        self.store = store
    }

    package func load(after previous: BoardLoad?, at now: Date) async throws -> BoardLoad? {
        guard let previous else { return BoardLoad(snapshot: try await store.loadBoard(at: now)) }
        let snapshot = try await store.loadBoard(at: now, updating: previous.snapshot)
        // Unchanged, except perhaps for mutes that ended, which the board applies by itself, and the
        // evaluator's latest tick and leader (a tick that changes nothing leaves the data version alone).
        if snapshot.dataVersion == previous.snapshot.dataVersion,
           snapshot.evaluatorLastTick == previous.snapshot.evaluatorLastTick,
           snapshot.evaluatorLeader == previous.snapshot.evaluatorLeader
        {
            return nil
        }
        return BoardLoad(snapshot: snapshot)
    }

    package func detail(jobID: Int64) async throws -> JobDetail {
        let record = try await store.jobRecord(JobRecordRequest(.id(jobID), runs: 20, heartbeats: 1, transitions: 0), at: Date())
        // A job removed since the board loaded has no history left to show.
        guard let record else { return JobDetail(jobID: jobID, runs: [], lastHeartbeat: nil) }
        return JobDetail(
            jobID: jobID, runs: record.runs ?? [], lastHeartbeat: record.heartbeats.first,
            changes: try await store.auditTrail(slug: record.job.slug, limit: DetailView.changeLimit))
    }

    package func perform(_ effect: BoardEffect, who: String, at now: Date) async throws -> String {
        switch effect {
        case .acknowledge(let id, let note):
            try await store.acknowledgeAlert(id: id, by: who, note: note, at: now)
            return "acknowledged alert #\(id) as \(who)"
        case .acknowledgeAll(let ids):
            for id in ids { try await store.acknowledgeAlert(id: id, by: who, note: nil, at: now) }
            return "acknowledged \(ids.count) alerts as \(who)"
        case .mute(let slug, let until, let reason):
            _ = try await store.add(Mute(scope: .job(slug), until: until, createdBy: who, reason: reason, createdAt: now))
            return "muted \(slug) until \(until.formatted(date: .omitted, time: .shortened))"
        case .unmute(let slug):
            let removed = try await store.removeMutes(scope: .job(slug))
            return removed > 0 ? "unmuted \(slug)" : "\(slug) was not muted"
        case .refresh, .loadDetail, .quit, .nextTheme:
            return ""
        }
    }
}
