import Foundation

/// The jobs by slug, id and ping key, and the data version that says whether anything changed: what the
/// ingest's key cache, the API and the commands look jobs up in.
public protocol JobDirectory: Sendable {
    /// Every job, ordered by slug.
    func jobs() async throws -> [Job]
    func job(slug: String) async throws -> Job?
    func job(id: Int64) async throws -> Job?
    /// The job a ping key belongs to (the key itself or its hash, docs/architecture.md §6).
    func job(forKey key: String) async throws -> Job?
    /// A number that every committed write moves forward, whoever made it.
    func dataVersion() async throws -> Int64
}
