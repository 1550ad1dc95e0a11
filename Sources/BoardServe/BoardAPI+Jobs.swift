import BoardModel
import BoardWire
import Foundation

/// The jobs API (docs/api.md, docs/architecture.md §11): jobs listed, created, replaced, changed, removed, their
/// ping keys rotated and read, and a jobs file applied, all in the jobs file's keys and checked by its reader
/// (`JobDefinition`), so a job sent here gets the messages a `[jobs.SLUG]` table would. Every write is one
/// `JobsPlan` carried out by the store in one transaction with its audit entries, signed by `APIRequest.actor`.
///
/// A ping key appears only in the answers that make one (201 of a create, `rotate-key`, a created job of
/// `apply`) and in `GET …/key`, which needs an admin token; never in a list, a detail or a log.
extension BoardAPI {
    /// Audit entries shown in a job's detail.
    static let detailAuditEntries = 20
    static let defaultAuditEntries = 100

    // MARK: Reads

    /// `GET /api/v1/jobs[?tag=T]`: every job (with the tag), by slug, in the jobs file's keys.
    func jobList(_ request: APIRequest) async throws -> APIReply {
        let tag = Query(request.query).value("tag")
        let version = try await store.dataVersion()
        let etag = "\"v\(version)\""
        if let reply = try notModified(request, tag: etag) { return reply }
        let jobs = try await store.jobs().filter { job in tag.map(job.tags.contains) ?? true }
        return try Self.json(
            JobListDocument(generatedAt: clock(), version: version, jobs: jobs.map(JobSpecDocument.init)), tag: etag)
    }

    /// `GET /api/v1/jobs/SLUG/key`: the job's ping key, for `jobs url --server`; admin tokens only.
    func jobKey(slug: String, _ request: APIRequest) async throws -> APIReply {
        if case .refused(let status, let message) = access.decide(
            .write, authorization: request.authorization, proxied: request.proxied)
        {
            throw Failure(status: status, message: "a job's ping key needs an admin token: \(message)")
        }
        let job = try await existingJob(slug)
        return try Self.json(JobKeyDocument(slug: slug, key: job.pingKey), tag: nil)
    }

    /// `GET /api/v1/audit[?slug=S&limit=N]`: the newest changes to jobs first.
    func auditTrail(_ request: APIRequest) async throws -> APIReply {
        let query = Query(request.query)
        let limit = try query.integer("limit", in: 1...1_000) ?? Self.defaultAuditEntries
        let entries = try await store.auditTrail(slug: query.value("slug"), limit: limit)
        return try Self.json(AuditTrailDocument(entries: entries.map(JobAuditDocument.init)), tag: nil)
    }

    // MARK: Writes

    /// `POST /api/v1/jobs`: a new job from its keys and `slug`; 201 with its ping key, 409 when the slug is taken.
    func createJob(_ request: APIRequest) async throws -> APIReply {
        var fields = try Self.jobFields(request.body)
        guard let value = fields.removeValue(forKey: "slug"), value != .null else {
            throw Failure(status: 400, message: "'slug' is required")
        }
        guard case .string(let slug) = value else { throw Failure(status: 400, message: "'slug' must be a string") }
        let jobs = try await store.jobs()
        let spec = try Self.spec(slug: slug, fields: fields, jobs: jobs)
        guard !jobs.contains(where: { $0.slug == slug }) else {
            throw Failure(status: 409, message: "job '\(slug)' already exists; PUT /api/v1/jobs/\(slug) replaces it")
        }
        return try await create(spec, request)
    }

    /// `PUT /api/v1/jobs/SLUG`: creates the job (201, with its key) or replaces its definition (200); the ping key
    /// and pause state stay unless the body sets them, as in `jobs apply`.
    func putJob(slug: String, _ request: APIRequest) async throws -> APIReply {
        var fields = try Self.jobFields(request.body)
        try Self.checkSlug(in: &fields, path: slug)
        let jobs = try await store.jobs()
        let spec = try Self.spec(slug: slug, fields: fields, jobs: jobs)
        guard let existing = jobs.first(where: { $0.slug == slug }) else { return try await create(spec, request) }
        return try await replace(existing, with: spec.applied(to: existing), request)
    }

    /// `PATCH /api/v1/jobs/SLUG`: the keys given change, `null` takes a key back to its default (a JSON merge
    /// patch, RFC 7396, over the job's keys); the result is checked whole.
    func patchJob(slug: String, _ request: APIRequest) async throws -> APIReply {
        var patch = try Self.jobFields(request.body)
        try Self.checkSlug(in: &patch, path: slug)
        let jobs = try await store.jobs()
        guard let existing = jobs.first(where: { $0.slug == slug }) else { throw Failure(status: 404, message: "no job '\(slug)'") }
        let fields = Self.merge(patch, into: JobDefinition.fields(of: existing))
        let spec = try Self.spec(slug: slug, fields: fields, jobs: jobs)
        return try await replace(existing, with: spec.applied(to: existing), request)
    }

    /// `DELETE /api/v1/jobs/SLUG`: the job and its history, as `jobs remove`; 204.
    func deleteJob(slug: String, _ request: APIRequest) async throws -> APIReply {
        let job = try await existingJob(slug)
        try await write(JobsPlan(removes: [job]), request)
        logger.notice("api: job \(slug) removed by \(request.actor) from \(request.client ?? "?")")
        return APIReply(status: 204)
    }

    /// `POST /api/v1/jobs/SLUG/pause` and `…/resume`.
    func setPaused(_ pausing: Bool, job slug: String, _ request: APIRequest) async throws -> APIReply {
        _ = try WriteBody(request.body)  // no fields, but a body that is not a JSON object is still a 400
        let job = try await existingJob(slug)
        var updated = job
        updated.paused = pausing
        try await write(JobsPlan(updates: [(job, updated)]), request)
        logger.notice("api: \(slug) \(pausing ? "paused" : "resumed") by \(request.actor) from \(request.client ?? "?")")
        return try Self.json(PauseDocument(slug: slug, paused: pausing), tag: nil)
    }

    /// `POST /api/v1/jobs/SLUG/rotate-key`: a new ping key, shown in this answer only; the old one stops at once.
    func rotateKey(slug: String, _ request: APIRequest) async throws -> APIReply {
        _ = try WriteBody(request.body)
        let job = try await existingJob(slug)
        var updated = job
        updated.pingKey = PingKey.generate()
        try await write(JobsPlan(updates: [(job, updated)]), request)
        logger.notice("api: ping key of \(slug) rotated by \(request.actor) from \(request.client ?? "?")")
        return try Self.json(JobKeyDocument(slug: slug, key: updated.pingKey), tag: nil)
    }

    /// `POST /api/v1/jobs/apply`: `jobs apply` over the API — `{"file": TOML, "dry_run": bool, "prune": bool}`,
    /// planned against the stored jobs and carried out in one transaction with the maintenance windows, or not
    /// at all; a bad file is a 400 with every problem as `file:LINE: message`.
    func applyJobsFile(_ request: APIRequest) async throws -> APIReply {
        let body = try WriteBody(request.body)
        guard let text = body.object["file"] as? String else {
            throw Failure(status: 400, message: "'file' is required: the jobs file's TOML text")
        }
        let dryRun = try body.flag("dry_run")
        let prune = try body.flag("prune")
        let file: JobsFile
        do {
            file = try JobsFile.parse(text, path: "file")
        } catch let error as BoardError {
            throw Failure(status: 400, message: error.description)
        }
        let plan = JobsPlan(
            current: try await store.jobs(), file: file, prune: prune, now: clock(), makeKey: PingKey.generate)
        if !dryRun {
            try await write(plan, request, maintenanceWindows: file.maintenanceWindows)
            logger.notice(
                "api: jobs file applied by \(request.actor) from \(request.client ?? "?"): \(plan.creates.count) created, \(plan.updates.count) updated, \(plan.removes.count) removed")
        }
        return try Self.json(ApplyDocument(plan: plan, dryRun: dryRun), tag: nil)
    }

    // MARK: Helpers

    private func create(_ spec: JobSpec, _ request: APIRequest) async throws -> APIReply {
        let job = spec.makeJob(pingKey: PingKey.generate(), createdAt: clock())
        try await write(JobsPlan(creates: [job]), request)
        logger.notice("api: job \(job.slug) created by \(request.actor) from \(request.client ?? "?")")
        var reply = try Self.json(JobWrittenDocument(job: job, showingKey: true), tag: nil)
        reply.status = 201
        reply.headers.append(("Location", "/api/v1/jobs/\(job.slug)"))
        return reply
    }

    private func replace(_ existing: Job, with updated: Job, _ request: APIRequest) async throws -> APIReply {
        let plan = JobsPlan(updates: [(existing, updated)])
        try await write(plan, request)
        if let update = plan.updates.first {
            logger.notice(
                "api: job \(existing.slug) changed by \(request.actor) from \(request.client ?? "?"): \(update.changes.map(\.field).joined(separator: ", "))")
        }
        return try Self.json(JobWrittenDocument(job: updated, showingKey: false), tag: nil)
    }

    /// Carries out `plan` signed by the request's actor; the store's refusals become 404 and 409.
    private func write(_ plan: JobsPlan, _ request: APIRequest, maintenanceWindows: [MaintenanceWindow]? = nil) async throws {
        do {
            try await store.apply(plan, maintenanceWindows: maintenanceWindows, by: request.actor, at: clock())
            await jobsChanged()
        } catch BoardError.unknownJob(let slug) {
            throw Failure(status: 404, message: "no job '\(slug)'")
        } catch BoardError.duplicateJob(let slug) {
            throw Failure(status: 409, message: "job '\(slug)' already exists")
        } catch BoardError.invalidValue(let message) {
            throw Failure(status: 409, message: message)
        }
    }

    func existingJob(_ slug: String) async throws -> Job {
        guard let job = try await store.job(slug: slug) else { throw Failure(status: 404, message: "no job '\(slug)'") }
        return job
    }

    /// The job `fields` describe, checked by the jobs file's reader against the stored `jobs` (chain parents).
    private static func spec(slug: String, fields: [String: DefinitionValue], jobs: [Job]) throws -> JobSpec {
        do {
            return try JobDefinition.spec(
                slug: slug, fields: fields,
                stored: Dictionary(jobs.map { ($0.slug, $0.chainParent) }, uniquingKeysWith: { first, _ in first }))
        } catch let error as BoardError {
            throw Failure(status: 400, message: error.description)
        }
    }

    /// The body as a job's keys.
    private static func jobFields(_ body: [UInt8]) throws -> [String: DefinitionValue] {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            throw Failure(status: 400, message: "the request body is not valid JSON")
        }
        guard parsed is [String: Any], let fields = try? JSONDecoder().decode([String: DefinitionValue].self, from: Data(body))
        else {
            throw Failure(status: 400, message: "the request body must be a JSON object of the job's keys (docs/jobs-file.md)")
        }
        return fields
    }

    /// Takes `slug` out of a body for `path`: it may repeat the path's slug, never change it.
    private static func checkSlug(in fields: inout [String: DefinitionValue], path slug: String) throws {
        guard let value = fields.removeValue(forKey: "slug"), value != .null else { return }
        guard value == .string(slug) else {
            throw Failure(status: 400, message: "'slug' in the body must be '\(slug)', the job the path names: a job's slug cannot change")
        }
    }

    /// RFC 7396: tables merge key by key, `null` removes a key, anything else replaces it.
    static func merge(_ patch: [String: DefinitionValue], into target: [String: DefinitionValue]) -> [String: DefinitionValue] {
        var result = target
        for (key, value) in patch {
            switch (value, result[key]) {
            case (.null, _):
                result[key] = nil
            case (.table(let inner), .table(let existing)?):
                result[key] = .table(merge(inner, into: existing))
            case (.table(let inner), _):
                result[key] = .table(merge(inner, into: [:]))
            default:
                result[key] = value
            }
        }
        return result
    }
}
