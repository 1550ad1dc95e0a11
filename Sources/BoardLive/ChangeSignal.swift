import Synchronization

/// Tells the requests waiting on the live fleet (the API's long poll, docs/architecture.md §10) that the store
/// may have changed: a heartbeat batch committed, a write through the API, or a version read that moved. A
/// waiter takes the `generation` before it reads, then waits for one after it, so a change that lands between
/// its read and its wait is never missed.
public final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// How many changes were signalled so far.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Whether a request is waiting: a version read is worth it only then.
    public var hasWaiters: Bool { state.withLock { !$0.waiters.isEmpty } }

    /// Something may have changed: wakes every waiter.
    public func signal() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns true once the generation is past `seen`, false when `deadline` came first or the task was cancelled.
    public func wait(after seen: UInt64, until deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.next(after: seen) }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first && !Task.isCancelled
        }
    }

    /// Returns true when the generation passes `seen`, false when the task is cancelled first.
    private func next(after seen: UInt64) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
        return state.withLock { $0.generation != seen }
    }
}
