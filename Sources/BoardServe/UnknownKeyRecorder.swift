import BoardModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Records pings to unknown keys (docs/architecture.md §4: counted per key with source and user agent, and
/// shown) without slowing valid ingest: the handler only appends to a list; a task writes the list to
/// the store a moment later. Past `maxPending` sightings waiting, further ones are
/// dropped and counted in the metrics, so a flood of bad keys cannot grow memory or starve the writer.
final class UnknownKeyRecorder: Service, Sendable {
    struct Sighting: Sendable, Equatable {
        /// What the digest is taken of: the key, or a server ping key and a slug.
        var key: String
        /// What the list shows of it; nil: the key's first characters.
        var shown: String? = nil
        var source: String?
        var userAgent: String?
        var at: Date
    }

    private struct State: Sendable {
        var pending: [Sighting] = []
        var flushScheduled = false
        /// The flush scheduled last, which shutdown waits for: its sightings are in no list any more.
        var scheduledFlush: Task<Void, Never>?
    }

    private let store: any IngestStore
    private let metrics: ServerMetrics
    private let logger: Logger
    private let delay: Duration
    private let maxPending: Int
    private let state = Mutex(State())

    init(store: any IngestStore, metrics: ServerMetrics, logger: Logger, delay: Duration = .milliseconds(200), maxPending: Int = 1_000) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.delay = delay
        self.maxPending = maxPending
    }

    /// Notes one sighting; returns at once.
    func note(_ sighting: Sighting) {
        let delay = delay
        let accepted = state.withLock { state -> Bool in
            guard state.pending.count < maxPending else { return false }
            state.pending.append(sighting)
            if !state.flushScheduled {
                state.flushScheduled = true
                state.scheduledFlush = Task {
                    try? await Task.sleep(for: delay)
                    await self.flush()
                }
            }
            return true
        }
        if !accepted { metrics.countUnknownKeysDropped(1) }
    }

    /// Writes everything noted so far.
    func flush() async {
        let sightings = state.withLock { state -> [Sighting] in
            state.flushScheduled = false
            defer { state.pending = [] }
            return state.pending
        }
        for (index, sighting) in sightings.enumerated() {
            do {
                try await store.recordUnknownKey(
                    sighting.key, shownAs: sighting.shown ?? String(sighting.key.prefix(UnknownKey.prefixLength)),
                    source: sighting.source, userAgent: sighting.userAgent, at: sighting.at)
            } catch {
                logger.warning("cannot record \(sightings.count - index) pings to unknown keys: \(error)")
                metrics.countUnknownKeysDropped(sightings.count - index)
                return
            }
        }
    }

    /// Waits for graceful shutdown, then writes what is still pending.
    func run() async throws {
        try? await gracefulShutdown()
        await state.withLock { $0.scheduledFlush }?.value
        await flush()
    }
}
