import HTTPTypes
import Hummingbird

/// The JSON API's routes: one per endpoint of `BoardAPI`, on Hummingbird's router.
///
/// Every answer under `/api/v1/` passes the access check first, as `BoardAPI.handle(_:with:)` decides it, and
/// then gets BackupBoard's JSON, never the router's empty replies:
/// - a known path asked with another of the API's methods is a 405 with `Allow` — each route registers
///   those methods too, because Hummingbird's router answers a method it has no responder for with a 404;
/// - a path that is no route is a 404 naming the endpoints — `APIFallback` turns the router's own 404
///   into it. A catch-all `api/v1/**` would not do: the router does not fall back to it from a path that
///   ends on a route's inner node (`/api/v1/jobs`, `/api/v1/alerts/7`).
///
/// Methods outside `apiMethods` (`OPTIONS`, …) get the router's plain 404, like every unknown route.
extension BoardServer {
    /// The methods `/api/v1/` answers.
    static let apiMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]

    /// An endpoint of the API, made from its route's path parameters (`:slug`, `:id`).
    typealias APIEndpoint = @Sendable (Parameters) throws -> (APIRequest) async throws -> APIReply

    /// Adds the API's routes, then the fallback for the rest of `/api/v1/`.
    func addAPIRoutes(to router: Router<IngestRequestContext>) {
        let v1 = router.group("api/v1")
        let api = self.api
        func read(_ path: RouterPath, _ endpoint: @escaping APIEndpoint) {
            addAPIRoute(path, [(.get, endpoint), (.head, endpoint)], to: v1)
        }
        func write(_ path: RouterPath, _ endpoint: @escaping APIEndpoint) {
            addAPIRoute(path, [(.post, endpoint)], to: v1)
        }
        /// A job's own endpoints, for the slug `slug` finds.
        func job(_ slug: @escaping @Sendable (Parameters) throws -> String) -> [(HTTPRequest.Method, APIEndpoint)] {
            let get: APIEndpoint = { parameters in
                let slug = try slug(parameters)
                return { try await api.job(slug: slug, $0) }
            }
            return [
                (.get, get), (.head, get),
                (.put, { parameters in let slug = try slug(parameters); return { try await api.putJob(slug: slug, $0) } }),
                (.patch, { parameters in let slug = try slug(parameters); return { try await api.patchJob(slug: slug, $0) } }),
                (.delete, { parameters in let slug = try slug(parameters); return { try await api.deleteJob(slug: slug, $0) } }),
            ]
        }
        func slugWrite(_ action: String, _ endpoint: @escaping @Sendable (BoardAPI, String, APIRequest) async throws -> APIReply) {
            write("jobs/:slug/\(action)") { parameters in
                let slug = try parameters.decoded("slug")
                return { try await endpoint(api, slug, $0) }
            }
        }
        read("status") { _ in { try await api.status($0) } }
        read("board") { _ in { try await api.board($0) } }
        read("alerts") { _ in { try await api.alerts($0) } }
        read("audit") { _ in { try await api.auditTrail($0) } }
        read("openapi.json") { _ in { _ in BoardAPI.openAPIDocument() } }
        let list: APIEndpoint = { _ in { try await api.jobList($0) } }
        let create: APIEndpoint = { _ in { try await api.createJob($0) } }
        let apply: APIEndpoint = { _ in { try await api.applyJobsFile($0) } }
        addAPIRoute("jobs", [(.get, list), (.head, list), (.post, create)], to: v1)
        addAPIRoute("jobs/:slug", job { try $0.decoded("slug") }, to: v1)
        // `apply` is a valid slug: the job named so keeps every method but POST.
        addAPIRoute("jobs/apply", job { _ in "apply" } + [(.post, apply)], to: v1)
        read("jobs/:slug/key") { parameters in
            let slug = try parameters.decoded("slug")
            return { try await api.jobKey(slug: slug, $0) }
        }
        write("alerts/:id/ack") { parameters in
            let id = try parameters.decoded("id")
            return { try await api.acknowledge(alert: BoardAPI.alertID(id), $0) }
        }
        slugWrite("mute") { try await $0.mute(job: $1, $2) }
        slugWrite("unmute") { try await $0.unmute(job: $1, $2) }
        slugWrite("pause") { try await $0.setPaused(true, job: $1, $2) }
        slugWrite("resume") { try await $0.setPaused(false, job: $1, $2) }
        slugWrite("rotate-key") { try await $0.rotateKey(slug: $1, $2) }
        write("notifications/test/:channel") { parameters in
            let channel = try parameters.decoded("channel")
            return { try await api.testNotification(channel: channel, $0) }
        }
        router.add(middleware: APIFallback(server: self))
    }

    /// `path` answered by its `endpoints`, each for its method, and by a 405 for the API's other methods.
    private func addAPIRoute(
        _ path: RouterPath, _ endpoints: [(HTTPRequest.Method, APIEndpoint)], to group: RouterGroup<IngestRequestContext>
    ) {
        let allow = endpoints.map(\.0.rawValue).joined(separator: ", ")
        for method in Self.apiMethods {
            if let endpoint = endpoints.first(where: { $0.0 == method })?.1 {
                group.on(path, method: method) { request, context in
                    let answer = try endpoint(context.parameters)
                    return await self.respondToAPI(request, context: context, with: answer)
                }
            } else {
                group.on(path, method: method) { request, context in
                    await self.respondToAPI(request, context: context) { _ in BoardAPI.notAllowed(allow) }
                }
            }
        }
    }

    /// Reads the request off the wire (a write's body up to `apiBodyLimit`) and lets `BoardAPI` answer it.
    fileprivate func respondToAPI(
        _ request: Request, context: IngestRequestContext, with endpoint: (APIRequest) async throws -> APIReply
    ) async -> Response {
        var apiRequest = APIRequest(
            method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query.map(QueryString.parse) ?? [], authorization: request.headers[.authorization],
            ifNoneMatch: request.headers[.ifNoneMatch],
            proxied: request.headers[Self.forwardedForHeader] != nil || request.headers[Self.forwardedHeader] != nil,
            client: ClientAddress.resolve(
                peer: context.peerAddress, forwardedFor: request.headers[Self.forwardedForHeader],
                trusted: configuration.trustedProxies),
            signature: request.headers[Self.signatureHeader].map { String($0.prefix(200)) })
        if request.method != .get && request.method != .head {
            // A jobs file may be as large as the jobs file reader takes, escaped as a JSON string.
            let limit = request.uri.path.hasSuffix("/jobs/apply") ? Self.applyBodyLimit : Self.apiBodyLimit
            do {
                let buffer = try await request.body.collect(upTo: limit)
                apiRequest.body = Array(buffer.readableBytesView)
            } catch {
                return Self.response(
                    BoardAPI.error(413, "the request body is larger than \(limit / 1024) KB or could not be read"))
            }
        }
        let reply = await api.handle(apiRequest, with: endpoint)
        return Self.response(ResponseCompression.encode(reply, acceptEncoding: request.headers[.acceptEncoding]))
    }
}

/// Answers what no route matched below `/api/v1/` with `BoardAPI`'s JSON 404. Added after the routes, it
/// wraps only the router's not-found responder, whose `HTTPError(.notFound)` it replaces.
private struct APIFallback: RouterMiddleware {
    let server: BoardServer

    func handle(
        _ request: Request, context: IngestRequestContext,
        next: (Request, IngestRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && Self.covers(request) {
            return await server.respondToAPI(request, context: context) { BoardAPI.noSuchRoute($0.path) }
        }
    }

    /// A path below `/api/v1/` asked with one of the API's methods.
    static func covers(_ request: Request) -> Bool {
        let segments = request.uri.path.split(separator: "/")
        return segments.count > 2 && segments[0] == "api" && segments[1] == "v1"
            && BoardServer.apiMethods.contains(request.method)
    }
}

extension Parameters {
    /// A path parameter, percent-decoded as the query is (`nas%2Dphotos` is `nas-photos`, `+` a space).
    fileprivate func decoded(_ name: String) throws -> String {
        QueryString.decode(try require(name))
    }
}
