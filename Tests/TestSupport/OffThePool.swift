import Foundation

/// Runs blocking work (a child process and its pipes, a `waitpid`) on a thread of its own, and suspends the
/// caller until it is done.
///
/// Swift Testing runs tests in parallel on the cooperative pool, which has one thread per core: two on
/// these machines. A test that blocks one of them (waiting for a child process, sleeping between polls)
/// starves every other test for as long: an in-process server cannot answer the request a test waits for,
/// and a retry loop sees its backoff stretch by seconds. So no test waits on the pool: every blocking call
/// in the test helpers goes through here, and polls sleep with `Task.sleep`.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
