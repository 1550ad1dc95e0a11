import BoardModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The group-commit writer (docs/architecture.md §6): request handlers enqueue a heartbeat and wait; one
/// loop drains everything pending into one `insert` batch (one transaction, one fsync), then resumes every
/// waiter with its outcome. A request is answered only after its batch committed, so acknowledged ⊆
/// stored. Batches grow with load by themselves; a store that had to wait for another writer's lock takes in
/// what queued up meanwhile (`IngestStore.insert(_:joining:)`).
///
/// The loop is a task that suspends while the store commits: the store does its I/O (fsync, SQLite's busy
/// timeout) off Swift's cooperative pool, so a slow commit never holds one of its threads. When the store
/// is busy the batch is retried with a short, bounded backoff; a batch that still cannot be written fails
/// every waiter (503), and the next batch simply tries again, so the server recovers by itself once the
/// database can be written.
///
/// As a `Service`, it runs until graceful shutdown, then stops taking heartbeats, commits what is queued
/// and ends its loop. It is listed before the HTTP server, so the server (shut down first) has answered
/// every in-flight request before the writer drains.
package final class HeartbeatWriter: Service, Sendable {
    /// How busy errors are retried within one batch.
    package struct RetryPolicy: Sendable {
        /// Pauses between attempts; one attempt more than pauses.
        var backoff: [Duration]

        /// Two retries, 25 ms then 100 ms apart (each attempt also waits out SQLite's busy timeout).
        package static let standard = RetryPolicy(backoff: [.milliseconds(25), .milliseconds(100)])
        /// No retry (tests).
        package static let none = RetryPolicy(backoff: [])
    }

    private typealias Waiter = CheckedContinuation<Result<InsertOutcome, WriteFailure>, Never>

    private struct Queue: ~Copyable {
        var pending: [(heartbeat: Heartbeat, waiter: Waiter)] = []
        var isClosed = false
        /// The loop, while it waits for work.
        var idle: CheckedContinuation<Void, Never>?
    }

    private let store: any IngestStore
    private let metrics: ServerMetrics
    private let logger: Logger
    private let retry: RetryPolicy
    private let maxBatch: Int
    /// Called after each batch commits: the live fleet's long polls learn of it at once.
    private let committed: @Sendable () -> Void
    private let queue = Mutex(Queue())
    private let loop = Mutex<Task<Void, Never>?>(nil)

    /// Starts the loop at once; heartbeats may be submitted right away.
    init(
        store: any IngestStore, metrics: ServerMetrics, logger: Logger, retry: RetryPolicy = .standard, maxBatch: Int = 1_000,
        committed: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        self.committed = committed
        self.metrics = metrics
        self.logger = logger
        self.retry = retry
        self.maxBatch = maxBatch
        loop.withLock { $0 = Task { await self.drain() } }
    }

    /// Stores one heartbeat; returns once the batch holding it committed (or failed).
    func submit(_ heartbeat: Heartbeat) async -> Result<InsertOutcome, WriteFailure> {
        await withCheckedContinuation { (waiter: Waiter) in
            let idle = queue.withLock { queue -> CheckedContinuation<Void, Never>?? in
                if queue.isClosed { return .none }
                queue.pending.append((heartbeat, waiter))
                defer { queue.idle = nil }
                return .some(queue.idle)
            }
            switch idle {
            case .none: waiter.resume(returning: .failure(.shuttingDown))
            case .some(let loop): loop?.resume()
            }
        }
    }

    /// Runs until graceful shutdown (or cancellation), then drains the queue and ends the loop.
    package func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Stops taking heartbeats, commits everything already queued, and waits for the loop to end.
    func close() async {
        let idle = queue.withLock { queue in
            queue.isClosed = true
            defer { queue.idle = nil }
            return queue.idle
        }
        idle?.resume()
        await loop.withLock { $0 }?.value
    }

    private func drain() async {
        var isFailing = false
        while let batch = await nextBatch() {
            await commit(batch, isFailing: &isFailing)
        }
    }

    /// The next heartbeats to commit, waiting for some; nil once closed and empty.
    private func nextBatch() async -> [(heartbeat: Heartbeat, waiter: Waiter)]? {
        while true {
            let (batch, closed) = queue.withLock { queue in
                let take = min(queue.pending.count, maxBatch)
                let batch = Array(queue.pending.prefix(take))
                queue.pending.removeFirst(take)
                return (batch, queue.isClosed)
            }
            if !batch.isEmpty { return batch }
            if closed { return nil }
            await withCheckedContinuation { (idle: CheckedContinuation<Void, Never>) in
                let ready = queue.withLock { queue in
                    if !queue.pending.isEmpty || queue.isClosed { return true }
                    queue.idle = idle
                    return false
                }
                if ready { idle.resume() }
            }
        }
    }

    private typealias Entry = (heartbeat: Heartbeat, waiter: Waiter)

    /// What the store took in from the queue during one attempt.
    private final class Joined: Sendable {
        let entries = Mutex<[Entry]>([])
    }

    private func commit(_ batch: [Entry], isFailing: inout Bool) async {
        let started = ContinuousClock.now
        let (result, batch) = await insertRetryingBusy(batch)
        let elapsed = ContinuousClock.now - started
        switch result {
        case .success(let outcomes):
            metrics.recordBatch(size: batch.count, commitSeconds: elapsed.seconds)
            committed()
            if isFailing {
                isFailing = false
                logger.notice("database writable again: heartbeats are being stored")
            }
            for (entry, outcome) in zip(batch, outcomes) {
                entry.waiter.resume(returning: .success(outcome))
            }
        case .failure(let failure):
            metrics.recordFailedBatch(size: batch.count, reason: failure.reason)
            if !isFailing {
                isFailing = true
                logger.error("cannot store heartbeats, answering 503 until the database can be written: \(failure.reason)")
            }
            for entry in batch {
                entry.waiter.resume(returning: .failure(failure))
            }
        }
    }

    /// Stores `batch`, retrying busy errors; answers the result and the batch as stored, with what the store
    /// took in from the queue meanwhile.
    private func insertRetryingBusy(_ batch: [Entry]) async -> (Result<[InsertOutcome], WriteFailure>, [Entry]) {
        var batch = batch
        var pauses = retry.backoff[...]
        while true {
            let joined = Joined()
            let attempt: Result<[InsertOutcome], any Error>
            do {
                let room = maxBatch - batch.count
                attempt = .success(try await store.insert(batch.map(\.heartbeat)) { [self] accept in
                    let taken = queue.withLock { queue -> [Entry] in
                        let count = queue.pending.prefix(max(0, room)).prefix { accept($0.heartbeat) }.count
                        defer { queue.pending.removeFirst(count) }
                        return Array(queue.pending.prefix(count))
                    }
                    joined.entries.withLock { $0 += taken }
                    return taken.map(\.heartbeat)
                })
            } catch {
                attempt = .failure(error)
            }
            // Taken from the queue: in this batch from now on, whether or not the attempt stored them.
            batch += joined.entries.withLock { $0 }
            switch attempt {
            case .success(let outcomes):
                guard outcomes.count == batch.count else {
                    return (.failure(WriteFailure(reason: "the store answered \(outcomes.count) outcomes for \(batch.count) heartbeats")), batch)
                }
                return (.success(outcomes), batch)
            case .failure(let error):
                let failure = WriteFailure(error)
                guard failure.isBusy, let pause = pauses.popFirst() else { return (.failure(failure), batch) }
                logger.warning("database busy, retrying a batch of \(batch.count) in \(pause)")
                try? await Task.sleep(for: pause)
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
