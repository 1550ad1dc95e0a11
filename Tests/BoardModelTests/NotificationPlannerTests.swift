import Foundation
import Testing
@testable import BoardModel

/// 2026-06-01 00:00 UTC.
private let base = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!
private func at(_ minutes: Double) -> Date { base.addingTimeInterval(minutes * 60) }

private func job(_ id: Int64, slug: String, tags: [String] = [], priority: JobPriority = .medium, paused: Bool = false) -> Job {
    Job(id: id, slug: slug, pingKey: "key-\(id)", schedule: .interval(6 * 3_600), priority: priority, tags: tags,
        paused: paused, createdAt: base)
}

private func alert(_ id: Int64, _ kind: AlertKind, job: Int64?, opened: Double, severity: AlertSeverity? = nil) -> Alert {
    Alert(id: id, kind: kind, severity: severity ?? kind.defaultSeverity, jobID: job, message: "\(kind.rawValue) #\(id)",
        openedAt: at(opened))
}

/// The seed article's routing: failed → Slack (again every hour), delayed → PagerDuty, succeeded → email, resolved
/// → Slack, and a daily digest by email at 08:00.
private let seedRouting = NotificationRouting(
    routes: [
        NotificationRoute(name: "failures", events: ["failed", "resolved"], channels: ["slack"], renotifyInterval: 3_600),
        NotificationRoute(name: "late", events: ["delayed"], channels: ["pagerduty"]),
        NotificationRoute(name: "good news", events: ["succeeded", "digest"], channels: ["email"]),
    ],
    closingChannels: ["pagerduty"], digestMinute: 8 * 60)

private let jobs: [Int64: Job] = [1: job(1, slug: "db", tags: ["prod"], priority: .critical), 2: job(2, slug: "web", tags: ["dev"])]

private func planned(_ round: NotificationRound, routing: NotificationRouting = seedRouting) -> [String] {
    NotificationPlanner(routing: routing).plan(round).map { "\($0.eventID) \($0.channel)" }
}

/// The rows as the store would hold them after `messages` were enqueued at `minutes`.
private func enqueued(_ keys: [String], at minutes: Double) -> [OutboxKey: Date] {
    Dictionary(uniqueKeysWithValues: keys.map { key in
        let parts = key.split(separator: " ")
        return (OutboxKey(eventID: String(parts[0]), channel: String(parts[1])), at(minutes))
    })
}

@Suite struct NotificationPlannerTests {
    @Test func eachAlertGoesWhereItsRouteSaysWithAStableID() {
        let round = NotificationRound(
            now: at(1), openAlerts: [alert(7, .failed, job: 1, opened: 1), alert(8, .delayed, job: 2, opened: 1),
                                     alert(9, .sizeAnomaly, job: 2, opened: 1)],
            jobs: jobs)
        #expect(planned(round) == ["alert-7-opened slack", "alert-8-opened pagerduty"])
        let messages = NotificationPlanner(routing: seedRouting).plan(round)
        let event = try? NotificationEvent.decode(messages[0].payload)
        #expect(event?.jobSlug == "db")
        #expect(event?.action == .trigger)
        #expect(event?.alertID == 7)
        #expect(messages[0].alertID == 7)
    }

    @Test func nothingIsPlannedTwice() {
        let open = [alert(7, .failed, job: 1, opened: 1)]
        let round = NotificationRound(now: at(2), openAlerts: open, jobs: jobs, enqueued: enqueued(["alert-7-opened slack"], at: 1))
        #expect(planned(round).isEmpty)
    }

    @Test func routesFilterBySeverityTagAndPriority() {
        let routing = NotificationRouting(routes: [
            NotificationRoute(name: "prod loud", minSeverity: .critical, tags: ["prod"], channels: ["pager"]),
            NotificationRoute(name: "critical jobs", priorities: [.critical], channels: ["chat"]),
        ])
        let round = NotificationRound(
            now: at(1),
            openAlerts: [alert(1, .failed, job: 1, opened: 0), alert(2, .runningTooLong, job: 1, opened: 0),
                         alert(3, .failed, job: 2, opened: 0), alert(4, .fleet, job: nil, opened: 0)],
            jobs: jobs)
        #expect(planned(round, routing: routing) == ["alert-1-opened pager", "alert-1-opened chat", "alert-2-opened chat"])
    }

    @Test func mutedAlertsNotifyWhenTheMuteEndsIfStillOpenAndUnacknowledged() {
        let mute = Mute(scope: .tag("prod"), until: at(60), createdBy: "ann", reason: "migration", createdAt: at(0))
        var open = [alert(7, .failed, job: 1, opened: 10), alert(8, .delayed, job: 1, opened: 10)]
        #expect(planned(NotificationRound(now: at(30), openAlerts: open, jobs: jobs, mutes: [mute])).isEmpty)
        open[1].acknowledgedAt = at(40)
        // Expired: still in the list the store gave, but no longer in force.
        #expect(planned(NotificationRound(now: at(61), openAlerts: open, jobs: jobs, mutes: [mute])) == ["alert-7-opened slack"])
    }

    @Test func pausedJobsNeverAnnounce() {
        let paused: [Int64: Job] = [1: job(1, slug: "db", paused: true)]
        let run = SucceededRun(runID: 5, jobID: 1, endedAt: at(1))
        #expect(planned(NotificationRound(
            now: at(2), openAlerts: [alert(7, .failed, job: 1, opened: 1)], jobs: paused, succeededRuns: [run])).isEmpty)
    }

    @Test func pagerDutyHearsAcknowledgeAndResolveOfWhatItWasToldOnly() {
        var delayed = alert(8, .delayed, job: 2, opened: 0)
        delayed.acknowledgedAt = at(5)
        let told = enqueued(["alert-8-opened pagerduty"], at: 0)
        #expect(planned(NotificationRound(now: at(6), openAlerts: [delayed], jobs: jobs, enqueued: told))
            == ["alert-8-acknowledged pagerduty"])
        delayed.resolvedAt = at(9)
        #expect(planned(NotificationRound(now: at(10), openAlerts: [], resolved: [delayed], jobs: jobs, enqueued: told))
            == ["alert-8-resolved pagerduty"])
        // Never announced (muted all along): nothing to close.
        #expect(planned(NotificationRound(now: at(10), openAlerts: [], resolved: [delayed], jobs: jobs)).isEmpty)
    }

    @Test func resolvedGoesToSlackBecauseItsRouteNamesIt() {
        var failed = alert(7, .failed, job: 1, opened: 0)
        failed.resolvedAt = at(30)
        let round = NotificationRound(
            now: at(30), openAlerts: [], resolved: [failed], jobs: jobs, enqueued: enqueued(["alert-7-opened slack"], at: 0))
        let messages = NotificationPlanner(routing: seedRouting).plan(round)
        #expect(messages.map(\.eventID) == ["alert-7-resolved"])
        #expect((try? NotificationEvent.decode(messages[0].payload))?.action == .resolve)
    }

    @Test func reNotifiesEveryIntervalWhileUnacknowledged() {
        var failed = alert(7, .failed, job: 1, opened: 0)
        let told = enqueued(["alert-7-opened slack"], at: 0)
        #expect(planned(NotificationRound(now: at(59), openAlerts: [failed], jobs: jobs, enqueued: told)).isEmpty)
        #expect(planned(NotificationRound(now: at(61), openAlerts: [failed], jobs: jobs, enqueued: told)) == ["alert-7-renotify-1 slack"])
        #expect(planned(NotificationRound(now: at(125), openAlerts: [failed], jobs: jobs, enqueued: told)) == ["alert-7-renotify-2 slack"])
        failed.acknowledgedAt = at(100)
        #expect(planned(NotificationRound(now: at(125), openAlerts: [failed], jobs: jobs, enqueued: told)).isEmpty)
    }

    @Test func escalationReachesChannelsAlreadyToldAndNewOnes() {
        let routing = NotificationRouting(routes: [
            NotificationRoute(name: "all", events: ["delayed"], channels: ["chat"]),
            NotificationRoute(name: "loud", events: ["delayed"], minSeverity: .critical, channels: ["pager"]),
        ])
        let escalated = alert(8, .delayed, job: 2, opened: 0, severity: .critical)
        let round = NotificationRound(
            now: at(400), openAlerts: [escalated], escalatedIDs: [8], jobs: jobs, enqueued: enqueued(["alert-8-opened chat"], at: 0))
        #expect(planned(round, routing: routing) == ["alert-8-escalated-critical chat", "alert-8-opened pager"])
    }

    @Test func jobAlertsFoldIntoTheFleetAlert() {
        let fleet = alert(20, .fleet, job: nil, opened: 30)
        let open = [
            alert(1, .failed, job: 1, opened: 10),  // 20 minutes before: not folded
            alert(2, .failed, job: 1, opened: 20),  // 10 minutes before: folded
            alert(3, .delayed, job: 2, opened: 40),  // after, while open: folded
            alert(4, .sizeAnomaly, job: 2, opened: 40),  // not a failed/delayed alert
            fleet,
        ]
        let routing = NotificationRouting(routes: [NotificationRoute(name: "all", channels: ["chat"])])
        let messages = NotificationPlanner(routing: routing).plan(
            NotificationRound(now: at(41), openAlerts: open, jobs: jobs, fleetAlerts: [fleet]))
        #expect(messages.map(\.eventID) == ["alert-1-opened", "alert-4-opened", "alert-20-opened"])
        let fleetEvent = try? NotificationEvent.decode(messages[2].payload)
        #expect(fleetEvent?.foldedJobs == 2)
        #expect(fleetEvent?.message.contains("2 job alerts folded") == true)
        var resolvedFleet = fleet
        resolvedFleet.resolvedAt = at(50)
        #expect(!FleetRule.foldsIntoFleet(alert(5, .failed, job: 1, opened: 55), fleetAlert: resolvedFleet))
        #expect(FleetRule.foldsIntoFleet(alert(5, .failed, job: 1, opened: 45), fleetAlert: resolvedFleet))
    }

    @Test func succeededAndTheDailyDigestAreOptIn() {
        let run = SucceededRun(runID: 5, jobID: 2, endedAt: at(1))
        let open = [alert(7, .failed, job: 1, opened: 0, severity: .critical)]
        let beforeDigest = NotificationRound(now: at(7 * 60), openAlerts: open, jobs: jobs, succeededRuns: [run])
        #expect(planned(beforeDigest) == ["alert-7-opened slack", "run-5-succeeded email"])
        var acknowledged = open
        acknowledged[0].acknowledgedAt = at(5)
        let afterDigest = NotificationRound(
            now: at(8 * 60 + 1), openAlerts: acknowledged, jobs: jobs, enqueued: enqueued(["alert-7-opened slack"], at: 0))
        let messages = NotificationPlanner(routing: seedRouting).plan(afterDigest)
        #expect(messages.map { "\($0.eventID) \($0.channel)" } == ["digest-2026-06-01 email"])
        let digest = try? NotificationEvent.decode(messages[0].payload)
        #expect(digest?.message.hasPrefix("Daily digest: 1 open alert (1 critical)\n- critical failed db: failed #7") == true)
        // Without routes naming them, neither is planned.
        let plain = NotificationRouting(routes: [NotificationRoute(name: "all", channels: ["chat"])])
        #expect(planned(NotificationRound(now: at(8 * 60 + 1), openAlerts: [], jobs: jobs, succeededRuns: [run]), routing: plain).isEmpty)
    }
}
