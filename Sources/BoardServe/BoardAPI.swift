import BoardModel
import Foundation
import Logging
import ServiceLifecycle
import BoardLive
import BoardWire

/// One request to `/api/v1`, already read off the wire (the body capped by the caller).
struct APIRequest: Sendable {
    var method: String
    /// The path, `/api/v1/...`.
    var path: String
    var query: [(name: String, value: String)] = []
    var authorization: String?
    var ifNoneMatch: String?
    /// Whether the request carries `X-Forwarded-For` or `Forwarded`: it came through a proxy.
    var proxied = false
    var body: [UInt8] = []
    /// The client's address (the peer, or the forwarded address when the peer is a trusted proxy): for logs.
    var client: String?
    /// `BackupBoard-Signature`: who the client says is making the request (`jobs … --server` sends `--as`).
    var signature: String?
    /// Who a write is recorded as made by, set once access is decided: the signature and the token's name.
    var actor = ""
}

/// The answer: status, extra headers (`ETag`, `WWW-Authenticate`, `Allow`) and a JSON body, whole or streamed.
struct APIReply: Sendable {
    var status: Int
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// A body made while it is sent (the board), instead of `body`.
    var stream: APIStream?

    var etag: String? { headers.first { $0.name == "ETag" }?.value }

    /// The body's bytes, a stream's collected (tests).
    func collectedBody() async throws -> [UInt8] {
        guard let stream else { return body }
        var bytes: [UInt8] = []
        try await stream.write { bytes.append(contentsOf: $0) }
        return bytes
    }
}

/// A body written chunk by chunk as the client takes it: `write` hands each chunk to `emit`.
struct APIStream: Sendable {
    let write: @Sendable (_ emit: ([UInt8]) async throws -> Void) async throws -> Void
}

/// The JSON API under `/api/v1` (docs/architecture.md §9, §10): reads of the board, a job and the alerts, with
/// `ETag`s; writes (ack, mute, unmute) for admin tokens; the jobs API in `BoardAPI+Jobs.swift`. The logic is here, without a socket:
/// `BoardServer` routes each request to its endpoint (`BoardServer+API.swift`) and passes the reply out.
///
/// ETags. A read's ETag is the store's data version, which every write that changes what a reader sees
/// moves — heartbeats, an evaluator tick that records a transition or an alert, acks, mutes, `jobs apply`
/// (a tick that changes nothing does not). The board's ETag is `"v<version>-s<stale>"`: it moves only when
/// something on it moved, or the evaluator went stale or came back; a job's judged state that turns with time
/// alone reaches it with the evaluator's next tick, which records the transition. Every board answer, 304
/// included, carries `Evaluator-Last-Tick` (ISO 8601), so a client keeps the evaluator's age right without a
/// body. A job's detail is judged at the request and its ETag adds the minute: `"v<version>-m<minute>"`; the
/// alerts list is not judged and its ETag is `"v<version>"`. Ages (`backup_age_s`, timers) are as of
/// `generated_at`.
///
/// `?since=V` on the board answers only the jobs whose version is above V, the ids of jobs removed since,
/// and the open alerts and active mutes if they changed (else null) — see `BoardDocument` for the merge
/// rule; `&wait=` makes it a long poll (`board(_:)`). A job's judged state moves with time through the
/// evaluator, whose state transitions are writes that stamp the job, so a client sees a job turn late or
/// overdue at most one evaluator interval after it does. A mute that ends at its `until` is not a write: clients drop `muted` themselves when a
/// mute in `active_mutes` runs out, or read the whole board now and then. A `since` ahead of the store (a
/// replaced database) gets a full answer (`since: null`).
struct BoardAPI: Sendable {
    static let defaultBoardRuns = 30
    static let defaultRunPage = 50
    static let defaultHeartbeats = 20
    static let defaultRecentAlerts = 100
    /// The longest a board request may wait for a change (`wait`), in seconds: below the read timeouts of
    /// common reverse proxies (nginx's `proxy_read_timeout` is 60 s).
    static let maxWait: Double = 55

    /// The store roles the API uses; the board itself comes through `fleet`.
    typealias Store = JobDirectory & JobCatalog & JobHistory & BoardActions

    let store: any Store
    /// The board judged at the last request: the next one reads and judges only what changed since.
    let fleet: LiveFleet
    let access: APIAccess
    let evaluatorInterval: TimeInterval
    let logger: Logger
    let clock: @Sendable () -> Date
    /// What `notifications/test/CHANNEL` needs: the outbox, the configured channels, and the answers `serve`'s
    /// worker keeps for tests; nil in tests of the other endpoints.
    var notifications: (outbox: any OutboxStore, channels: [String: NotificationChannel], receipts: DeliveryReceipts)?
    /// Called after a write to jobs: `serve` reloads its ping keys, so a removed or rotated key stops on this
    /// instance at once (other instances reload within their refresh interval).
    var jobsChanged: @Sendable () async -> Void = {}

    init(
        store: any Store, fleet: LiveFleet, access: APIAccess, evaluatorInterval: TimeInterval, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.fleet = fleet
        self.access = access
        self.evaluatorInterval = evaluatorInterval
        self.logger = logger
        self.clock = clock
    }

    /// A refusal or bad input, answered with `{"error": message}`.
    struct Failure: Error {
        var status: Int
        var message: String
    }

    /// Answers `request` with `endpoint` once access is decided: a refusal (401, 403) comes before the
    /// endpoint's own checks, a refused or failed request gets `{"error": …}`, and HEAD gets no body.
    func handle(_ request: APIRequest, with endpoint: (APIRequest) async throws -> APIReply) async -> APIReply {
        let isRead = request.method == "GET" || request.method == "HEAD"
        if case .refused(let status, let message) = access.decide(
            isRead ? .read : .write, authorization: request.authorization, proxied: request.proxied)
        {
            var reply = Self.error(status, message)
            if status == 401 { reply.headers.append(("WWW-Authenticate", "Bearer realm=\"backupboard\"")) }
            return reply
        }
        var request = request
        let tokenName = access.tokenName(authorization: request.authorization)
        request.actor = request.signature.map { "\($0) (\(tokenName))" } ?? tokenName
        do {
            var reply = try await endpoint(request)
            if request.method == "HEAD" {
                reply.body = []
                reply.stream = nil
            }
            if !isRead && (200..<300).contains(reply.status) { fleet.changes.signal() }
            return reply
        } catch let failure as Failure {
            return Self.error(failure.status, failure.message)
        } catch {
            logger.error("api: cannot use the database: \(error)")
            return Self.error(503, "database unavailable: \(WriteFailure(error).reason)")
        }
    }

    // MARK: - Reads

    /// `GET /api/v1/board?format=2`: every job judged, or with `?since=V` what changed after V, written as a
    /// stream (`BoardDocumentWriter`). With `wait` (`?since=V&wait=30s`, at most `maxWait`) a request whose
    /// `If-None-Match` still names the board is held until something on the board moves (then the delta), the
    /// evaluator ticks or the wait ends (then 304): the long poll of the remote board. A request without
    /// `format=2` comes from a client older than the compact board and is answered 406.
    func board(_ request: APIRequest) async throws -> APIReply {
        let query = Query(request.query)
        guard query.value("format") == String(BoardDocument.format) else {
            throw Failure(
                status: 406,
                message: "this server sends the board in format \(BoardDocument.format) only (GET /api/v1/board?format=\(BoardDocument.format)); upgrade backupboard to read it")
        }
        let runs = try query.integer("runs", in: 0...JobActivity.recentLimit) ?? Self.defaultBoardRuns
        let since = try query.integer("since", in: 0...Int64.max)
        let wait = try query.seconds("wait", upTo: Self.maxWait)
        var seen = fleet.changes.generation
        var now = clock()
        var current = try await fleet.refresh(at: now)
        if var reply = try notModified(request, tag: boardTag(current.board, at: now)) {
            guard let wait, wait > 0 else {
                reply.headers.append(contentsOf: Self.evaluatorHeader(current.board))
                return reply
            }
            let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1_000))
            let tick = current.board.evaluatorLastTick
            var moved = false
            // `serve` shutting down ends the wait (a 304) instead of holding its shutdown for the rest of it.
            while !Task.isShuttingDownGracefully,
                  await cancelWhenGracefulShutdown({ [fleet, seen] in await fleet.changes.wait(after: seen, until: deadline) }) {
                seen = fleet.changes.generation
                now = clock()
                current = try await fleet.refresh(at: now)
                if try notModified(request, tag: boardTag(current.board, at: now)) == nil {
                    moved = true
                    break
                }
                if current.board.evaluatorLastTick != tick { break }
            }
            if !moved {
                reply.headers = [("ETag", boardTag(current.board, at: now)), ("Cache-Control", "no-cache")]
                reply.headers.append(contentsOf: Self.evaluatorHeader(current.board))
                return reply
            }
        }
        var (judged, changes) = try await fleet.refresh(at: now, changesSince: since ?? -1)
        var full = since == nil
        if let since, since > judged.board.dataVersion {
            // A version this store never had (the database was replaced): start the client over.
            (judged, changes) = try await fleet.refresh(at: now, changesSince: -1)
            full = true
            logger.debug("api: since=\(since) is ahead of data version \(judged.board.dataVersion); answering the whole board")
        }
        let board = judged.board
        let writer = BoardDocumentWriter(
            board: board, report: judged.report, changes: changes, full: full, runs: runs,
            stale: board.evaluatorIsStale(at: now, interval: evaluatorInterval), evaluatorInterval: evaluatorInterval)
        var reply = Self.reply(streaming: APIStream { try await writer.write($0) }, tag: boardTag(board, at: now))
        reply.headers.append(contentsOf: Self.evaluatorHeader(board))
        return reply
    }

    /// The board's ETag: the data version, whether the evaluator is stale and which instance leads it (a
    /// digest of its name), nothing that moves by itself.
    func boardTag(_ board: BoardSnapshot, at now: Date) -> String {
        let leader = board.evaluatorLeader.map { "-l" + SHA256.hex(SHA256.digest(of: $0)).prefix(8) } ?? ""
        return "\"v\(board.dataVersion)-s\(board.evaluatorIsStale(at: now, interval: evaluatorInterval) ? 1 : 0)\(leader)\""
    }

    static func evaluatorHeader(_ board: BoardSnapshot) -> [(name: String, value: String)] {
        board.evaluatorLastTick.map { [(BoardAPIHeader.evaluatorLastTick, $0.formatted(.iso8601))] } ?? []
    }

    /// `GET /api/v1/status`: counts, level, evaluator age, open alerts and the outbox backlog in a few hundred
    /// bytes, from the live fleet (which judges again only what changed). Its ETag moves only when one of
    /// those does, so a status bar polling every few seconds mostly gets 304.
    func status(_ request: APIRequest) async throws -> APIReply {
        let now = clock()
        let judged = try await fleet.refresh(at: now)
        let document = FleetStatusDocument(
            board: judged.board, report: judged.report, stale: judged.board.evaluatorIsStale(at: now, interval: evaluatorInterval))
        if let reply = try notModified(request, tag: document.visibleTag) { return reply }
        return try Self.json(document, tag: document.visibleTag)
    }

    /// `GET /api/v1/jobs/SLUG`: one job with its runs, heartbeats, transitions and open alerts, read in one
    /// snapshot of the store.
    func job(slug: String, _ request: APIRequest) async throws -> APIReply {
        let query = Query(request.query)
        let limit = try query.integer("limit", in: 1...500) ?? Self.defaultRunPage
        let before = try query.integer("before", in: 1...Int64.max)
        let heartbeatCount = try query.integer("heartbeats", in: 0...500) ?? Self.defaultHeartbeats
        let now = clock()
        if request.ifNoneMatch != nil,
           let reply = try notModified(request, tag: Self.judgedTag(try await store.dataVersion(), at: now))
        {
            guard try await store.job(slug: slug) != nil else { throw Failure(status: 404, message: "no job '\(slug)'") }
            return reply
        }
        guard let record = try await store.jobRecord(
            JobRecordRequest(.slug(slug), runs: limit, beforeRunID: before, heartbeats: heartbeatCount), at: now)
        else {
            throw Failure(status: 404, message: "no job '\(slug)'")
        }
        guard let runs = record.runs else {
            throw Failure(status: 400, message: "before=\(before ?? 0) is not a run of job '\(slug)'")
        }
        let job = record.job
        let status = JobEvaluator.evaluate(job, activity: record.activity, at: now, skipping: record.monitorOutages)
        let entry = JobReport(job: job, status: status, muted: record.activeMutes.contains { $0.covers(job, at: now) })
        let slugs = job.id.map { [$0: job.slug] } ?? [:]
        // A restore state is judged over the fleet (the tests that prove the job), so it comes from the live fleet.
        let restore = try await fleet.refresh(at: now).report.restoreStates[job]
        let document = JobDetailDocument(
            generatedAt: now, version: record.dataVersion,
            job: BoardJobDocument(entry, restore: restore, activity: record.activity, version: record.version, runs: Self.defaultBoardRuns, at: now),
            definition: JobDefinitionDocument(job: job), runs: runs.map(RunDocument.init),
            nextBefore: runs.count == limit ? runs.last?.id : nil,
            heartbeats: record.heartbeats.map(HeartbeatDocument.init),
            transitions: record.transitions,
            openAlerts: record.openAlerts.map { AlertDocument($0, slugs: slugs) }, spec: JobSpecDocument(job: job),
            audit: try await store.auditTrail(slug: slug, limit: Self.detailAuditEntries).map(JobAuditDocument.init))
        return try Self.json(document, tag: Self.judgedTag(record.dataVersion, at: now))
    }

    /// `GET /api/v1/alerts`: the open alerts and, unless `?open=true`, the recent ones.
    func alerts(_ request: APIRequest) async throws -> APIReply {
        let query = Query(request.query)
        let openOnly = try query.boolean("open") ?? false
        let limit = try query.integer("limit", in: 1...1_000) ?? Self.defaultRecentAlerts
        let version = try await store.dataVersion()
        let tag = "\"v\(version)\""
        if let reply = try notModified(request, tag: tag) { return reply }
        let open = try await store.openAlerts()
        let recent = openOnly ? nil : try await store.recentAlerts(limit: limit)
        let ids = Set(open.compactMap(\.jobID)).union((recent ?? []).compactMap(\.jobID))
        var slugs: [Int64: String] = [:]
        for id in ids {
            if let job = try await store.job(id: id) { slugs[id] = job.slug }
        }
        let document = AlertsDocument(
            generatedAt: clock(), version: version, open: open.map { AlertDocument($0, slugs: slugs) },
            recent: recent?.map { AlertDocument($0, slugs: slugs) })
        return try Self.json(document, tag: tag)
    }

    // MARK: - Writes

    /// The id of an alert in a path, a positive number.
    static func alertID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else {
            throw Failure(status: 400, message: "alert id must be a positive number, not '\(text)'")
        }
        return id
    }

    /// `POST /api/v1/alerts/ID/ack`: acknowledges an alert `by` someone, with an optional `note`.
    func acknowledge(alert id: Int64, _ request: APIRequest) async throws -> APIReply {
        let body = try WriteBody(request.body)
        let by = try body.text("by", required: true)!
        let note = try body.text("note", required: false)
        guard try await store.alert(id: id) != nil else { throw Failure(status: 404, message: "no alert #\(id)") }
        try await store.acknowledgeAlert(id: id, by: by, note: note, at: clock())
        logger.notice("api: alert #\(id) acknowledged by \(by) from \(request.client ?? "?")")
        guard let alert = try await store.alert(id: id) else { throw Failure(status: 404, message: "no alert #\(id)") }
        var slugs: [Int64: String] = [:]
        if let jobID = alert.jobID, let job = try await store.job(id: jobID) { slugs[jobID] = job.slug }
        return try Self.json(AlertDocument(alert, slugs: slugs), tag: nil)
    }

    /// `POST /api/v1/jobs/SLUG/mute`: mutes a job `until` a time or for a duration, `by` someone, for a `reason`.
    func mute(job slug: String, _ request: APIRequest) async throws -> APIReply {
        let body = try WriteBody(request.body)
        let now = clock()
        let untilText = try body.text("until", required: true)!
        let by = try body.text("by", required: true)!
        let reason = try body.text("reason", required: true)!
        let until = try Self.muteEnd(untilText, now: now)
        try await requireJob(slug)
        let mute = try await store.add(Mute(scope: .job(slug), until: until, createdBy: by, reason: reason, createdAt: now))
        logger.notice("api: \(slug) muted until \(until) by \(by) from \(request.client ?? "?"): \(reason)")
        return try Self.json(MuteDocument(mute), tag: nil)
    }

    /// `POST /api/v1/jobs/SLUG/unmute`: removes the job's mutes.
    func unmute(job slug: String, _ request: APIRequest) async throws -> APIReply {
        _ = try WriteBody(request.body)  // no fields, but a body that is not a JSON object is still a 400
        try await requireJob(slug)
        let removed = try await store.removeMutes(scope: .job(slug))
        logger.notice("api: \(slug) unmuted (\(removed) mutes removed) from \(request.client ?? "?")")
        return try Self.json(UnmuteDocument(slug: slug, removed: removed), tag: nil)
    }

    private func requireJob(_ slug: String) async throws {
        guard try await store.job(slug: slug) != nil else { throw Failure(status: 404, message: "no job '\(slug)'") }
    }

    /// `until` of a mute: an ISO 8601 date-time, or a duration from now (`4h`, `90m`, `1d`); it must be in the future.
    static func muteEnd(_ text: String, now: Date) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let end: Date
        if trimmed == "forever" {
            end = Mute.forever
        } else if let date = isoDate(trimmed) {
            end = date
        } else if let seconds = HumanUnits.duration(trimmed), seconds > 0 {
            end = now.addingTimeInterval(seconds)
        } else {
            throw Failure(
                status: 400,
                message: "until must be an ISO 8601 time such as 2030-01-31T18:00:00Z, a duration such as 4h, or forever, not '\(text)'")
        }
        if let problem = Mute.problem(until: end, now: now) {
            throw Failure(status: 400, message: "until \(trimmed): \(problem)")
        }
        return end
    }

    private static func isoDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    // MARK: - Replies

    /// `"v<version>-m<minute>"`: judged answers change with the data and with the clock.
    static func judgedTag(_ version: Int64, at now: Date) -> String {
        "\"v\(version)-m\(Int64((now.timeIntervalSince1970 / 60).rounded(.down)))\""
    }

    /// 304 when `If-None-Match` names `tag` (or is `*`); weak tags match their strong form.
    func notModified(_ request: APIRequest, tag: String) throws -> APIReply? {
        guard let header = request.ifNoneMatch else { return nil }
        let candidates = header.split(separator: ",").map { part -> String in
            let text = part.trimmingCharacters(in: .whitespaces)
            return text.hasPrefix("W/") ? String(text.dropFirst(2)) : text
        }
        guard candidates.contains(tag) || candidates.contains("*") else { return nil }
        return APIReply(status: 304, headers: [("ETag", tag), ("Cache-Control", "no-cache")])
    }

    static func json(_ value: some Encodable, tag: String?) throws -> APIReply {
        reply(Array(try APIJSON.encoder().encode(value)), tag: tag)
    }

    /// A 200 whose JSON body is written as a stream, with its ETag.
    static func reply(streaming stream: APIStream, tag: String) -> APIReply {
        var reply = reply([], tag: tag)
        reply.body = []
        reply.stream = stream
        return reply
    }

    /// A 200 with a JSON body (a newline added) and, for reads, its ETag.
    static func reply(_ json: [UInt8], tag: String?) -> APIReply {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json; charset=utf-8")]
        if let tag {
            headers.append(("ETag", tag))
            headers.append(("Cache-Control", "no-cache"))
        }
        var body = json
        body.append(UInt8(ascii: "\n"))
        return APIReply(status: 200, headers: headers, body: body)
    }

    /// 404 for a path under `/api/v1` that is no endpoint.
    static func noSuchRoute(_ path: String) -> APIReply {
        error(404, "no such API route: \(path) (see GET /api/v1/openapi.json for every route)")
    }

    /// `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document, `docs/openapi.json` as built into the binary.
    static func openAPIDocument() -> APIReply {
        reply(Array((EmbeddedAPIDocument.files["openapi"] ?? "{}").utf8), tag: nil)
    }

    static func error(_ status: Int, _ message: String) -> APIReply {
        var body = Array((try? APIJSON.encoder().encode(APIErrorDocument(error: message))) ?? Data("{}".utf8))
        body.append(UInt8(ascii: "\n"))
        return APIReply(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: body)
    }

    /// 405 for a known path asked with another method; `methods` is the `Allow` header, `GET, HEAD` or `POST`.
    static func notAllowed(_ methods: String) -> APIReply {
        var reply = error(405, "method not allowed here; use \(methods)")
        reply.headers.append(("Allow", methods))
        return reply
    }
}

/// Query parameters with checked values: a bad one is a 400 that names it.
struct Query {
    let items: [(name: String, value: String)]

    init(_ items: [(name: String, value: String)]) {
        self.items = items
    }

    func value(_ name: String) -> String? {
        items.last { $0.name == name }?.value
    }

    func integer<T: FixedWidthInteger>(_ name: String, in range: ClosedRange<T>) throws -> T? {
        guard let text = value(name) else { return nil }
        guard let number = T(text), range.contains(number) else {
            let bounds = range.upperBound == T.max ? "\(range.lowerBound) or more" : "\(range.lowerBound)–\(range.upperBound)"
            throw BoardAPI.Failure(status: 400, message: "\(name) must be a whole number, \(bounds), not '\(text)'")
        }
        return number
    }

    /// A duration in seconds: `30`, `30s`, `1m`; at most `limit` seconds.
    func seconds(_ name: String, upTo limit: Double) throws -> Double? {
        guard let text = value(name) else { return nil }
        guard let seconds = Double(text) ?? HumanUnits.duration(text), seconds >= 0, seconds <= limit else {
            throw BoardAPI.Failure(status: 400, message: "\(name) must be a duration of at most \(Int(limit))s, such as 30s, not '\(text)'")
        }
        return seconds
    }

    func boolean(_ name: String) throws -> Bool? {
        guard let text = value(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw BoardAPI.Failure(status: 400, message: "\(name) must be true or false, not '\(text)'")
        }
    }
}

/// The JSON object of a write; an empty body is an empty object.
struct WriteBody {
    static let maxTextLength = 1_000
    let object: [String: Any]

    init(_ bytes: [UInt8]) throws {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            object = [:]
            return
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(bytes)) else {
            throw BoardAPI.Failure(status: 400, message: "the request body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw BoardAPI.Failure(status: 400, message: "the request body must be a JSON object")
        }
        self.object = object
    }

    /// A string field, trimmed; `required` ones must be present and not empty.
    func text(_ key: String, required: Bool) throws -> String? {
        guard let raw = object[key], !(raw is NSNull) else {
            if required { throw BoardAPI.Failure(status: 400, message: "'\(key)' is required") }
            return nil
        }
        guard let string = raw as? String else {
            throw BoardAPI.Failure(status: 400, message: "'\(key)' must be a string")
        }
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            if required { throw BoardAPI.Failure(status: 400, message: "'\(key)' must not be empty") }
            return nil
        }
        guard trimmed.count <= Self.maxTextLength else {
            throw BoardAPI.Failure(status: 400, message: "'\(key)' is longer than \(Self.maxTextLength) characters")
        }
        return trimmed
    }

    /// A boolean field; absent or null is `false`.
    func flag(_ key: String) throws -> Bool {
        guard let raw = object[key], !(raw is NSNull) else { return false }
        guard let flag = raw as? Bool else { throw BoardAPI.Failure(status: 400, message: "'\(key)' must be true or false") }
        return flag
    }
}
