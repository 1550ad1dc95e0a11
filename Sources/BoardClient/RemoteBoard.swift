import BoardWire
import BoardTerminal
import BoardModel
import Foundation
import Synchronization

/// The board on a running `backupboard serve` (`backupboard --server URL`): loads `GET /api/v1/board?format=2`
/// once, then keeps a long poll open (`?since=` the last version, `If-None-Match` its ETag, `wait=25s`) that the
/// server answers as soon as something on the board moves, so a change shows within a second and an idle board
/// sends a request every 25 s. The board's own polls read what the long poll brought, without a request. A
/// failed long poll is retried with the feed's backoff (2 s, 4 s … 30 s), and the board shows it stale meanwhile.
/// The server judges, the board draws. Acks and mutes go through the API's admin routes with who did them.
package final class RemoteBoard: BoardSource {
    /// How long one long poll waits on the server: below the read timeouts of common reverse proxies.
    static let longPoll: TimeInterval = 25

    /// Its requests share the process's HTTP client (`HTTPTransport`): the long poll reuses the first load's
    /// connection, and an acknowledgement or a job's detail sent while the long poll waits opens a second one.
    private let client: BoardAPIClient

    /// What the server said so far, merged answer after answer (the merge rule of `BoardDocument`).
    private struct Mirror {
        var etag: String?
        var version: Int64?
        /// Each job as last sent, judged, with its entry for the sparklines.
        var jobs: [Int64: (report: JobReport, entry: BoardSnapshot.Entry)] = [:]
        /// Job ids in the server's order (worst first) as of the last full answer, new jobs after: a delta
        /// moves few jobs, so the board's sort of this order is one pass.
        var order: [Int64] = []
        /// Job ids by slug, for the snapshot's entries; re-sorted only when jobs come or go.
        var bySlug: [Int64] = []
        var alerts: [Alert] = []
        var mutes: [Mute] = []
        /// The last load made, for answers that change no job.
        var last: BoardLoad?
    }

    private let mirror = Mutex(Mirror())

    /// What the long poll brought since the board last asked, or why it failed; and the long poll itself.
    private struct Watch {
        var load: BoardLoad?
        var failure: (any Error)?
        var task: Task<Void, Never>?
    }

    private let watch = Mutex(Watch())
    package let news: AsyncStream<Void>?
    private let newsArrived: AsyncStream<Void>.Continuation

    package init(client: BoardAPIClient) {
        self.client = client
        let (news, newsArrived) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.news = news
        self.newsArrived = newsArrived
    }

    deinit {
        watch.withLock { $0.task?.cancel() }
        newsArrived.finish()
    }

    package func load(after previous: BoardLoad?, at now: Date) async throws -> BoardLoad? {
        guard previous != nil, mirror.withLock({ $0.version != nil }) else { return try await fetch(waiting: nil) }
        startWatching()
        return try watch.withLock { watch -> BoardLoad? in
            if let failure = watch.failure { throw failure }
            defer { watch.load = nil }
            return watch.load
        }
    }

    /// Starts the long poll once: it keeps asking, each answer merged into the mirror for the next `load`.
    private func startWatching() {
        watch.withLock { watch in
            guard watch.task == nil else { return }
            watch.task = Task { [weak self] in
                var failures = 0
                while !Task.isCancelled, let board = self {
                    do {
                        let load = try await board.fetch(waiting: Self.longPoll)
                        failures = 0
                        board.watch.withLock {
                            $0.failure = nil
                            if let load { $0.load = load.replacing($0.load) }
                        }
                        if load != nil { board.newsArrived.yield() }
                    } catch {
                        failures += 1
                        board.watch.withLock { $0.failure = error }
                        board.newsArrived.yield()
                        try? await Task.sleep(for: .seconds(BoardFeed.backoff.delay(afterFailures: failures)))
                    }
                }
            }
        }
    }

    /// One request for the board: the whole of it the first time, then what changed since the last answer,
    /// held on the server up to `wait` seconds until something does.
    private func fetch(waiting wait: TimeInterval?) async throws -> BoardLoad? {
        let (version, etag) = mirror.withLock { ($0.version, $0.etag) }
        var query = [URLQueryItem(name: "format", value: String(BoardDocument.format))]
        if let version { query.append(URLQueryItem(name: "since", value: String(version))) }
        if let wait, version != nil, etag != nil { query.append(URLQueryItem(name: "wait", value: "\(Int(wait))s")) }
        var request = client.request("api/v1/board", query: query)
        if version != nil, let etag { request.headers.add(name: "If-None-Match", value: etag) }
        let answer = try await client.send(request, timeout: (wait ?? 0) + client.timeout)
        if answer.status == 304 {
            return mirror.withLock { mirror in
                mirror.etag = answer.etag ?? mirror.etag
                return Self.ticked(answer.evaluatorLastTick, &mirror)
            }
        }
        let document = try client.board(answer)
        return try mirror.withLock { mirror in
            try Self.merge(document, into: &mirror)
            mirror.etag = answer.etag
            let load = Self.load(mirror, document)
            mirror.last = load
            return load
        }
    }

    package func detail(jobID: Int64) async throws -> JobDetail {
        guard let job = mirror.withLock({ $0.jobs[jobID]?.report.job }) else {
            throw BoardAPIClient.Failure(description: "The job is no longer on the server's board.")
        }
        let request = client.request(
            "api/v1/jobs/\(job.slug)", query: [URLQueryItem(name: "limit", value: "20"), URLQueryItem(name: "heartbeats", value: "1")])
        let answer = try await client.send(request)
        return try client.decode(JobDetailAnswer.self, answer, doing: "show \(job.slug)").detail(of: job)
    }

    package func perform(_ effect: BoardEffect, who: String, at now: Date) async throws -> String {
        func post(_ path: String, _ body: [String: String], doing what: String) async throws {
            let answer = try await client.send(client.request(path, method: "POST", json: body))
            try client.requireSuccess(answer, doing: what)
        }
        switch effect {
        case .acknowledge(let id, let note):
            try await post("api/v1/alerts/\(id)/ack", ["by": who].merging(note.map { ["note": $0] } ?? [:]) { a, _ in a },
                     doing: "acknowledge alert #\(id)")
            return "acknowledged alert #\(id) as \(who) on the server"
        case .acknowledgeAll(let ids):
            for id in ids { try await post("api/v1/alerts/\(id)/ack", ["by": who], doing: "acknowledge alert #\(id)") }
            return "acknowledged \(ids.count) alerts as \(who) on the server"
        case .mute(let slug, let until, let reason):
            let end = ISO8601DateFormatter().string(from: until)
            try await post("api/v1/jobs/\(slug)/mute", ["until": end, "by": who, "reason": reason], doing: "mute \(slug)")
            return "muted \(slug) until \(until.formatted(date: .omitted, time: .shortened)) on the server"
        case .unmute(let slug):
            try await post("api/v1/jobs/\(slug)/unmute", [:], doing: "unmute \(slug)")
            return "unmuted \(slug) on the server"
        case .refresh, .loadDetail, .quit, .nextTheme:
            return ""
        }
    }

    // MARK: Merging

    /// A full answer replaces everything; a `since` answer replaces the jobs it lists, drops the removed
    /// ones, and replaces alerts and mutes when they are not null.
    private static func merge(_ document: BoardDocument, into mirror: inout Mirror) throws {
        if document.since == nil {
            mirror.jobs = Dictionary(minimumCapacity: document.jobs.count)
            mirror.order = []
            mirror.order.reserveCapacity(document.jobs.count)
        }
        var joined = false  // a job came, or one was renamed: the slug order moves
        let schedules = try document.readSchedules()
        for job in document.jobs {
            let report = try document.report(of: job, schedules: schedules)
            if let old = mirror.jobs.updateValue((report, document.entry(of: job, job: report.job)), forKey: job.id) {
                joined = joined || old.report.job.slug != report.job.slug
            } else {
                mirror.order.append(job.id)
                joined = true
            }
        }
        let removed = Set(document.removedJobIDs.filter { mirror.jobs.removeValue(forKey: $0) != nil })
        if !removed.isEmpty { mirror.order.removeAll(where: removed.contains) }
        if joined || !removed.isEmpty || mirror.bySlug.count != mirror.jobs.count {
            // Sorted as (slug, id) pairs: a comparison that looked both jobs up copied their reports each time.
            mirror.bySlug = mirror.jobs.map { (slug: $0.value.entry.job.slug, id: $0.key) }.sorted { $0.slug < $1.slug }.map(\.id)
        }
        if let alerts = document.openAlerts { mirror.alerts = alerts.compactMap(\.alert) }
        if let mutes = document.activeMutes { mirror.mutes = mutes.compactMap(\.mute) }
        mirror.version = document.version
    }

    /// A 304: nothing on the board moved, but the evaluator may have ticked since (its ticks that change
    /// nothing leave the ETag alone); the last load with the new tick, or nil when that did not move either.
    private static func ticked(_ tick: Date?, _ mirror: inout Mirror) -> BoardLoad? {
        guard let tick, var load = mirror.last, load.snapshot.evaluatorLastTick != tick else { return nil }
        load.snapshot.evaluatorLastTick = tick
        load.jobsUnchanged = true
        mirror.last = load
        return load
    }

    private static func load(_ mirror: Mirror, _ document: BoardDocument) -> BoardLoad {
        // An answer that changes no job (the evaluator's tick, an alert): the jobs stay as they were.
        if var load = mirror.last, document.since != nil, document.jobs.isEmpty, document.removedJobIDs.isEmpty {
            load.snapshot.openAlerts = mirror.alerts.sorted { $0.openedAt < $1.openedAt }
            load.snapshot.activeMutes = mirror.mutes
            load.snapshot.unknownKeys = document.unknownKeys.map(\.unknownKey)
            load.snapshot.evaluatorLastTick = document.evaluatorLastTick
            load.snapshot.evaluatorLeader = document.evaluatorLeader
            load.snapshot.dataVersion = document.version
            load.snapshot.outboxBacklog = document.outboxBacklog.map(\.backlog)
            load.judged?.now = document.generatedAt
            load.jobsUnchanged = true
            return load
        }
        let entries = mirror.bySlug.map { mirror.jobs[$0]!.entry }
        let snapshot = BoardSnapshot(
            entries: entries, openAlerts: mirror.alerts.sorted { $0.openedAt < $1.openedAt }, activeMutes: mirror.mutes,
            unknownKeys: document.unknownKeys.map(\.unknownKey), evaluatorLastTick: document.evaluatorLastTick,
            dataVersion: document.version, outboxBacklog: document.outboxBacklog.map(\.backlog),
            evaluatorLeader: document.evaluatorLeader)
        let judged = FleetReport(judged: mirror.order.map { mirror.jobs[$0]!.report }, at: document.generatedAt)
        return BoardLoad(snapshot: snapshot, judged: judged)
    }
}
