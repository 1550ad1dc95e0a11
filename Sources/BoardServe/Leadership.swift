import BoardModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Which of `serve`'s leader roles — the evaluator, the outbox sender — this instance holds, among the
/// instances sharing one database (docs/high-availability.md).
///
/// Every `attemptEvery` it compares this machine's clock with the database's, renews the leases it holds
/// (every `renewEvery`) and tries to take those it does not. Only the database's clock decides when a lease
/// expires; this instance also stops using one by its own monotonic clock once it has gone `stepDownAfter`
/// without a renewal, before the database would let another instance take it. On a graceful stop it hands
/// its leases over (`run` releases them after the evaluator and the outbox worker stopped).
package final class Leadership: Service, Sendable {
    package struct Settings: Sendable, Equatable {
        /// How long a lease lasts without being renewed.
        package var ttl: TimeInterval = 6
        /// How often the holder renews it.
        package var renewEvery: TimeInterval = 2
        /// How often a lease held by none is tried, and the clocks compared.
        package var attemptEvery: TimeInterval = 1
        /// This machine's clock may differ from the database's by this much before it refuses to lead.
        package var maxClockSkew: TimeInterval = 1

        package init() {}

        /// A holder not renewed for this long stops using its lease: the renewal it sent last was sent at least
        /// this long before the database's expiry.
        var stepDownAfter: TimeInterval { ttl - renewEvery }

        /// The longest time a dead holder's lease takes to reach another instance.
        package var failover: TimeInterval { ttl + attemptEvery }
    }

    /// A role as `/metrics` and the board show it.
    package struct RoleStatus: Sendable, Equatable {
        /// Held by this instance, and not stepped down.
        package var held: Bool
        /// The term last seen, this instance's or another's; 0 before the first look.
        package var epoch: Int64
        /// The holder's instance name, when one holds it.
        package var leader: String?
    }

    private struct Held {
        var lease: Lease
        /// When the last acquisition or renewal that succeeded was sent.
        var renewedAt: ContinuousClock.Instant
    }

    private struct State {
        var held: [Lease.Role: Held] = [:]
        var seen: [Lease.Role: LeaseHolding] = [:]
        var clockProblem: String?
        var lastError: String?
    }

    let store: any LeaseStore
    /// This process's own id in the lease rows.
    var holder: String { store.sessionName }
    /// This instance's name for people.
    package let instance: String
    package let settings: Settings
    let logger: Logger
    let clock: @Sendable () -> Date
    private let state = Mutex(State())

    /// - Parameter clock: this machine's wall clock, compared with the database's (a test gives a skewed one).
    package init(
        store: any LeaseStore, instance: String, settings: Settings = Settings(), logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.instance = instance
        self.settings = settings
        self.logger = logger
        self.clock = clock
    }

    /// The lease of `role` while this instance may use it; nil when it does not hold it, or has gone too long
    /// without renewing it.
    package func lease(_ role: Lease.Role) -> Lease? {
        let stepDownAfter = Duration.seconds(settings.stepDownAfter)
        return state.withLock { state in
            guard let held = state.held[role], ContinuousClock.now - held.renewedAt < stepDownAfter else { return nil }
            return held.lease
        }
    }

    /// A fenced write found `lease`'s term over: this instance stops using it at once.
    package func lost(_ lease: Lease) {
        let dropped = state.withLock { state -> Bool in
            guard state.held[lease.role]?.lease == lease else { return false }
            state.held[lease.role] = nil
            return true
        }
        if dropped { logger.warning("leases: the \(lease.role.rawValue) lease of term \(lease.epoch) was lost; a write for it was refused") }
    }

    /// Each role as this instance knows it.
    package func status() -> [Lease.Role: RoleStatus] {
        let held = Lease.Role.allCases.map { ($0, lease($0)) }
        return state.withLock { state in
            Dictionary(uniqueKeysWithValues: held.map { role, lease in
                let seen = state.seen[role]
                let epoch = max(lease?.epoch ?? 0, seen?.lease.epoch ?? 0)
                return (role, RoleStatus(held: lease != nil, epoch: epoch, leader: lease != nil ? instance : seen?.instance))
            })
        }
    }

    /// Why this instance refuses to lead, for `/healthz` and its log: its clock is too far from the database's.
    package var clockProblem: String? { state.withLock { $0.clockProblem } }

    /// One round: the clocks compared, then each role renewed when due, or tried.
    package func attempt() async {
        await compareClocks()
        for role in Lease.Role.allCases {
            await attempt(role)
        }
    }

    private func attempt(_ role: Lease.Role) async {
        let sent = ContinuousClock.now
        let (held, clockProblem) = state.withLock { ($0.held[role], $0.clockProblem) }
        if clockProblem != nil {
            if let held { await release(held.lease) }
            return
        }
        do {
            if let held {
                guard sent - held.renewedAt >= .seconds(settings.renewEvery) else { return }
                if try await store.renewLease(held.lease, ttl: settings.ttl) {
                    state.withLock { state in
                        if state.held[role]?.lease == held.lease { state.held[role]?.renewedAt = sent }
                    }
                    noteRecovered()
                    return
                }
                state.withLock { $0.held[role] = nil }
                logger.warning(
                    "leases: the \(role.rawValue) lease of term \(held.lease.epoch) ran out before it was renewed; trying to take it again")
            }
            let holding = try await store.acquireLease(role, instance: instance, ttl: settings.ttl)
            let took = holding.lease.holder == holder
            state.withLock { state in
                state.seen[role] = holding
                if took { state.held[role] = Held(lease: holding.lease, renewedAt: sent) }
            }
            if took { logger.notice("leases: \(instance) leads the \(role.rawValue) role (term \(holding.lease.epoch))") }
            noteRecovered()
        } catch {
            noteFailure("cannot \(held == nil ? "take" : "renew") the \(role.rawValue) lease: \(error)")
        }
    }

    /// Compares this machine's clock with the database's; refuses to lead while they differ by more than
    /// `maxClockSkew`, beyond what the round trip leaves uncertain.
    private func compareClocks() async {
        let before = clock()
        guard let database = try? await store.databaseClock() else { return }
        let after = clock()
        let halfTrip = after.timeIntervalSince(before) / 2
        let offset = database.timeIntervalSince(before.addingTimeInterval(halfTrip))
        let problem: String? = abs(offset) - halfTrip > settings.maxClockSkew
            ? "this machine's clock is \(String(format: "%.1f", abs(offset))) s \(offset > 0 ? "behind" : "ahead of") the database's; "
                + "this instance will not lead until they agree within \(HumanUnits.shortDuration(settings.maxClockSkew)) (synchronise it with NTP)"
            : nil
        let previous = state.withLock { state in
            defer { state.clockProblem = problem }
            return state.clockProblem
        }
        if let problem, previous == nil {
            logger.error("leases: \(problem)")
        } else if problem == nil, previous != nil {
            logger.notice("leases: this machine's clock agrees with the database's again; this instance may lead")
        }
    }

    private func noteFailure(_ message: String) {
        let first = state.withLock { state in
            defer { state.lastError = message }
            return state.lastError == nil
        }
        if first { logger.warning("leases: \(message)") }
    }

    private func noteRecovered() {
        let had = state.withLock { state in
            defer { state.lastError = nil }
            return state.lastError != nil
        }
        if had { logger.notice("leases: the database answers again") }
    }

    /// Ends this instance's term of `lease` in the database, so another instance takes it at its next attempt.
    private func release(_ lease: Lease) async {
        state.withLock { state in
            if state.held[lease.role]?.lease == lease { state.held[lease.role] = nil }
        }
        do {
            try await store.releaseLease(lease)
            logger.notice("leases: \(instance) handed over the \(lease.role.rawValue) role (term \(lease.epoch))")
        } catch {
            logger.warning("leases: cannot hand over the \(lease.role.rawValue) lease, it expires by itself: \(error)")
        }
    }

    /// Attempts every `attemptEvery` until a graceful stop, then hands over the leases held.
    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.attempt()
                try? await Task.sleep(for: .seconds(self.settings.attemptEvery))
            }
        }
        for role in Lease.Role.allCases {
            if let held = state.withLock({ $0.held[role] }) { await release(held.lease) }
        }
    }
}
