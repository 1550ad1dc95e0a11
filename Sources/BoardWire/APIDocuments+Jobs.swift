import BoardModel
import Foundation

/// A job in the jobs file's keys plus its `slug` (docs/jobs-file.md), without its ping key: what
/// `/api/v1/jobs` lists and answers, and what `PUT /api/v1/jobs/SLUG` takes back unchanged.
package struct JobSpecDocument: Codable, Equatable, Sendable {
    package var slug: String
    package var fields: [String: DefinitionValue]

    package init(job: Job) {
        slug = job.slug
        fields = JobDefinition.fields(of: job)
    }

    package init(from decoder: any Decoder) throws {
        var fields = try [String: DefinitionValue](from: decoder)
        guard case .string(let slug) = fields.removeValue(forKey: "slug") else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a job without a slug"))
        }
        self.slug = slug
        self.fields = fields
    }

    package func encode(to encoder: any Encoder) throws {
        var object = fields
        object["slug"] = .string(slug)
        try object.encode(to: encoder)
    }
}

/// `GET /api/v1/jobs`: every job (or those with a tag) in the jobs file's keys, ordered by slug.
package struct JobListDocument: Codable, Sendable {
    package let generatedAt: Date
    package let version: Int64
    package let jobs: [JobSpecDocument]

    package init(generatedAt: Date, version: Int64, jobs: [JobSpecDocument]) {
        self.generatedAt = generatedAt
        self.version = version
        self.jobs = jobs
    }

    enum CodingKeys: String, CodingKey {
        case version, jobs
        case generatedAt = "generated_at"
    }
}

/// A job written through the API: the job, and its ping key when it was created or given a new one — the
/// only answers that carry a key, besides `GET /api/v1/jobs/SLUG/key`.
package struct JobWrittenDocument: Codable, Sendable {
    package let job: JobSpecDocument
    package let key: String?

    package init(job: Job, showingKey: Bool) {
        self.job = JobSpecDocument(job: job)
        key = showingKey ? job.pingKey : nil
    }

    enum CodingKeys: String, CodingKey {
        case job, key
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(job, forKey: .job)
        try c.encodeIfPresent(key, forKey: .key)
    }
}

/// `GET /api/v1/jobs/SLUG/key` and `POST /api/v1/jobs/SLUG/rotate-key`: a job's ping key.
package struct JobKeyDocument: Codable, Sendable {
    package let slug: String
    package let key: String

    package init(slug: String, key: String) {
        self.slug = slug
        self.key = key
    }
}

/// One entry of a job's audit trail.
package struct JobAuditDocument: Codable, Equatable, Sendable {
    package let id: Int64?
    package let slug: String
    package let action: String
    package let change: String
    package let actor: String
    package let at: Date

    package init(_ entry: JobAuditEntry) {
        id = entry.id
        slug = entry.slug
        action = entry.action.rawValue
        change = entry.change
        actor = entry.actor
        at = entry.at
    }

    /// The entry this document was made from (an action a newer server knows reads as an update).
    package var entry: JobAuditEntry {
        JobAuditEntry(id: id, slug: slug, action: JobAuditEntry.Action(rawValue: action) ?? .update, change: change, actor: actor, at: at)
    }
}

/// `GET /api/v1/audit`: the newest changes to jobs first.
package struct AuditTrailDocument: Codable, Sendable {
    package let entries: [JobAuditDocument]

    package init(entries: [JobAuditDocument]) {
        self.entries = entries
    }
}

/// `POST /api/v1/jobs/apply`: the changes `jobs apply` prints, whether they were written, and the ping key of
/// each job the file created (a create, so its key is shown once, as `jobs apply` prints its ping URL).
package struct ApplyDocument: Codable, Sendable {
    package struct Created: Codable, Sendable {
        package let slug: String
        package let key: String
    }

    package let dryRun: Bool
    /// True when the plan changes nothing.
    package let unchanged: Bool
    /// One line per action, as `jobs apply` prints them.
    package let changes: [String]
    package let created: [Created]

    package init(plan: JobsPlan, dryRun: Bool) {
        self.dryRun = dryRun
        unchanged = plan.isEmpty
        changes = plan.lines
        created = dryRun ? [] : plan.creates.map { Created(slug: $0.slug, key: $0.pingKey) }
    }

    enum CodingKeys: String, CodingKey {
        case changes, created, unchanged
        case dryRun = "dry_run"
    }
}
