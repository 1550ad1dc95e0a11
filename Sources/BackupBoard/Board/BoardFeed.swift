import BoardModel
import Dispatch
import Foundation
import Synchronization

/// Everything the board reads from or writes to the store, done on its own queue so that drawing
/// never waits on I/O. The UI loop asks for work and collects what came back with `take()`.
///
/// A reload reads only what changed since the last one, and nothing when the store's data version has not
/// moved.
// Unchecked: the one non-Sendable member is the Dispatch timer, which is thread-safe and only
// scheduled in init and cancelled in stop/deinit; the rest is immutable or behind a Mutex.
final class BoardFeed: @unchecked Sendable {
    /// What came back from the queue since the last `take()`.
    struct Update: Sendable {
        var snapshot: BoardSnapshot?
        var loadedAt: Date?
        var failure: String?
        var detail: JobDetail?
        var messages: [(text: String, level: StatusMessage.Level)] = []
    }

    private let store: BoardStore
    private let who: String
    private let queue = DispatchQueue(label: "backupboard.feed")
    private let pending = Mutex(Update())
    /// The last board loaded; the next load reads what changed since.
    private let loaded = Mutex<BoardSnapshot?>(nil)
    private let timer: any DispatchSourceTimer
    /// Runs on the feed's queue once per poll before the version check (the demo's simulated heartbeats).
    private let beforePoll: (@Sendable (BoardStore) -> Void)?

    /// Polls the data version every `interval`; `who` signs acknowledgements and mutes.
    init(store: BoardStore, who: String, interval: TimeInterval = 1,
         beforePoll: (@Sendable (BoardStore) -> Void)? = nil) {
        self.store = store
        self.who = who
        self.beforePoll = beforePoll
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.poll() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// Stops polling; what is queued still runs.
    func stop() { timer.cancel() }

    /// Loads the board now, whatever the data version says.
    func reload() {
        queue.async { self.load(force: true) }
    }

    /// Fetches a job's detail: its last 20 runs and its last heartbeat with the raw body.
    func loadDetail(jobID: Int64) {
        queue.async {
            do {
                let runs = try self.store.runs(ofJob: jobID, limit: 20)
                let last = try self.store.heartbeats(ofJob: jobID, limit: 1).first
                self.pending.withLock { $0.detail = JobDetail(jobID: jobID, runs: runs, lastHeartbeat: last) }
            } catch {
                self.say("cannot load the job's detail: \(error)", .error)
            }
        }
    }

    /// Carries out a write the model asked for, says how it went, and reloads.
    func perform(_ effect: BoardEffect) {
        queue.async {
            let now = Date()
            do {
                switch effect {
                case .acknowledge(let id, let note):
                    try self.store.acknowledgeAlert(id: id, by: self.who, note: note, at: now)
                    self.say("acknowledged alert #\(id) as \(self.who)", .info)
                case .acknowledgeAll(let ids):
                    for id in ids { try self.store.acknowledgeAlert(id: id, by: self.who, note: nil, at: now) }
                    self.say("acknowledged \(ids.count) alerts as \(self.who)", .info)
                case .mute(let slug, let until, let reason):
                    try self.store.add(Mute(scope: .job(slug), until: until, createdBy: self.who, reason: reason, createdAt: now))
                    self.say("muted \(slug) until \(until.formatted(date: .omitted, time: .shortened))", .info)
                case .unmute(let slug):
                    let removed = try self.store.removeMutes(scope: .job(slug))
                    self.say(removed > 0 ? "unmuted \(slug)" : "\(slug) was not muted", .info)
                case .refresh, .loadDetail, .quit, .nextTheme:
                    return
                }
            } catch {
                self.say("cannot write: \(error)", .error)
            }
            self.load(force: true)
        }
    }

    /// What came back since the last call.
    func take() -> Update? {
        pending.withLock { update in
            guard update.snapshot != nil || update.failure != nil || update.detail != nil || !update.messages.isEmpty
            else { return nil }
            defer { update = Update() }
            return update
        }
    }

    private func poll() {
        beforePoll?(store)
        load(force: false)
    }

    private func load(force: Bool) {
        let now = Date()
        do {
            let previous = loaded.withLock { $0 }
            let snapshot = try previous.map { try store.loadBoard(at: now, updating: $0) } ?? store.loadBoard(at: now)
            if !force, snapshot.dataVersion == previous?.dataVersion { return }
            loaded.withLock { $0 = snapshot }
            pending.withLock {
                $0.snapshot = snapshot
                $0.loadedAt = now
                $0.failure = nil
            }
        } catch {
            pending.withLock { $0.failure = "\(error)" }
        }
    }

    private func say(_ text: String, _ level: StatusMessage.Level) {
        pending.withLock { $0.messages.append((text, level)) }
    }
}
