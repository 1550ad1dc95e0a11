import Foundation

extension AlertChanges {
    /// The resolved alerts that were stored (have an id), each with its resolution time (`now` when unset):
    /// what a store's notification round announces as resolved.
    package func storedResolutions(at now: Date) -> [Alert] {
        resolved.compactMap { alert -> Alert? in
            guard alert.id != nil else { return nil }
            var stored = alert
            stored.resolvedAt = alert.resolvedAt ?? now
            return stored
        }
    }
}
