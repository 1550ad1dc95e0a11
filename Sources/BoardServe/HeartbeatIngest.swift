import BoardModel
import Foundation
import Logging

/// The ingest route's logic (docs/architecture.md §4), free of HTTP types: finds the job by its key, or by slug
/// after a server ping key (creating it on `?create=1`), parses the heartbeat, settles its event time, and hands
/// it to the group-commit writer, answering only once it is committed.
struct HeartbeatIngest: Sendable {
    /// A `Heartbeat-Sent-At` older than this is not believed: the event time is the receipt time.
    static let maximumLateness: TimeInterval = 7 * 86_400
    /// `Heartbeat-Id` values longer than this are cut (they are client-made identifiers, not payload).
    static let maximumHeartbeatIDLength = 200

    let keys: JobKeyCache
    /// `[ping_keys.NAME]`: the keys of pings by slug.
    var serverKeys = ServerPingKeys([])
    /// Creates jobs for `?create=1`; nil refuses it as a config without `[auto_create]` does.
    var provisioner: JobProvisioner?
    let writer: HeartbeatWriter
    let unknownKeys: UnknownKeyRecorder
    let metrics: ServerMetrics
    let logger: Logger
    /// Benchmark ceiling only (`serve --decode-only`, hidden): every step of a heartbeat but the
    /// store — key lookup and the real parse — then a 200 that says nothing was stored.
    var decodeOnly = false

    /// Stores one heartbeat received at `receivedAt` and says what to answer.
    func handle(_ delivery: PingDelivery, receivedAt: Date) async -> IngestReply {
        var reply = await store(delivery, receivedAt: receivedAt)
        if delivery.body.isOverLimit { reply.closeConnection = true }
        return reply
    }

    private func store(_ delivery: PingDelivery, receivedAt: Date) async -> IngestReply {
        let jobID: Int64
        var created = false
        var delivery = delivery
        if let slug = delivery.path.slug {
            switch await job(bySlug: slug, &delivery, receivedAt: receivedAt) {
            case .job(let id, let isNew):
                (jobID, created) = (id, isNew)
            case .refused(let reply):
                return reply
            }
        } else {
            do {
                guard let id = try await keys.jobID(forKey: delivery.path.key) else {
                    // A server ping key without a slug is not recorded: the list keeps the first characters of keys.
                    if serverKeys.key(matching: delivery.path.key) == nil { noteUnknown(delivery, at: receivedAt) }
                    return .unknownKey
                }
                jobID = id
            } catch {
                metrics.count(.error)
                logger.error("cannot look up a ping key: \(error)")
                return .unavailable(WriteFailure(error).reason)
            }
        }
        let heartbeat = Self.heartbeat(from: delivery, jobID: jobID, receivedAt: receivedAt)
        if delivery.body.truncatedBytes > 0 { metrics.countTruncatedBody() }
        if decodeOnly {
            withExtendedLifetime(heartbeat) { metrics.count(.decoded) }
            return .decodedNotStored
        }
        switch await writer.submit(heartbeat) {
        case .success(.stored):
            metrics.count(.stored)
            return created ? .created : .stored
        case .success(.duplicate):
            metrics.count(.duplicate)
            return .stored
        case .success(.unknownJob):
            if let slug = delivery.path.slug {
                keys.forget(slug: slug)
                noteUnknownSlug(slug, delivery, at: receivedAt)
                return .unknownSlug(slug)
            }
            keys.forget(key: delivery.path.key)
            noteUnknown(delivery, at: receivedAt)
            return .unknownKey
        case .failure(let failure):
            metrics.count(.error)
            return .unavailable(failure.reason)
        }
    }

    /// The job of a ping by slug, from memory (no store read), created when the query says `create=1`. The key must
    /// be a server ping key; a job's key is matched first, and takes no slug.
    private func job(bySlug slug: String, _ delivery: inout PingDelivery, receivedAt: Date) async -> JobProvisioner.Outcome {
        let digest = SHA256.digest(of: delivery.path.key)
        guard !keys.isKnownJobKey(digest: digest) else { return .refused(.slugAfterJobKey) }
        guard let serverKey = serverKeys.key(matchingDigest: digest) else {
            noteUnknown(delivery, at: receivedAt)
            return .refused(.unknownKey)
        }
        let creates = delivery.query.contains { $0.name == "create" && Self.createValues.contains($0.value.lowercased()) }
        delivery.query.removeAll { $0.name == "create" }
        if let id = keys.jobID(forSlug: slug) { return .job(id: id, created: false) }
        guard creates else {
            noteUnknownSlug(slug, delivery, at: receivedAt)
            return .refused(.unknownSlug(slug))
        }
        guard let provisioner else { return .refused(.autoCreateOff) }
        let outcome = await provisioner.create(slug: slug, for: serverKey, source: delivery.source, at: receivedAt)
        if case .job(let id, _) = outcome { keys.remember(slug: slug, id: id) }
        return outcome
    }

    /// `?create=1` (Healthchecks' form) or `true`.
    static let createValues: Set = ["1", "true"]

    /// An unknown slug counts as an unknown key does, shown as the ping key's name and the slug.
    private func noteUnknownSlug(_ slug: String, _ delivery: PingDelivery, at date: Date) {
        metrics.count(.unknownKey)
        let name = serverKeys.key(matching: delivery.path.key)?.name ?? "?"
        unknownKeys.note(.init(
            key: "\(delivery.path.key)/\(slug)", shown: "\(name)/\(slug.prefix(64))", source: delivery.source,
            userAgent: delivery.userAgent, at: date))
    }

    private func noteUnknown(_ delivery: PingDelivery, at date: Date) {
        metrics.count(.unknownKey)
        unknownKeys.note(.init(key: delivery.path.key, source: delivery.source, userAgent: delivery.userAgent, at: date))
    }

    /// The stored form of a delivery: parsed report, event time, kept body.
    static func heartbeat(from delivery: PingDelivery, jobID: Int64, receivedAt: Date) -> Heartbeat {
        let request = HeartbeatRequest(
            method: delivery.method, pathSuffix: delivery.path.suffix, query: delivery.query,
            contentType: delivery.contentType, body: delivery.body.kept, sentAtHeader: delivery.sentAtHeader)
        var report = HeartbeatParser.parse(request)
        if let problem = delivery.body.overLimitProblem { report.problems.append(problem) }
        let deliveryID = delivery.heartbeatID
            .map { $0.trimmedOnLine() }
            .flatMap { $0.isEmpty ? nil : String($0.prefix(maximumHeartbeatIDLength)) }
        return Heartbeat(
            jobID: jobID, receivedAt: receivedAt,
            eventAt: eventTime(sentAtHeader: delivery.sentAtHeader, reported: report.sentAt, receivedAt: receivedAt),
            report: report, deliveryID: deliveryID, body: delivery.body.kept, truncatedBytes: delivery.body.truncatedBytes,
            contentType: delivery.contentType, method: delivery.method, source: delivery.source, userAgent: delivery.userAgent)
    }

    /// The receipt time, unless our own spool delivered the heartbeat late (`Heartbeat-Sent-At`): then
    /// its send time, when that is not in the future and under seven days old. A `sent_at` in a body
    /// without the header is kept in the report but never trusted.
    static func eventTime(sentAtHeader: String?, reported: Date?, receivedAt: Date) -> Date {
        guard sentAtHeader != nil, let sentAt = reported else { return receivedAt }
        let age = receivedAt.timeIntervalSince(sentAt)
        guard age >= 0, age < maximumLateness else { return receivedAt }
        return sentAt
    }
}
