import BoardLive
import BoardModel
import Foundation
import ServiceLifecycle

/// While a board's long poll waits, reads the store's data version and the evaluator's last tick (one read) once a second
/// and signals the live fleet when either moved or the evaluator went stale or came back (docs/architecture.md
/// §10). Commits of this instance signal at once (the heartbeat writer, the API's writes); this catches the
/// rest: the evaluator's ticks, and commits by another `serve` on the same PostgreSQL database, which reach
/// boards waiting here within a second or two. With no request waiting it reads nothing.
struct FleetWatch: Service {
    static let interval: Duration = .seconds(1)

    let store: any HealthReading
    let fleet: LiveFleet
    let evaluatorInterval: TimeInterval

    func run() async throws {
        await cancelWhenGracefulShutdown { await watch() }
    }

    private func watch() async {
        var last: (version: Int64, tick: Date?, stale: Bool)?
        while (try? await Task.sleep(for: Self.interval)) != nil {
            guard fleet.changes.hasWaiters else {
                last = nil
                continue
            }
            let (version, tick): (Int64, Date?)
            do {
                (version, tick) = try await store.versionAndLastTick()
            } catch {
                continue  // the waiting requests find the store's trouble themselves
            }
            let stale = BoardSnapshot.evaluatorIsStale(lastTick: tick, at: Date(), interval: evaluatorInterval)
            // The first read after an idle spell has nothing to compare with: signal, and the waiters look themselves.
            if last.map({ $0.version != version || $0.tick != tick || $0.stale != stale }) ?? true {
                fleet.changes.signal()
            }
            last = (version, tick, stale)
        }
    }
}
