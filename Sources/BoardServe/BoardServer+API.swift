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
            addAPIRoute(path, allowing: [.get, .head], to: v1, endpoint)
        }
        func write(_ path: RouterPath, _ endpoint: @escaping APIEndpoint) {
            addAPIRoute(path, allowing: [.post], to: v1, endpoint)
        }
        read("status") { _ in { try await api.status($0) } }
        read("board") { _ in { try await api.board($0) } }
        read("alerts") { _ in { try await api.alerts($0) } }
        read("jobs/:slug") { parameters in
            let slug = try parameters.decoded("slug")
            return { try await api.job(slug: slug, $0) }
        }
        write("alerts/:id/ack") { parameters in
            let id = try parameters.decoded("id")
            return { try await api.acknowledge(alert: BoardAPI.alertID(id), $0) }
        }
        write("jobs/:slug/mute") { parameters in
            let slug = try parameters.decoded("slug")
            return { try await api.mute(job: slug, $0) }
        }
        write("jobs/:slug/unmute") { parameters in
            let slug = try parameters.decoded("slug")
            return { try await api.unmute(job: slug, $0) }
        }
        write("jobs/:slug/pause") { parameters in
            let slug = try parameters.decoded("slug")
            return { try await api.pause(job: slug, $0) }
        }
        write("jobs/:slug/resume") { parameters in
            let slug = try parameters.decoded("slug")
            return { try await api.resume(job: slug, $0) }
        }
        write("notifications/test/:channel") { parameters in
            let channel = try parameters.decoded("channel")
            return { try await api.testNotification(channel: channel, $0) }
        }
        router.add(middleware: APIFallback(server: self))
    }

    /// `path` answered by `endpoint` for the methods `allowed`, and by a 405 for the API's other methods.
    private func addAPIRoute(
        _ path: RouterPath, allowing allowed: [HTTPRequest.Method], to group: RouterGroup<IngestRequestContext>,
        _ endpoint: @escaping APIEndpoint
    ) {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in Self.apiMethods {
            if allowed.contains(method) {
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
                trusted: configuration.trustedProxies))
        if request.method != .get && request.method != .head {
            do {
                let buffer = try await request.body.collect(upTo: Self.apiBodyLimit)
                apiRequest.body = Array(buffer.readableBytesView)
            } catch {
                return Self.response(
                    BoardAPI.error(413, "the request body is larger than \(Self.apiBodyLimit / 1024) KB or could not be read"))
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
