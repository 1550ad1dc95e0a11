import BoardModel
import Foundation
import Synchronization

/// Everything the board reads or writes, done through its source by the feed's own worker task so that
/// drawing never waits on I/O. The UI loop asks for work and collects what came back with `take()`.
///
/// A poll reads only what changed since the last one (nothing, when the data version has not moved). When
/// a poll fails the next ones back off — 2 s, 4 s … up to 30 s — and the board keeps the last data, marked
/// stale with the reason; the first poll that succeeds again brings the feed back to every second.
package final class BoardFeed: Sendable {
    /// What came back from the worker since the last `take()`.
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
    package static let backoff = RetryBackoff(base: 2, cap: 30, jitter: 0)

    /// One piece of work for the worker, done in the order asked.
    private enum Work: Sendable {
        case poll
        case reload
        case detail(jobID: Int64)
        case perform(BoardEffect)
    }

    private let worker: Worker
    private let work: AsyncStream<Work>.Continuation
    private let tasks: [Task<Void, Never>]

    /// Polls `source` every `interval`; `who` signs acknowledgements and mutes. `loaded` is the load the
    /// board started with, if any: the first poll reads what changed since. `beforePoll` runs before each
    /// poll's load (the demo's simulated heartbeats).
    package init(source: any BoardSource, who: String, loaded: BoardLoad? = nil, interval: TimeInterval = 1,
         beforePoll: (@Sendable () async -> Void)? = nil) {
        let worker = Worker(source: source, who: who, loaded: loaded, beforePoll: beforePoll)
        let (stream, work) = AsyncStream.makeStream(of: Work.self)
        self.worker = worker
        self.work = work
        let news = source.news
        tasks = [
            Task {
                for await item in stream { await worker.handle(item) }
            },
            Task {
                while (try? await Task.sleep(for: .seconds(interval))) != nil {
                    work.yield(.poll)
                }
            },
            Task {
                guard let news else { return }
                for await _ in news { work.yield(.poll) }
            },
        ]
    }

    deinit { stop() }

    /// Stops polling; what is queued still runs.
    package func stop() {
        tasks[1].cancel()
        tasks[2].cancel()
        work.finish()
    }

    /// Loads the board now, whatever the backoff says.
    package func reload() { work.yield(.reload) }

    /// Fetches a job's detail: its last 20 runs and its last heartbeat with the raw body.
    package func loadDetail(jobID: Int64) { work.yield(.detail(jobID: jobID)) }

    /// Carries out a write the model asked for, says how it went, and reloads.
    package func perform(_ effect: BoardEffect) { work.yield(.perform(effect)) }

    /// What came back since the last call.
    package func take() -> Update? { worker.take() }

    /// The worker's side: the source, what it answered, and the backoff after failures. Only the worker
    /// task calls `handle`, one piece of work at a time.
    private final class Worker: Sendable {
        let source: any BoardSource
        let who: String
        let beforePoll: (@Sendable () async -> Void)?
        let pending = Mutex(Update())

        /// What the worker keeps between polls: the last load and the backoff after failures.
        struct Progress {
            var loaded: BoardLoad?
            var failures = 0
            var retryAt: Date?
        }

        let progress: Mutex<Progress>

        init(source: any BoardSource, who: String, loaded: BoardLoad?, beforePoll: (@Sendable () async -> Void)?) {
            self.source = source
            self.who = who
            self.beforePoll = beforePoll
            progress = Mutex(Progress(loaded: loaded))
        }

        func handle(_ work: Work) async {
            switch work {
            case .poll:
                if let retryAt = progress.withLock({ $0.retryAt }), Date() < retryAt { return }
                await beforePoll?()
                await load()
            case .reload:
                await load()
            case .detail(let jobID):
                do {
                    let detail = try await source.detail(jobID: jobID)
                    pending.withLock { $0.detail = detail }
                } catch {
                    say("cannot load the job's detail: \(error)", .error)
                }
            case .perform(let effect):
                do {
                    let said = try await source.perform(effect, who: who, at: Date())
                    if !said.isEmpty { say(said, .info) }
                } catch {
                    say("cannot write: \(error)", .error)
                }
                await load()
            }
        }

        func take() -> Update? {
            pending.withLock { update in
                guard update.load != nil || update.answeredAt != nil || update.failure != nil || update.detail != nil
                    || !update.messages.isEmpty
                else { return nil }
                defer { update = Update() }
                return update
            }
        }

        private func load() async {
            let now = Date()
            let previous = progress.withLock { $0.loaded }
            do {
                let load = try await source.load(after: previous, at: now)
                progress.withLock {
                    if let load { $0.loaded = load }
                    $0.failures = 0
                    $0.retryAt = nil
                }
                pending.withLock {
                    if let load { $0.load = load.replacing($0.load) }
                    $0.answeredAt = now
                    $0.failure = nil
                }
            } catch {
                let wait = progress.withLock { progress in
                    progress.failures += 1
                    let wait = BoardFeed.backoff.delay(afterFailures: progress.failures)
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
}
