import BoardModel
import BoardWire
import Foundation

/// The jobs API (docs/api.md) for `jobs … --server`: answers come back as the values the local commands use,
/// and a missing or taken slug as the store's own errors, so both forms print and exit alike.
extension BoardAPIClient {
    /// Every job (`GET /api/v1/jobs`), read through the jobs file's reader as the server wrote them.
    package func jobs() async throws -> [Job] {
        let answer = try await send(request("api/v1/jobs"))
        let list = try decode(JobListDocument.self, answer, doing: "list its jobs")
        let jobs = Dictionary(list.jobs.map { ($0.slug, $0.fields) }, uniquingKeysWith: { first, _ in first })
        return try JobDefinition.specs(jobs).map { $0.makeJob(pingKey: "", createdAt: list.generatedAt) }
    }

    /// Creates `job` (`POST /api/v1/jobs`), with its ping key when `sendingKey`; answers the key the job has.
    package func create(_ job: Job, sendingKey: Bool) async throws -> String {
        var fields = JobDefinition.fields(of: job)
        fields["slug"] = .string(job.slug)
        if sendingKey { fields["key"] = .string(job.pingKey) }
        let answer = try await send(request("api/v1/jobs", method: "POST", body: try JSONEncoder().encode(fields)))
        if answer.status == 409 { throw BoardError.duplicateJob(job.slug) }
        let written = try decode(JobWrittenDocument.self, answer, doing: "create job \(job.slug)")
        guard let key = written.key else {
            throw Failure(description: "The server at \(server.absoluteString) created job \(job.slug) but sent no ping key.")
        }
        return key
    }

    /// Removes a job with its history (`DELETE /api/v1/jobs/SLUG`).
    package func removeJob(slug: String) async throws {
        try await write(slug, method: "DELETE", path: "", doing: "remove job \(slug)")
    }

    package func pause(slug: String) async throws {
        try await write(slug, method: "POST", path: "/pause", doing: "pause job \(slug)")
    }

    package func resume(slug: String) async throws {
        try await write(slug, method: "POST", path: "/resume", doing: "resume job \(slug)")
    }

    /// A job's ping key (`GET /api/v1/jobs/SLUG/key`, admin tokens only).
    package func pingKey(slug: String) async throws -> String {
        let answer = try await send(request("api/v1/jobs/\(slug)/key"))
        if answer.status == 404 { throw BoardError.unknownJob(slug) }
        return try decode(JobKeyDocument.self, answer, doing: "show the ping key of \(slug)").key
    }

    /// `jobs apply` on the server (`POST /api/v1/jobs/apply`): the plan it made, carried out unless `dryRun`.
    package func apply(file text: String, dryRun: Bool, prune: Bool) async throws -> ApplyDocument {
        let body = try JSONSerialization.data(
            withJSONObject: ["file": text, "dry_run": dryRun, "prune": prune] as [String: Any], options: [.sortedKeys])
        let answer = try await send(request("api/v1/jobs/apply", method: "POST", body: body), timeout: max(timeout, 60))
        return try decode(ApplyDocument.self, answer, doing: "apply the jobs file")
    }

    private func write(_ slug: String, method: String, path: String, doing what: String) async throws {
        let answer = try await send(request("api/v1/jobs/\(slug)\(path)", method: method, body: method == "DELETE" ? nil : Data("{}".utf8)))
        if answer.status == 404 { throw BoardError.unknownJob(slug) }
        try requireSuccess(answer, doing: what)
    }
}
