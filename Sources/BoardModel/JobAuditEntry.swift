import Foundation

/// One change to a job's definition, with who made it and when: the audit trail that `jobs apply`, the
/// commands and the jobs API leave (docs/api.md). A ping key is never in it: a new key shows as
/// `key: (secret) → (new secret)`.
public struct JobAuditEntry: Sendable, Equatable {
    /// What happened to the job.
    public enum Action: String, Sendable, Equatable, CaseIterable {
        case create, update, remove
    }

    /// The store's row id; nil until saved.
    public var id: Int64?
    /// The job's slug (kept after the job is removed).
    public var slug: String
    public var action: Action
    /// What changed: the schedule of a new job, the fields of an update (`grace: 1h → 2h`), empty for a removal.
    public var change: String
    /// Who made the change: an API token's name with the client's signature, or a command's signature.
    public var actor: String
    public var at: Date

    public init(id: Int64? = nil, slug: String, action: Action, change: String, actor: String, at: Date) {
        self.id = id
        self.slug = slug
        self.action = action
        self.change = change
        self.actor = actor
        self.at = at
    }
}

extension JobsPlan {
    /// One entry per job the plan creates, updates or removes, signed by `actor` at `date`.
    public func auditEntries(by actor: String, at date: Date) -> [JobAuditEntry] {
        creates.map { JobAuditEntry(slug: $0.slug, action: .create, change: Self.scheduleText($0.schedule), actor: actor, at: date) }
            + updates.map { update in
                JobAuditEntry(
                    slug: update.updated.slug, action: .update,
                    change: update.changes.map(\.description).joined(separator: ", "), actor: actor, at: date)
            }
            + removes.map { JobAuditEntry(slug: $0.slug, action: .remove, change: "", actor: actor, at: date) }
    }
}
