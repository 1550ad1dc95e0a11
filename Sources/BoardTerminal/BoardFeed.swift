import BoardModel
import Dispatch
import Foundation
import Synchronization

/// Everything the board reads or writes, done through its source on the feed's own queue so that drawing
/// never waits on I/O. The UI loop asks for work and collects what came back with `take()`.
///
/// A poll reads only what changed since the last one (nothing, when the data version has not moved). When
/// a poll fails the next ones back off — 2 s, 4 s … up to 30 s — and the board keeps the last data, marked
/// stale with the reason; the first poll that succeeds again brings the feed back to every second.
// Unchecked: the one non-Sendable member is the Dispatch timer, which is thread-safe and only
// scheduled in init and cancelled in stop/deinit; the rest is immutable or behind a Mutex.
package final class BoardFeed: @unchecked Sendable {
    /// What came back from the queue since the last `take()`.
    package struct Update: Sendable {
        /// New data, when it changed.
        package var load: BoardLoad?
        /// When the source last answered (with news or without): the feed age starts again from here.
        package var answeredAt: Date?
        package var failure: String?
        package var detail: JobDetail?
        package var messages: [(text: String, level: StatusMessage.Level)] = []
    }

    /// The wait between polls while the source keeps failing: 2 s, 4 s … up to 30 s. No
    /// jitter: a board has no crowd of others failing with it to spread out.
    static let backoff = RetryBackoff(base: 2, cap: 30, jitter: 0)

    private let source: any BoardSource
    private let who: String
    private let queue = DispatchQueue(label: "backupboard.feed")
    private let pending = Mutex(Update())

    /// What the queue keeps between polls: the last load and the backoff after failures.
    private struct Progress {
        var loaded: BoardLoad?
        var failures = 0
        var retryAt: Date?
    }

    private let progress = Mutex(Progress())
    private let timer: any DispatchSourceTimer
    /// Runs on the feed's queue once per poll before loading (the demo's simulated heartbeats).
    private let beforePoll: (@Sendable () -> Void)?

    /// Polls `source` every `interval`; `who` signs acknowledgements and mutes. `loaded` is the load the
    /// board started with, if any: the first poll reads what changed since.
    package init(source: any BoardSource, who: String, loaded: BoardLoad? = nil, interval: TimeInterval = 1,
         beforePoll: (@Sendable () -> Void)? = nil) {
        self.source = source
        self.who = who
        self.beforePoll = beforePoll
        progress.withLock { $0.loaded = loaded }
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.poll() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// Stops polling; what is queued still runs.
    package func stop() { timer.cancel() }

    /// Loads the board now, whatever the backoff says.
    package func reload() {
        queue.async { self.load() }
    }

    /// Fetches a job's detail: its last 20 runs and its last heartbeat with the raw body.
    package func loadDetail(jobID: Int64) {
        queue.async {
            do {
                let detail = try self.source.detail(jobID: jobID)
                self.pending.withLock { $0.detail = detail }
            } catch {
                self.say("cannot load the job's detail: \(error)", .error)
            }
        }
    }

    /// Carries out a write the model asked for, says how it went, and reloads.
    package func perform(_ effect: BoardEffect) {
        queue.async {
            do {
                let said = try self.source.perform(effect, who: self.who, at: Date())
                if !said.isEmpty { self.say(said, .info) }
            } catch {
                self.say("cannot write: \(error)", .error)
            }
            self.load()
        }
    }

    /// What came back since the last call.
    package func take() -> Update? {
        pending.withLock { update in
            guard update.load != nil || update.answeredAt != nil || update.failure != nil || update.detail != nil
                || !update.messages.isEmpty
            else { return nil }
            defer { update = Update() }
            return update
        }
    }

    private func poll() {
        if let retryAt = progress.withLock({ $0.retryAt }), Date() < retryAt { return }
        beforePoll?()
        load()
    }

    private func load() {
        let now = Date()
        let previous = progress.withLock { $0.loaded }
        do {
            let load = try source.load(after: previous, at: now)
            progress.withLock {
                if let load { $0.loaded = load }
                $0.failures = 0
                $0.retryAt = nil
            }
            pending.withLock {
                if let load { $0.load = load }
                $0.answeredAt = now
                $0.failure = nil
            }
        } catch {
            let wait = progress.withLock { progress in
                progress.failures += 1
                let wait = Self.backoff.delay(afterFailures: progress.failures)
                progress.retryAt = now.addingTimeInterval(wait)
                return wait
            }
            pending.withLock {
                $0.failure = "\(error) (next try in \(Int(wait)) s)"
                $0.answeredAt = nil
            }
        }
    }

    private func say(_ text: String, _ level: StatusMessage.Level) {
        pending.withLock { $0.messages.append((text, level)) }
    }
}
