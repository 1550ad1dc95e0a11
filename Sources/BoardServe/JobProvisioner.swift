import BoardModel
import Foundation
import Logging
import Synchronization

/// Creates the job a ping by slug names when it carries `?create=1` (docs/api.md): from the serve config's
/// `[auto_create]`, with the server ping key's tags, signed `ping key NAME` in the audit trail, at most the key's
/// `max_creates_per_hour` in the past hour (counted in the store, so across instances).
///
/// The store creates in one transaction behind the writers' lock, so two instances (or two requests) given the same
/// new slug at once make one job, and the later one pings it. Past the limit the ping is refused with 429 and an
/// `auto_create_limit` alert is recorded, opened and resolved at once, once an hour per key and instance, so it shows
/// in the alert log and pages nobody.
final class JobProvisioner: Sendable {
    enum Outcome: Sendable, Equatable {
        /// The job to ping, and whether this request created it.
        case job(id: Int64, created: Bool)
        case refused(IngestReply)
    }

    /// How long a key's limit alert stands for further refusals.
    static let alertQuietPeriod: TimeInterval = 3_600

    private let store: any JobCatalog
    private let template: JobTemplate?
    private let logger: Logger
    private let lastAlerts = Mutex<[String: Date]>([:])

    init(store: any JobCatalog, template: JobTemplate?, logger: Logger) {
        self.store = store
        self.template = template
        self.logger = logger
    }

    /// Creates `slug` for `key` at `now`, or finds it already created by a ping that just won the race.
    func create(slug: String, for key: ServerPingKey, source: String?, at now: Date) async -> Outcome {
        guard let template else { return .refused(.autoCreateOff) }
        if let problem = Job.problem(withSlug: slug) {
            return .refused(IngestReply(status: 400, body: "cannot create the job: \(problem)\n"))
        }
        let job = template.job(slug: slug, tags: key.tags, pingKey: PingKey.generate(), createdAt: now)
        let limit = CreationLimit(count: key.maxCreatesPerHour, since: now.addingTimeInterval(-3_600))
        do {
            switch try await store.create(job, by: key.actor, at: now, limit: limit) {
            case .created(let stored):
                logger.notice("job \(slug) created by \(key.actor) from \(source ?? "?")")
                return .job(id: stored.id ?? 0, created: true)
            case .existing(let stored):
                return .job(id: stored.id ?? 0, created: false)
            case .limited:
                await noteLimit(slug: slug, key: key, at: now)
                return .refused(IngestReply(
                    status: 429,
                    body: "rate limited: ping key '\(key.name)' created \(key.maxCreatesPerHour) jobs in the past hour (max_creates_per_hour); '\(slug)' was not created\n"))
            }
        } catch {
            logger.error("cannot create job \(slug) for \(key.actor): \(error)")
            return .refused(.unavailable(WriteFailure(error).reason))
        }
    }

    /// Logs every refusal; records the alert when the key's last one here is an hour old.
    private func noteLimit(slug: String, key: ServerPingKey, at now: Date) async {
        let message = "\(key.actor) reached max_creates_per_hour (\(key.maxCreatesPerHour)): '\(slug)' and further new slugs this hour are refused with 429"
        logger.warning("\(message)")
        let due = lastAlerts.withLock { last in
            guard last[key.name].map({ now.timeIntervalSince($0) >= Self.alertQuietPeriod }) ?? true else { return false }
            last[key.name] = now
            return true
        }
        guard due else { return }
        do {
            try await store.record(Alert(
                kind: .autoCreateLimit, severity: AlertKind.autoCreateLimit.defaultSeverity, jobID: nil, message: message,
                openedAt: now, resolvedAt: now))
        } catch {
            logger.error("cannot record the auto_create_limit alert: \(error)")
        }
    }
}
