import BoardModel
import Foundation

/// The leases of `serve`'s leader roles (docs/high-availability.md): one row per role, taken by an upsert that
/// only succeeds when the row is free, expired or the taker's own, each taking a new term (`epoch + 1`). Only
/// the database's clock (`clock_timestamp()`) decides expiry; no advisory lock, which a killed or stopped
/// holder can keep for hours.
extension PostgresStore: LeaseStore {
    /// The database's clock, in seconds since 1970, as the leases' times are stored.
    static let databaseNow = "extract(epoch FROM clock_timestamp())::double precision"

    public func acquireLease(_ role: Lease.Role, instance: String, ttl: TimeInterval) async throws -> LeaseHolding {
        let holder = sessionName
        return try await unversioned { session in
            // A holder whose lease ran out may be stopped inside a transaction (holding the version lock, or the
            // lease row its fence shares): its sessions' open transactions are ended first. Ending them needs
            // the same role as theirs; without it the takeover waits for the server's idle limit.
            _ = try? await session.execute(
                """
                SELECT pg_terminate_backend(activity.pid) FROM leases
                JOIN pg_stat_activity AS activity ON activity.application_name = leases.holder
                WHERE leases.role = ? AND leases.expires_at <= \(Self.databaseNow) AND leases.holder <> ?
                    AND activity.datname = current_database() AND activity.xact_start IS NOT NULL
                """,
                [role.rawValue, holder])
            _ = try await session.execute(
                """
                INSERT INTO leases AS current(role, holder, instance, epoch, expires_at)
                VALUES (?, ?, ?, 1, \(Self.databaseNow) + ?)
                ON CONFLICT (role) DO UPDATE
                    SET holder = excluded.holder, instance = excluded.instance, epoch = current.epoch + 1,
                        expires_at = excluded.expires_at
                    WHERE current.expires_at <= \(Self.databaseNow) OR current.holder = excluded.holder
                """,
                [role.rawValue, holder, instance, ttl])
            guard let row = try await session.row(
                "SELECT holder, instance, epoch, expires_at FROM leases WHERE role = ?", [role.rawValue])
            else {
                throw BoardError.database(path: self.location.description, reason: "the \(role.rawValue) lease row is missing")
            }
            return LeaseHolding(
                lease: Lease(role: role, holder: try row[0], epoch: try row[2]), instance: try row[1],
                expiresAt: Date(timeIntervalSince1970: try row[3]))
        }
    }

    public func renewLease(_ lease: Lease, ttl: TimeInterval) async throws -> Bool {
        try await unversioned { session in
            try await session.execute(
                """
                UPDATE leases SET expires_at = \(Self.databaseNow) + ?
                WHERE role = ? AND holder = ? AND epoch = ? AND expires_at > \(Self.databaseNow)
                """,
                [ttl, lease.role.rawValue, lease.holder, lease.epoch]) == 1
        }
    }

    public func releaseLease(_ lease: Lease) async throws {
        _ = try await unversioned { session in
            try await session.execute(
                "UPDATE leases SET expires_at = \(Self.databaseNow) WHERE role = ? AND holder = ? AND epoch = ?",
                [lease.role.rawValue, lease.holder, lease.epoch])
        }
    }

    public func databaseClock() async throws -> Date {
        try await unversioned { session in
            Date(timeIntervalSince1970: try await session.value("SELECT \(Self.databaseNow)") ?? 0)
        }
    }

    /// The fence of a write done for a lease's term, sent with the write's first statements: it answers a row
    /// while the term runs, and holds the lease row (`FOR SHARE`) until the write commits, so no newer term
    /// can begin in between.
    static func fence(_ lease: Lease) -> SQL {
        SQL(
            "SELECT epoch FROM leases WHERE role = ? AND holder = ? AND epoch = ? AND expires_at > \(databaseNow) FOR SHARE",
            [lease.role.rawValue, lease.holder, lease.epoch])
    }
}
