import Foundation

/// Keeps the demo fleet alive: short jobs start runs, report progress, finish, and now and then fail,
/// so a newcomer sees a living board within seconds. Pure: the caller passes `now` and the judged fleet,
/// and stores the events it gets back.
///
/// Only incrementals whose runs take minutes are simulated, at their usual length, so their duration
/// sparklines stay true; the demo's stories (failed, overdue, size collapse, never seen, paused…) are
/// on other jobs and are left as they are.
public struct DemoSimulator: Sendable {
    /// A run the simulator started and has not finished.
    struct LiveRun: Sendable {
        var slug: String
        var runID: String
        var startedAt: Date
        var length: TimeInterval
        var reportedProgress: Int
        var size: Int64
        var fails: Bool
    }

    /// Runs longer than this are never simulated: a newcomer would wait too long for them.
    public static let longestRun: TimeInterval = 5 * 60
    /// At most this many simulated runs at once.
    public static let concurrentRuns = 2

    private var random: SeededRandom
    private(set) var live: [String: LiveRun] = [:]
    private var nextStart: Date?

    public init(seed: UInt64) {
        random = SeededRandom(seed: SeededRandom.seed(seed, named: "simulator"))
    }

    /// The heartbeats due at `now`: progress and ends of the runs under way, and now and then a new run.
    public mutating func events(at now: Date, fleet: FleetReport) -> [DemoEvent] {
        var events: [DemoEvent] = []
        for slug in live.keys.sorted() {
            guard var run = live[slug] else { continue }
            let elapsed = now.timeIntervalSince(run.startedAt)
            if elapsed >= run.length {
                events.append(end(of: run, at: now))
                live[slug] = nil
            } else {
                let percent = Int(elapsed / run.length * 100)
                if percent >= run.reportedProgress + 20 {
                    run.reportedProgress = percent / 10 * 10
                    var payload = DemoPayload(.progress)
                    payload.runID(run.runID)
                    payload.progress(run.reportedProgress)
                    events.append(payload.event(slug: slug, at: now))
                    live[slug] = run
                }
            }
        }
        if now >= nextStart ?? now, live.count < Self.concurrentRuns, let start = startRun(at: now, fleet: fleet) {
            events.append(start)
            nextStart = now.addingTimeInterval(random.uniform(4...10))
        }
        return events
    }

    /// Starts a run of the up incremental that is due soonest among the short ones, at its usual length.
    private mutating func startRun(at now: Date, fleet: FleetReport) -> DemoEvent? {
        let candidates = fleet.jobs.filter { entry in
            guard entry.job.kind == .incremental, entry.status.state == .up, live[entry.job.slug] == nil,
                  let duration = entry.status.lastFinishedRun?.duration else { return false }
            return duration > 0 && duration <= Self.longestRun
        }
        guard let entry = candidates.min(by: { $0.status.dueAt < $1.status.dueAt }),
              let usual = entry.status.lastFinishedRun?.duration else { return nil }
        let run = LiveRun(
            slug: entry.job.slug, runID: "sim-" + random.hex(8), startedAt: now,
            length: usual * random.uniform(0.9...1.1), reportedProgress: 0,
            size: Int64(Double(entry.status.lastFinishedRun?.sizeBytes ?? 1_000_000_000) * random.uniform(0.99...1.04)),
            fails: random.chance(0.1))
        live[run.slug] = run
        var payload = DemoPayload(.started)
        payload.runID(run.runID)
        return payload.event(slug: run.slug, at: now)
    }

    private func end(of run: LiveRun, at now: Date) -> DemoEvent {
        var payload = DemoPayload(run.fails ? .failed : .completed)
        payload.runID(run.runID)
        payload.duration(now.timeIntervalSince(run.startedAt))
        if run.fails {
            payload.error("connection reset by peer while sending the delta", exitCode: 12)
        } else {
            payload.size(bytes: run.size)
        }
        return payload.event(slug: run.slug, at: now)
    }
}
