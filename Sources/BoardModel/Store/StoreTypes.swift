import Foundation

/// What `BoardStore.insert(_:)` did with one heartbeat of a batch.
public enum InsertOutcome: Sendable, Equatable {
    /// Stored under this row id.
    case stored(Int64)
    /// Same job and `Heartbeat-Id` as one already stored (earlier or in the same batch): kept once.
    case duplicate
    /// The job no longer exists (removed between the key lookup and the commit): nothing stored.
    case unknownJob

    /// Whether the heartbeat is in the database after the commit (stored now or before).
    public var isPersisted: Bool { self != .unknownJob }
}

/// A key that was pinged but belongs to no job: counted, and shown on the board, because curl ignores a
/// 404 and a mistyped URL otherwise looks like a dead job.
public struct UnknownKey: Sendable, Equatable {
    /// The first characters of the key, enough to recognise the script that sends it.
    public var keyPrefix: String
    public var count: Int64
    public var lastSource: String?
    public var lastUserAgent: String?
    public var firstSeenAt: Date
    public var lastSeenAt: Date

    public init(keyPrefix: String, count: Int64, lastSource: String?, lastUserAgent: String?, firstSeenAt: Date, lastSeenAt: Date) {
        self.keyPrefix = keyPrefix
        self.count = count
        self.lastSource = lastSource
        self.lastUserAgent = lastUserAgent
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
    }
}

/// Everything the board draws, read in one consistent snapshot.
public struct BoardSnapshot: Sendable, Equatable {
    /// One job and its current-state row.
    public struct Entry: Sendable, Equatable {
        public var job: Job
        public var activity: JobActivity
        /// The data version of the last write that changed this job (see `BoardChanges`); 0 when unknown,
        /// as for entries made outside a store.
        public var version: Int64

        public init(job: Job, activity: JobActivity, version: Int64 = 0) {
            self.job = job
            self.activity = activity
            self.version = version
        }
    }

    /// Every job, ordered by slug.
    public var entries: [Entry]
    /// Alerts not yet resolved, oldest first.
    public var openAlerts: [Alert]
    /// Mutes in force at the load time.
    public var activeMutes: [Mute]
    /// Unknown keys, most recently seen first (at most 50).
    public var unknownKeys: [UnknownKey]
    /// The evaluator's last tick, if `serve` ever ran one.
    public var evaluatorLastTick: Date?
    /// The store's data version when this was read.
    public var dataVersion: Int64
    /// The `serve` instance that holds the evaluator's lease (its `instance` name), when the store knows it:
    /// several `serve` on one PostgreSQL database elect their evaluator (docs/high-availability.md); on
    /// SQLite there is one `serve` and this is nil.
    public var evaluatorLeader: String?
    /// Outages of the monitor recorded by the evaluator, oldest first: slots inside them are not judged, so
    /// pass them to `FleetReport(jobs:mutes:at:skipping:)` to show what `serve` judges.
    public var monitorOutages: [DateInterval]
    /// Notifications waiting in the outbox, per channel (empty when everything was delivered).
    public var outboxBacklog: [OutboxBacklog]

    public init(
        entries: [Entry], openAlerts: [Alert], activeMutes: [Mute], unknownKeys: [UnknownKey],
        evaluatorLastTick: Date?, dataVersion: Int64, monitorOutages: [DateInterval] = [],
        outboxBacklog: [OutboxBacklog] = [], evaluatorLeader: String? = nil
    ) {
        self.entries = entries
        self.openAlerts = openAlerts
        self.activeMutes = activeMutes
        self.unknownKeys = unknownKeys
        self.evaluatorLastTick = evaluatorLastTick
        self.dataVersion = dataVersion
        self.monitorOutages = monitorOutages
        self.outboxBacklog = outboxBacklog
        self.evaluatorLeader = evaluatorLeader
    }
}

/// The result of `BoardStore.open(_:)` for an alert.
public enum AlertOpening: Sendable, Equatable {
    /// A new alert was stored.
    case opened(Alert)
    /// The same kind of alert is already open for this job (or the fleet): nothing new.
    case alreadyOpen(Alert)

    /// The stored alert either way.
    public var alert: Alert {
        switch self {
        case .opened(let alert), .alreadyOpen(let alert): alert
        }
    }
}

/// One notification waiting in (or gone through) the outbox. Enqueued once per event and channel.
public struct OutboxMessage: Sendable, Equatable, Identifiable {
    public var id: Int64?
    /// Stable event id: the `Idempotency-Key` header, the email `Message-ID`.
    public var eventID: String
    /// Channel name from the configuration (`slack-ops`, `pagerduty`).
    public var channel: String
    /// The alert it is about, if any.
    public var alertID: Int64?
    /// What to send: a `NotificationEvent` as JSON. Each channel renders it when delivering, so channel secrets
    /// (a PagerDuty routing key) never land in the database.
    public var payload: [UInt8]
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
    /// Set when the notifier gave up.
    public var failedAt: Date?

    public init(
        id: Int64? = nil, eventID: String, channel: String, alertID: Int64? = nil, payload: [UInt8], createdAt: Date,
        attempts: Int = 0, nextAttemptAt: Date? = nil, lastError: String? = nil, deliveredAt: Date? = nil,
        failedAt: Date? = nil
    ) {
        self.id = id
        self.eventID = eventID
        self.channel = channel
        self.alertID = alertID
        self.payload = payload
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.lastError = lastError
        self.deliveredAt = deliveredAt
        self.failedAt = failedAt
    }
}

/// How long history is kept (docs/architecture.md §6).
public struct RetentionPolicy: Sendable, Equatable {
    /// Runs that started (or ended) longer ago are deleted, except the job's latest good runs.
    public var runs: TimeInterval
    /// Heartbeats received longer ago are deleted.
    public var heartbeats: TimeInterval
    /// Bodies of heartbeats received longer ago are cut to `bodyLimit` bytes.
    public var bodies: TimeInterval
    public var bodyLimit: Int
    /// How many of a job's latest good runs (and their heartbeats) are never deleted.
    public var keptGoodRuns: Int
    /// Unknown keys not seen for this long are forgotten.
    public var unknownKeys: TimeInterval
    /// Delivered or abandoned notifications are deleted after this long.
    public var outbox: TimeInterval
    /// Rows deleted per transaction, so writers never wait long.
    public var batchSize: Int

    public init(
        runs: TimeInterval = 400 * 86_400, heartbeats: TimeInterval = 90 * 86_400, bodies: TimeInterval = 14 * 86_400,
        bodyLimit: Int = 4_096, keptGoodRuns: Int = 10, unknownKeys: TimeInterval = 30 * 86_400,
        outbox: TimeInterval = 30 * 86_400, batchSize: Int = 1_000
    ) {
        self.runs = runs
        self.heartbeats = heartbeats
        self.bodies = bodies
        self.bodyLimit = bodyLimit
        self.keptGoodRuns = keptGoodRuns
        self.unknownKeys = unknownKeys
        self.outbox = outbox
        self.batchSize = batchSize
    }

    /// The defaults of docs/architecture.md §6: runs 400 days, heartbeats 90 days, bodies over 4 KB trimmed
    /// after 14 days, batches of 1,000 rows, a job's last 10 good runs kept.
    public static let `default` = RetentionPolicy()
}

/// What `BoardStore.prune(now:policy:)` removed.
public struct PruneReport: Sendable, Equatable {
    public var runsDeleted = 0
    public var heartbeatsDeleted = 0
    public var bodiesTrimmed = 0
    public var transitionsDeleted = 0
    public var unknownKeysDeleted = 0
    public var outboxDeleted = 0
    /// Short write transactions used.
    public var batches = 0
    /// What became of the space the deleted rows held.
    public var reclaim = Reclaim.walCheckpointed

    public enum Reclaim: Sendable, Equatable {
        /// SQLite: the WAL checkpoint ran to the end (TRUNCATE).
        case walTruncated
        /// SQLite: readers kept the checkpoint to PASSIVE.
        case walCheckpointed
        /// PostgreSQL: its autovacuum reclaims the space in its own time.
        case autovacuum
    }

    public init() {}
}

extension PruneReport: CustomStringConvertible {
    /// `Deleted 120 runs and 4,000 heartbeats, trimmed 12 bodies (5 batches); WAL truncated.`
    public var description: String {
        "Deleted \(runsDeleted) runs, \(heartbeatsDeleted) heartbeats and \(transitionsDeleted) state transitions, "
            + "trimmed \(bodiesTrimmed) bodies, "
            + "forgot \(unknownKeysDeleted) unknown keys and \(outboxDeleted) old notifications "
            + "(\(batches) batches); " + reclaimed
    }

    private var reclaimed: String {
        switch reclaim {
        case .walTruncated: "WAL truncated."
        case .walCheckpointed: "WAL checkpointed (readers were active)."
        case .autovacuum: "PostgreSQL's autovacuum reclaims the space."
        }
    }
}
