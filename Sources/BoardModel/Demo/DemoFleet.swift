import Foundation

/// One heartbeat of the demo fleet: the body a real script would have sent, and what it means,
/// so a caller can store both.
public struct DemoEvent: Sendable, Equatable {
    /// The job it belongs to.
    public var slug: String
    /// Event time; never after the `now` the fleet was generated for.
    public var at: Date
    /// What the body means, as the ingest parser would read it.
    public var report: HeartbeatReport
    /// The JSON body, e.g. `{"status":"completed","duration":1234,"size":"45.2GB"}`.
    public var body: String

    /// An event of job `slug` at `at`.
    public init(slug: String, at: Date, report: HeartbeatReport, body: String) {
        self.slug = slug
        self.at = at
        self.report = report
        self.body = body
    }
}

/// A realistic fleet of about 25 backup jobs with five weeks of heartbeats (six for weekly ones), for `backupboard demo`.
///
/// Pure and deterministic: the same seed and `now` always give the same fleet. The seed moves sizes,
/// durations, start jitter and where the scattered failures fall; the cast is fixed, so every demo shows
/// the same stories on the same jobs:
///
/// - `mysql-billing`: its latest run failed (the only job in that state);
/// - `nas-photos`: latest run completed, then failed verification;
/// - `fs-gitlab-data`: overdue, silent for well over interval + grace;
/// - `mysql-orders`: latest run "completed" with a tiny `.gz`, 99% smaller than usual;
/// - `pg-prod-analytics`: running now, progress heartbeats up to ~40%;
/// - `pg-payments-v2`: created hours ago, never reported;
/// - `mssql-legacy-erp`: paused;
/// - restore drills: `pg-prod-main` restored within its RTO, `mysql-orders` slower than its RTO
///   (`rto_breach`), `fs-home` with its last successful drill over a month old (`restore_overdue`);
/// - a few failures scattered through the history of other jobs; everything else healthy.
public struct DemoFleet: Sendable {
    /// The jobs, critical databases first, then daily file systems, weekly archives, incrementals.
    public var jobs: [Job]
    /// Every job's heartbeats, sorted by time.
    public var events: [DemoEvent]

    /// A fleet from given jobs and events.
    public init(jobs: [Job], events: [DemoEvent]) {
        self.jobs = jobs
        self.events = events
    }

    /// The demo fleet as it stands at `now`, laid out from `seed`.
    public static func generate(seed: UInt64, now: Date) -> DemoFleet {
        var jobs: [Job] = []
        var events: [DemoEvent] = []
        for profile in DemoJobProfile.catalog {
            // One stream per job, so a job's history does not depend on the jobs listed before it.
            var random = SeededRandom(seed: SeededRandom.seed(seed, named: profile.slug))
            jobs.append(profile.job(now: now, random: &random))
            var history = DemoHistory(profile: profile, now: now, random: random)
            events += history.write()
        }
        // Stable by construction: ties keep generation order (a job's own events in run order).
        let sorted = events.enumerated().sorted { a, b in
            a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset
        }
        return DemoFleet(jobs: jobs, events: sorted.map(\.element))
    }
}

extension DemoJobProfile {
    /// The job as it would be configured, created 45–75 days before `now`, before its history starts
    /// (hours before, for the new one).
    func job(now: Date, random: inout SeededRandom) -> Job {
        let age = scenario == .neverReported
            ? random.uniform(1.5 * 3_600...3 * 3_600)
            : random.uniform(45 * 86_400...75 * 86_400)
        return Job(
            slug: slug, name: name, pingKey: random.token(22), schedule: cadence.schedule, grace: grace,
            kind: kind, chainParent: chainParent, priority: priority, minSize: minSize, rpo: rpo, rto: rto, tests: tests,
            owner: owner, escalation: escalation, protects: protects, tags: tags, description: description,
            paused: scenario == .paused, createdAt: now.addingTimeInterval(-age.rounded())
        )
    }
}
