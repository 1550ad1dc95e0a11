import BoardModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Ping key → job id and slug → job id, in memory, so a valid heartbeat costs no database read before its commit.
///
/// Entries are keyed by SHA-256(key) and the digest found is compared again in constant time, as the
/// store does. A key's miss asks the store (an indexed read) and remembers a job it finds, so a job added
/// while the server runs works at once; a slug's miss never asks (a ping by slug costs no query), and a job
/// created by slug here is remembered at once. A removed job is forgotten when its insert reports it unknown.
/// As a `Service`, every `refreshInterval` it reloads both maps if the store's data version moved,
/// so a key changed by `jobs apply` stops working, and a job added elsewhere is found by slug, within that interval.
final class JobKeyCache: Service, Sendable {
    private struct Entries: Sendable {
        var jobs: [[UInt8]: Int64] = [:]
        var slugs: [String: Int64] = [:]
        var loadedVersion: Int64?
    }

    private let store: any JobDirectory
    private let refreshInterval: Duration
    private let logger: Logger
    private let entries = Mutex(Entries())

    init(store: any JobDirectory, refreshInterval: Duration = .seconds(2), logger: Logger) {
        self.store = store
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// The job whose ping key is `key`, or nil when none is.
    func jobID(forKey key: String) async throws -> Int64? {
        let digest = SHA256.digest(of: key)
        let cached: Int64? = entries.withLock { entries in
            guard let index = entries.jobs.index(forKey: digest) else { return nil }
            let (stored, id) = entries.jobs[index]
            return SHA256.constantTimeEquals(stored, digest) ? id : nil
        }
        if let cached { return cached }
        guard let job = try await store.job(forKey: key), let id = job.id else { return nil }
        entries.withLock { $0.jobs[digest] = id }
        return id
    }

    /// Whether the key whose SHA-256 is `digest` is a job's key among those in memory (no store read).
    func isKnownJobKey(digest: [UInt8]) -> Bool {
        entries.withLock { entries in
            guard let index = entries.jobs.index(forKey: digest) else { return false }
            return SHA256.constantTimeEquals(entries.jobs[index].key, digest)
        }
    }

    /// The job whose slug is `slug`, from memory only.
    func jobID(forSlug slug: String) -> Int64? {
        entries.withLock { $0.slugs[slug] }
    }

    /// Remembers a job created by slug here, so its next ping by slug finds it before the next reload.
    func remember(slug: String, id: Int64) {
        entries.withLock { $0.slugs[slug] = id }
    }

    /// Drops a key whose job was removed.
    func forget(key: String) {
        let digest = SHA256.digest(of: key)
        _ = entries.withLock { $0.jobs.removeValue(forKey: digest) }
    }

    /// Drops a slug whose job was removed.
    func forget(slug: String) {
        _ = entries.withLock { $0.slugs.removeValue(forKey: slug) }
    }

    /// Reloads every job's key when the store changed since the last load.
    func refreshIfChanged() async throws {
        let version = try await store.dataVersion()
        guard entries.withLock({ $0.loadedVersion }) != version else { return }
        var jobs: [[UInt8]: Int64] = [:]
        var slugs: [String: Int64] = [:]
        for job in try await store.jobs() {
            guard let id = job.id else { continue }
            jobs[SHA256.digest(of: job.pingKey)] = id
            slugs[job.slug] = id
        }
        entries.withLock { $0 = Entries(jobs: jobs, slugs: slugs, loadedVersion: version) }
    }

    /// Keys known right now.
    var count: Int { entries.withLock { $0.jobs.count } }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.refreshIfChanged()
                } catch {
                    self.logger.warning("cannot reload ping keys: \(error)")
                }
                try? await Task.sleep(for: self.refreshInterval)
            }
        }
    }
}
