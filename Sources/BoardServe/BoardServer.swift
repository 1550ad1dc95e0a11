import BoardModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import BoardLive
import BoardWire

/// `backupboard serve`'s HTTP half: heartbeat ingest, the JSON API (`BoardAPI`), `/healthz` and `/metrics`,
/// on Hummingbird.
///
/// Owns the ingest pieces — the group-commit `HeartbeatWriter`, the `JobKeyCache`, the
/// `UnknownKeyRecorder` — and runs them as services beside the HTTP server. Other long-running parts
/// of `serve` (the evaluator loop) join as extra services:
///
/// ```swift
/// let server = try await BoardServer(configuration: configuration, store: store, logger: logger)
/// try await server.run(services: [evaluator])   // returns after SIGTERM/SIGINT, once drained
/// ```
///
/// On SIGTERM or SIGINT the service group shuts down in reverse order: the HTTP server stops accepting
/// and finishes in-flight requests, then the extra services stop, then the writer commits what is
/// queued; `run` returns and the process exits 0.
package struct BoardServer: Sendable {
    static let bodyLimitHeader = HTTPField.Name("Ping-Body-Limit")!
    static let heartbeatIDHeader = HTTPField.Name("Heartbeat-Id")!
    static let sentAtHeader = HTTPField.Name("Heartbeat-Sent-At")!
    static let forwardedForHeader = HTTPField.Name("X-Forwarded-For")!
    /// Who a client says is making a change to jobs (`BoardAPIHeader.signature`), for the audit trail.
    static let signatureHeader = HTTPField.Name(BoardAPIHeader.signature)!
    static let forwardedHeader = HTTPField.Name("Forwarded")!
    /// A write to the JSON API is a few small fields; more is refused.
    static let apiBodyLimit = 64 * 1024
    /// `POST /api/v1/jobs/apply`: a jobs file of `TOMLSource.maxBytes`, with room for its JSON escapes.
    static let applyBodyLimit = 2 * TOMLSource.maxBytes

    /// The store roles the server uses.
    package typealias Store = IngestStore & JobDirectory & JobCatalog & BoardReading & JobHistory & BoardActions & HealthReading
        & OutboxStore & LeaseStore

    let configuration: ServeConfiguration
    let store: any Store
    let logger: Logger
    let metrics: ServerMetrics
    let writer: HeartbeatWriter
    let keys: JobKeyCache
    let unknownKeys: UnknownKeyRecorder
    let ingest: HeartbeatIngest
    let api: BoardAPI
    /// The answers to test notifications: the outbox worker records them, `notifications/test` reads them.
    package let receipts = DeliveryReceipts()
    /// The judged fleet of the API's board and `/metrics`, and of the evaluator `serve` runs beside the server:
    /// one copy of the fleet in the process.
    package let fleet: LiveFleet
    /// Which leader roles this instance holds among those sharing the database (docs/high-availability.md): the
    /// evaluator and the outbox worker `serve` runs beside the server follow it.
    package let leadership: Leadership

    /// Prepares the server (and starts the writer's loop); loads every job's key once.
    /// `decodeOnly` (benchmarks only): heartbeats are parsed and answered 200 but never stored.
    package init(
        configuration: ServeConfiguration, store: any Store, logger: Logger, retry: HeartbeatWriter.RetryPolicy = .standard,
        decodeOnly: Bool = false
    ) async throws {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        metrics = ServerMetrics()
        let fleet = LiveFleet(store: store, monotonic: true)
        self.fleet = fleet
        writer = HeartbeatWriter(store: store, metrics: metrics, logger: logger, retry: retry, committed: fleet.changes.signal)
        let keys = JobKeyCache(store: store, logger: logger)
        self.keys = keys
        unknownKeys = UnknownKeyRecorder(store: store, metrics: metrics, logger: logger)
        ingest = HeartbeatIngest(
            keys: keys, serverKeys: ServerPingKeys(configuration.pingKeys),
            provisioner: JobProvisioner(store: store, template: configuration.autoCreate, logger: logger), writer: writer,
            unknownKeys: unknownKeys, metrics: metrics, logger: logger, decodeOnly: decodeOnly)
        leadership = Leadership(store: store, instance: configuration.instanceName, logger: logger)
        var api = BoardAPI(
            store: store, fleet: fleet, access: APIAccess(configuration), evaluatorInterval: configuration.evaluatorInterval,
            logger: logger)
        api.notifications = (store, configuration.notifications.channels, receipts)
        api.jobsChanged = {
            do {
                try await keys.refreshIfChanged()
            } catch {
                logger.warning("cannot reload ping keys: \(error)")
            }
        }
        self.api = api
        try await keys.refreshIfChanged()
        try await Self.refuseSharedKeys(configuration.pingKeys, store: store)
    }

    /// A server ping key that is also a job's key would make `/ping/KEY/…` mean two things: `serve` refuses to start.
    static func refuseSharedKeys(_ pingKeys: [ServerPingKey], store: any JobDirectory) async throws {
        for pingKey in pingKeys {
            if let job = try await store.job(forKey: pingKey.key) {
                throw BoardError.invalidValue(
                    "the server ping key ping_keys.\(pingKey.name) is also the ping key of job '\(job.slug)': give one of them another key (`backupboard jobs apply` with a new key, or rotate it through the jobs API)")
            }
        }
    }

    /// The Hummingbird application: routes, ingest services, and `services` (started after them and
    /// stopped before them). `onListening` gets the bound port (useful with port 0).
    func makeApplication(
        services: [any Service] = [], onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: IngestRequestContext.self)
        for prefix in IngestPath.prefixes {
            for method in [HTTPRequest.Method.get, .post, .head, .put] {
                router.on("\(prefix)/**", method: method) { request, context in
                    await self.respondToHeartbeat(request, context: context)
                }
            }
        }
        for method in [HTTPRequest.Method.get, .head] {
            router.on("healthz", method: method) { request, _ in
                let reply = await HealthCheck(
                    evaluatorInterval: configuration.evaluatorInterval, failover: leadership.settings.failover,
                    outboxStuckAfter: configuration.notifications.stuckAfter
                ).reply(
                    lastTick: { try await store.evaluatorLastTick() }, outbox: { try await store.outboxHealth() },
                    storage: { await store.storageProblem() }, ingestFailure: self.metrics.snapshot().lastFailure,
                    clockProblem: leadership.clockProblem, at: Date())
                return Self.response(reply, head: request.method == .head)
            }
            router.on("readyz", method: method) { request, _ in
                Self.response(await self.readiness(), head: request.method == .head)
            }
        }
        for method in [HTTPRequest.Method.get, .head] {
            router.on("metrics", method: method) { request, _ in
                var response = await self.metricsResponse()
                if request.method == .head { response.body = ResponseBody() }
                return response
            }
        }
        addAPIRoutes(to: router)
        let logger = self.logger
        return Application(
            router: router,
            server: GuardedHTTP1Channel.builder(limits: configuration.connectionLimits),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.listen.host, port: configuration.listen.port),
                serverName: "backupboard"),
            // Stopped in reverse order: `services` (the evaluator, the outbox worker) before the leadership hands
            // their leases over.
            services: [
                writer, unknownKeys, keys, FleetWatch(store: store, fleet: fleet, evaluatorInterval: configuration.evaluatorInterval),
                leadership,
            ] + services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.listen.port
                logger.info("listening on \(ListenAddress(host: configuration.listen.host, port: port))")
                await onListening(port)
            },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully and returns.
    package func run(services: [any Service] = [], onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(services: services, onListening: onListening).runService()
    }

    // MARK: - Routes

    private func respondToHeartbeat(_ request: Request, context: IngestRequestContext) async -> Response {
        let receivedAt = Date()
        let isHead = request.method == .head
        guard let path = IngestPath(path: request.uri.path) else {
            return Self.pingResponse(
                IngestReply(
                    status: 404,
                    body: "not a heartbeat URL: use /heartbeat/KEY[/start|fail|log|EXIT-CODE] or /heartbeat/PING-KEY/SLUG[/start|fail|log|EXIT-CODE]\n"),
                head: isHead)
        }
        var delivery = PingDelivery(
            method: request.method.rawValue, path: path, query: request.uri.query.map(QueryString.parse) ?? [],
            contentType: request.headers[.contentType], heartbeatID: request.headers[Self.heartbeatIDHeader],
            sentAtHeader: request.headers[Self.sentAtHeader], userAgent: request.headers[.userAgent],
            source: ClientAddress.resolve(
                peer: context.peerAddress, forwardedFor: request.headers[Self.forwardedForHeader],
                trusted: configuration.trustedProxies))
        do {
            for try await chunk in request.body {
                guard delivery.body.append(chunk.readableBytesView) else { break }
            }
        } catch {
            // The client went away mid-body: nothing is stored, nothing acknowledged.
            logger.debug("heartbeat body not received in full: \(error)")
            return Self.pingResponse(IngestReply(status: 400, body: "the request body could not be read\n", closeConnection: true), head: isHead)
        }
        if delivery.body.isOverLimit {
            // Stop reading: Hummingbird would otherwise drain the rest of an endless body.
            context.channel.close(mode: .input, promise: nil)
        }
        let reply = await ingest.handle(delivery, receivedAt: receivedAt)
        return Self.pingResponse(reply, head: isHead)
    }

    /// An ingest reply, which any web page may read (`Access-Control-Allow-Origin: *`, as Healthchecks answers).
    static func pingResponse(_ reply: IngestReply, head: Bool) -> Response {
        var response = response(reply, head: head)
        response.headers[.accessControlAllowOrigin] = "*"
        return response
    }

    /// `/readyz`, for load balancers (docs/high-availability.md): 200 while this instance can store heartbeats —
    /// its database answers and its storage is sound — else 503 with the reason. Unlike `/healthz` it says
    /// nothing of the monitor as a whole, so a stale evaluator does not take every instance out of rotation.
    private func readiness() async -> IngestReply {
        if let problem = await store.storageProblem() {
            return IngestReply(status: 503, body: "not ready: database unusable: \(problem)\n")
        }
        do {
            _ = try await store.dataVersion()
            return IngestReply(status: 200, body: "ready\n")
        } catch {
            return IngestReply(status: 503, body: "not ready: \(WriteFailure(error).reason)\n")
        }
    }

    static func response(_ reply: APIReply) -> Response {
        var headers = HTTPFields()
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        let body: ResponseBody
        if let stream = reply.stream {
            body = ResponseBody { writer in
                try await stream.write { try await writer.write(ByteBuffer(bytes: $0)) }
                try await writer.finish(nil)
            }
        } else {
            body = reply.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
        }
        return Response(status: HTTPResponse.Status(code: reply.status), headers: headers, body: body)
    }

    /// `/metrics`: the fleet as the API keeps it judged (a scrape reads what changed since the last), the
    /// ingest counters and the outbox.
    private func metricsResponse() async -> Response {
        let now = Date()
        do {
            let judged = try await fleet.refresh(at: now)
            let text = MetricsPage.render(board: judged.board, report: judged.report, ingest: metrics.snapshot())
                + MetricsPage.render(
                    fleet: judged.board, report: judged.report, at: now, evaluatorInterval: configuration.evaluatorInterval)
                + MetricsPage.render(outbox: try await store.outboxHealth(), at: now)
                + MetricsPage.render(leases: leadership.status())
            return Response(
                status: .ok, headers: [.contentType: MetricsPage.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        } catch {
            logger.error("cannot read the database for /metrics: \(error)")
            return Self.response(IngestReply(status: 503, body: "database unreadable: \(WriteFailure(error).reason)\n"), head: false)
        }
    }

    /// A short plain-text reply, with the body limit header on every answer.
    static func response(_ reply: IngestReply, head: Bool) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8",
            bodyLimitHeader: String(BodyCollector.keptLimit),
        ]
        if reply.closeConnection { headers[.connection] = "close" }
        let body = head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(string: reply.body))
        return Response(status: HTTPResponse.Status(code: reply.status), headers: headers, body: body)
    }
}
