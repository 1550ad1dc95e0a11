import BoardModel
import BoardPostgres
import BoardSQLite
import Foundation
import TestSupport
import Testing

/// A store as the behaviour suites see it: its role protocols and the suites' inspection.
typealias InspectedStore = any BoardDatabase & StoreInspection

/// The implementations the behaviour suites run against: each suite's tests take one as their argument.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// The store the behaviour suites run against, seen only through `InspectedStore`. The suites about SQLite
/// itself (files, WAL, busy errors) name `BoardStore` directly; those about PostgreSQL itself, `PostgresStore`.
enum StoreUnderTest {
    /// A fresh, empty, migrated store: SQLite in memory, or a new database on the test server
    /// (`PostgresTestServer`; a test fails, never skips, when there is none).
    static func make(_ kind: StoreKind) async throws -> InspectedStore {
        switch kind {
        case .sqlite:
            try BoardStore.inMemory()
        case .postgres:
            try await PostgresStore.open(
                PostgresLocation(PostgresTestServer.freshDatabase()), password: nil, access: .migrating)
        }
    }
}

/// What the behaviour suites read back or set up one step at a time, beside the role protocols: single
/// rows and single writes that no caller in the product needs on its own.
protocol StoreInspection: Sendable {
    func runs(ofJob jobID: Int64, limit: Int, before: Run?) async throws -> [Run]
    func heartbeats(ofJob jobID: Int64, limit: Int, beforeID: Int64?) async throws -> [Heartbeat]
    func transitions(ofJob jobID: Int64, limit: Int) async throws -> [StateTransition]
    func activity(ofJob jobID: Int64) async throws -> JobActivity
    func activeMutes(at now: Date) async throws -> [Mute]
    func unknownKeys(limit: Int) async throws -> [UnknownKey]
    func open(_ alert: Alert) async throws -> AlertOpening
    func resolveAlert(id: Int64, at date: Date) async throws
    func setEvaluatorLastTick(_ date: Date) async throws
    @discardableResult func enqueue(_ message: OutboxMessage) async throws -> Bool
    func dueNotifications(at now: Date, limit: Int) async throws -> [OutboxMessage]
}

extension StoreInspection {
    func runs(ofJob jobID: Int64, limit: Int = 50) async throws -> [Run] {
        try await runs(ofJob: jobID, limit: limit, before: nil)
    }

    func heartbeats(ofJob jobID: Int64, limit: Int = 50) async throws -> [Heartbeat] {
        try await heartbeats(ofJob: jobID, limit: limit, beforeID: nil)
    }

    func transitions(ofJob jobID: Int64) async throws -> [StateTransition] {
        try await transitions(ofJob: jobID, limit: 50)
    }

    func unknownKeys() async throws -> [UnknownKey] {
        try await unknownKeys(limit: 50)
    }

    func dueNotifications(at now: Date) async throws -> [OutboxMessage] {
        try await dueNotifications(at: now, limit: 100)
    }
}

extension BoardStore: StoreInspection {}

extension PostgresStore: StoreInspection {}

extension BoardActions {
    func acknowledgeAlert(id: Int64, by who: String, at date: Date) async throws {
        try await acknowledgeAlert(id: id, by: who, note: nil, at: date)
    }
}

extension UpkeepStore {
    func prune(now: Date) async throws -> PruneReport {
        try await prune(now: now, policy: .default)
    }
}
