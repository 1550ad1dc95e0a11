import HTTPTypes
import Hummingbird
import NIOCore

/// `CONNECT` and `TRACE` are no method of this server's (it is no proxy, and TRACE echoes what a client
/// sent): answered 405 with `Allow`, a length and `Connection: close` on every path, before any route is
/// looked up, so such a request never leaves a connection waiting.
struct UnservedMethods: RouterMiddleware {
    typealias Context = IngestRequestContext

    /// What the server answers somewhere: heartbeats, `/healthz`, `/metrics` and the API.
    static let allow = "GET, HEAD, POST, PUT, PATCH, DELETE"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .connect || request.method == .trace else { return try await next(request, context) }
        let body = "\(request.method.rawValue) is not a method of backupboard serve\n"
        return Response(
            status: .methodNotAllowed,
            headers: [.allow: Self.allow, .contentType: "text/plain; charset=utf-8", .connection: "close"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
