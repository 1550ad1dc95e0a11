import BoardModel
import Foundation
import Logging
import ServiceLifecycle

/// The group-commit writer (docs/architecture.md §6): request handlers enqueue a heartbeat and wait; one
/// dedicated thread drains everything pending into one `insert` batch (one transaction, one fsync),
/// then resumes every waiter with its outcome. A request is answered only after its batch committed,
/// so acknowledged ⊆ stored. Batches grow with load by themselves.
///
/// The commit runs on its own thread, not in the Swift concurrency pool, because it blocks on fsync and
/// on SQLite's busy timeout. When SQLite is busy the batch is retried with a short, bounded backoff; a
/// batch that still cannot be written fails every waiter (503), and the next batch simply tries again,
/// so the server recovers by itself once the database can be written.
///
/// As a `Service`, it runs until graceful shutdown, then stops taking heartbeats, commits what is
/// queued and stops its thread. It is listed before the HTTP server, so the server (shut down first)
/// has answered every in-flight request before the writer drains.
package final class HeartbeatWriter: Service, @unchecked Sendable {
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

    private let sink: any HeartbeatSink
    private let metrics: ServerMetrics
    private let logger: Logger
    private let retry: RetryPolicy
    private let maxBatch: Int

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [(heartbeat: Heartbeat, waiter: Waiter)] = []
    private var isClosed = false
    private var isFailing = false
    private var threadFinished: [CheckedContinuation<Void, Never>] = []
    private var threadDone = false

    /// Starts the writer thread at once; heartbeats may be submitted right away.
    init(sink: any HeartbeatSink, metrics: ServerMetrics, logger: Logger, retry: RetryPolicy = .standard, maxBatch: Int = 1_000) {
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
        self.retry = retry
        self.maxBatch = maxBatch
        let thread = Thread { [self] in self.loop() }
        thread.name = "heartbeat-writer"
        thread.start()
    }

    /// Stores one heartbeat; returns once the batch holding it committed (or failed).
    func submit(_ heartbeat: Heartbeat) async -> Result<InsertOutcome, WriteFailure> {
        await withCheckedContinuation { (waiter: Waiter) in
            condition.lock()
            if isClosed {
                condition.unlock()
                waiter.resume(returning: .failure(.shuttingDown))
                return
            }
            pending.append((heartbeat, waiter))
            condition.signal()
            condition.unlock()
        }
    }

    /// Runs until graceful shutdown (or cancellation), then drains the queue and stops the thread.
    package func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Stops taking heartbeats, commits everything already queued, and waits for the thread to end.
    func close() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            condition.lock()
            isClosed = true
            condition.signal()
            if threadDone {
                condition.unlock()
                done.resume()
            } else {
                threadFinished.append(done)
                condition.unlock()
            }
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && !isClosed {
                condition.wait()
            }
            if pending.isEmpty {
                threadDone = true
                let waiting = threadFinished
                threadFinished = []
                condition.unlock()
                waiting.forEach { $0.resume() }
                return
            }
            let take = min(pending.count, maxBatch)
            let batch = Array(pending.prefix(take))
            pending.removeFirst(take)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [(heartbeat: Heartbeat, waiter: Waiter)]) {
        let heartbeats = batch.map(\.heartbeat)
        let started = ContinuousClock.now
        let result = insertRetryingBusy(heartbeats)
        let elapsed = ContinuousClock.now - started
        switch result {
        case .success(let outcomes):
            metrics.recordBatch(size: batch.count, commitSeconds: elapsed.seconds)
            if isFailing {
                isFailing = false
                logger.notice("database writable again: heartbeats are being stored")
            }
            for (entry, outcome) in zip(batch, outcomes) {
                entry.waiter.resume(returning: .success(outcome))
            }
        case .failure(let failure):
            metrics.recordFailedBatch(size: batch.count)
            if !isFailing {
                isFailing = true
                logger.error("cannot store heartbeats, answering 503 until the database can be written: \(failure.reason)")
            }
            for entry in batch {
                entry.waiter.resume(returning: .failure(failure))
            }
        }
    }

    private func insertRetryingBusy(_ heartbeats: [Heartbeat]) -> Result<[InsertOutcome], WriteFailure> {
        var pauses = retry.backoff[...]
        while true {
            do {
                let outcomes = try sink.insert(heartbeats)
                guard outcomes.count == heartbeats.count else {
                    return .failure(WriteFailure(reason: "the store answered \(outcomes.count) outcomes for \(heartbeats.count) heartbeats"))
                }
                return .success(outcomes)
            } catch {
                let failure = WriteFailure(error)
                guard failure.isBusy, let pause = pauses.popFirst() else { return .failure(failure) }
                logger.warning("database busy, retrying a batch of \(heartbeats.count) in \(pause)")
                Thread.sleep(forTimeInterval: pause.seconds)
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
