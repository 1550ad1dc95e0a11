import BoardModel

extension MetricsPage {
    /// Each leader role as this instance knows it (docs/high-availability.md): whether it holds the role's lease,
    /// and the lease's term, this instance's or the holder's.
    package static func render(leases: [Lease.Role: Leadership.RoleStatus]) -> String {
        var out = ""
        let roles = Lease.Role.allCases.compactMap { role in leases[role].map { (role, $0) } }
        header(&out, "backupboard_lease_held", "gauge", "1 while this instance holds the role's lease, else 0.")
        for (role, status) in roles {
            out += "backupboard_lease_held{role=\"\(role.rawValue)\"} \(status.held ? 1 : 0)\n"
        }
        header(&out, "backupboard_lease_epoch", "gauge", "The term of the role's lease last seen by this instance (0: none yet).")
        for (role, status) in roles {
            out += "backupboard_lease_epoch{role=\"\(role.rawValue)\"} \(status.epoch)\n"
        }
        return out
    }
}
