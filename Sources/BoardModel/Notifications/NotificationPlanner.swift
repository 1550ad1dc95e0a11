import Foundation

/// One outbox row's identity: an event on a channel, enqueued at most once.
public struct OutboxKey: Hashable, Sendable {
    public var eventID: String
    public var channel: String

    public init(eventID: String, channel: String) {
        self.eventID = eventID
        self.channel = channel
    }
}

/// A run that ended well since the previous evaluator tick (the opt-in `succeeded` event).
public struct SucceededRun: Sendable, Equatable {
    public var runID: Int64
    public var jobID: Int64
    public var endedAt: Date
    public var sizeBytes: Int64?
    public var duration: TimeInterval?
    public var exitStatus: Int?

    public init(
        runID: Int64, jobID: Int64, endedAt: Date, sizeBytes: Int64? = nil, duration: TimeInterval? = nil, exitStatus: Int? = nil
    ) {
        self.runID = runID
        self.jobID = jobID
        self.endedAt = endedAt
        self.sizeBytes = sizeBytes
        self.duration = duration
        self.exitStatus = exitStatus
    }
}

/// What the planner looks at after an evaluator round has been written: the alerts as they now stand, what
/// the round changed, and what the outbox already holds.
public struct NotificationRound: Sendable {
    public var now: Date
    /// Every alert not resolved, after the round's changes.
    public var openAlerts: [Alert]
    /// Open alerts whose severity the round changed.
    public var escalatedIDs: Set<Int64>
    /// Alerts the round resolved, as stored.
    public var resolved: [Alert]
    /// The jobs of these alerts and runs, by id.
    public var jobs: [Int64: Job]
    /// Mutes in force at `now`.
    public var mutes: [Mute]
    /// Fleet alerts open, or resolved lately, for folding.
    public var fleetAlerts: [Alert]
    /// Outbox rows already there for these alerts (and today's digest), with when they were enqueued.
    public var enqueued: [OutboxKey: Date]
    public var succeededRuns: [SucceededRun]

    public init(
        now: Date, openAlerts: [Alert], escalatedIDs: Set<Int64> = [], resolved: [Alert] = [], jobs: [Int64: Job],
        mutes: [Mute] = [], fleetAlerts: [Alert] = [], enqueued: [OutboxKey: Date] = [:], succeededRuns: [SucceededRun] = []
    ) {
        self.now = now
        self.openAlerts = openAlerts
        self.escalatedIDs = escalatedIDs
        self.resolved = resolved
        self.jobs = jobs
        self.mutes = mutes
        self.fleetAlerts = fleetAlerts
        self.enqueued = enqueued
        self.succeededRuns = succeededRuns
    }
}

/// Turns a round into the notifications to enqueue. Pure: the same round always plans the same events with the
/// same ids, and the outbox keeps one row per (event id, channel), so planning again never sends twice.
///
/// - An open alert is announced (`alert-ID-opened`) on each channel its routes give, unless it is muted, its
///   job paused, it is folded into a fleet alert, or it was acknowledged first. A muted alert is announced
///   when the mute ends (expires or is removed), if it is still open and unacknowledged then.
/// - A channel told of an alert hears its escalation (`alert-ID-escalated-SEVERITY`), its re-notifications
///   while unacknowledged (`alert-ID-renotify-N`, every interval of its route after the announcement), and,
///   when it is a closing channel or a route sends it those events, its acknowledgement and resolution
///   (`alert-ID-acknowledged`, `alert-ID-resolved`). Acknowledgement and resolution close what was opened,
///   so they are sent even while muted or paused.
/// - `succeeded` (`run-ID-succeeded`) and the daily `digest` (`digest-YYYY-MM-DD`) go where routes name them.
public struct NotificationPlanner: Sendable {
    public var routing: NotificationRouting

    public init(routing: NotificationRouting) {
        self.routing = routing
    }

    /// Every channel any route or closing rule names.
    var channels: [String] {
        var result: [String] = []
        for channel in routing.routes.flatMap(\.channels) + routing.closingChannels.sorted() where !result.contains(channel) {
            result.append(channel)
        }
        return result
    }

    /// The event id of the digest due at `now`, if one is due and any route wants it.
    public func digestEventID(at now: Date) -> String? {
        guard routing.wants(NotificationEventName.digest), let day = routing.digestDay(at: now) else { return nil }
        return "digest-\(day)"
    }

    /// The notifications to enqueue for `round`, oldest alert first.
    public func plan(_ round: NotificationRound) -> [OutboxMessage] {
        var planned = Planned(now: round.now, enqueued: round.enqueued)
        for alert in round.openAlerts {
            guard let id = alert.id else { continue }
            let job = alert.jobID.flatMap { round.jobs[$0] }
            let told = channels.filter { round.enqueued[OutboxKey(eventID: "alert-\(id)-opened", channel: $0)] != nil }
            if alert.isAcknowledged {
                for channel in closing(alert, event: NotificationEventName.acknowledged, job: job, told: told) {
                    planned.add(event(alert, job: job, suffix: "acknowledged", name: NotificationEventName.acknowledged,
                        action: .acknowledge, at: alert.acknowledgedAt ?? round.now), to: channel)
                }
                continue
            }
            guard !isSilenced(alert, in: round), !round.fleetAlerts.contains(where: { FleetRule.foldsIntoFleet(alert, fleetAlert: $0) })
            else { continue }
            for channel in routing.channels(event: alert.kind.rawValue, severity: alert.severity, job: job) {
                guard let announcedAt = round.enqueued[OutboxKey(eventID: "alert-\(id)-opened", channel: channel)] else {
                    var opened = event(alert, job: job, suffix: "opened", name: alert.kind.rawValue, action: .trigger, at: alert.openedAt)
                    if alert.kind == .fleet {
                        let folded = round.openAlerts.filter { FleetRule.foldsIntoFleet($0, fleetAlert: alert) }.count
                        opened.foldedJobs = folded
                        opened.message += " (\(folded) job alert\(folded == 1 ? "" : "s") folded into this one)"
                    }
                    planned.add(opened, to: channel)
                    continue
                }
                if round.escalatedIDs.contains(id) {
                    planned.add(event(alert, job: job, suffix: "escalated-\(alert.severity.rawValue)", name: alert.kind.rawValue,
                        action: .trigger, at: round.now), to: channel)
                } else if let interval = routing.renotifyInterval(
                    channel: channel, event: alert.kind.rawValue, severity: alert.severity, job: job),
                    case let count = Int(round.now.timeIntervalSince(announcedAt) / interval), count >= 1
                {
                    var again = event(alert, job: job, suffix: "renotify-\(count)", name: alert.kind.rawValue, action: .trigger, at: round.now)
                    again.renotification = count
                    again.message = "still unacknowledged: " + again.message
                    planned.add(again, to: channel)
                }
            }
        }
        for alert in round.resolved {
            guard let id = alert.id else { continue }
            let job = alert.jobID.flatMap { round.jobs[$0] }
            let told = channels.filter { round.enqueued[OutboxKey(eventID: "alert-\(id)-opened", channel: $0)] != nil }
            for channel in closing(alert, event: NotificationEventName.resolved, job: job, told: told) {
                planned.add(event(alert, job: job, suffix: "resolved", name: NotificationEventName.resolved, action: .resolve,
                    at: alert.resolvedAt ?? round.now), to: channel)
            }
        }
        for run in round.succeededRuns {
            guard let job = round.jobs[run.jobID], !job.paused, !round.mutes.contains(where: { $0.covers(job, at: round.now) })
            else { continue }
            let succeeded = NotificationEvent(
                id: "run-\(run.runID)-succeeded", event: NotificationEventName.succeeded, action: .info, severity: .info,
                jobSlug: job.slug, jobName: job.name, message: "\(job.name) completed a good run", occurredAt: run.endedAt,
                tags: job.tags, sizeBytes: run.sizeBytes, duration: run.duration, exitStatus: run.exitStatus)
            for channel in routing.channels(event: NotificationEventName.succeeded, severity: .info, job: job) {
                planned.add(succeeded, to: channel)
            }
        }
        if let digestID = digestEventID(at: round.now) {
            let digest = self.digest(id: digestID, openAlerts: round.openAlerts, jobs: round.jobs, at: round.now)
            for channel in routing.channels(event: NotificationEventName.digest, severity: .info, job: nil) {
                planned.add(digest, to: channel)
            }
        }
        return planned.messages
    }

    /// The channels told of `alert` that must hear `event` (acknowledged or resolved).
    private func closing(_ alert: Alert, event: String, job: Job?, told: [String]) -> [String] {
        let routed = routing.channels(event: event, severity: alert.severity, job: job)
        return told.filter { routing.closingChannels.contains($0) || routed.contains($0) }
    }

    /// Muted (by job, tag or fleet), or its job paused or gone.
    private func isSilenced(_ alert: Alert, in round: NotificationRound) -> Bool {
        guard let jobID = alert.jobID else {
            return round.mutes.contains { $0.scope == .fleet && round.now < $0.until }
        }
        guard let job = round.jobs[jobID], !job.paused else { return true }
        return round.mutes.contains { $0.covers(job, at: round.now) }
    }

    private func event(
        _ alert: Alert, job: Job?, suffix: String, name: String, action: NotificationAction, at date: Date
    ) -> NotificationEvent {
        NotificationEvent(
            id: "alert-\(alert.id ?? 0)-\(suffix)", event: name, action: action, severity: alert.severity, alertID: alert.id,
            alertKind: alert.kind, jobSlug: job?.slug, jobName: job?.name, message: alert.message, occurredAt: date,
            openedAt: alert.openedAt, tags: job?.tags)
    }

    /// `Daily digest: 3 open alerts (1 critical, 2 info)`, then the ten loudest, one a line.
    private func digest(id: String, openAlerts: [Alert], jobs: [Int64: Job], at now: Date) -> NotificationEvent {
        let counts = AlertSeverity.allCases.reversed().compactMap { severity -> String? in
            let count = openAlerts.filter { $0.severity == severity }.count
            return count == 0 ? nil : "\(count) \(severity.rawValue)"
        }
        var message = "Daily digest: \(openAlerts.count) open alert\(openAlerts.count == 1 ? "" : "s")"
        if !counts.isEmpty { message += " (\(counts.joined(separator: ", ")))" }
        let loudest = openAlerts.sorted { ($0.severity, $1.openedAt) > ($1.severity, $0.openedAt) }.prefix(10)
        for alert in loudest {
            let slug = alert.jobID.flatMap { jobs[$0]?.slug } ?? "fleet"
            message += "\n- \(alert.severity.rawValue) \(alert.kind.rawValue) \(slug): \(alert.message)"
        }
        return NotificationEvent(
            id: id, event: NotificationEventName.digest, action: .info, severity: openAlerts.map(\.severity).max() ?? .info,
            message: message, occurredAt: now)
    }
}

/// The planner's output so far: one message per (event, channel) not already in the outbox.
private struct Planned {
    let now: Date
    let enqueued: [OutboxKey: Date]
    var messages: [OutboxMessage] = []

    mutating func add(_ event: NotificationEvent, to channel: String) {
        guard enqueued[OutboxKey(eventID: event.id, channel: channel)] == nil else { return }
        messages.append(OutboxMessage(
            eventID: event.id, channel: channel, alertID: event.alertID, payload: event.encoded(), createdAt: now))
    }
}
