import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How long a client may take, and how many may be connected at once: what keeps unauthenticated clients
/// from holding the server (docs/architecture.md §9).
package struct ConnectionLimits: Sendable, Equatable {
    /// From a connection's first byte (or its opening) to the end of a request's header.
    package var headerTimeout: TimeInterval = 10
    /// From a request's header to the end of its body.
    package var bodyTimeout: TimeInterval = 60
    /// A kept-alive connection with no request in it: closed by Hummingbird's own idle timer
    /// (`HTTP1Channel.Configuration.idleTimeout`), the rest here.
    package var idleTimeout: TimeInterval = 75
    /// Open connections; past it every request but `/healthz` is answered 503 and its connection closed.
    package var maxConnections = 1_000

    package init() {}
}

/// The HTTP/1 server channel with `ConnectionLimits` enforced around Hummingbird's: a handler in front of the
/// HTTP decoder sees a request's first bytes arrive, one after it sees the request's parts and the response's end.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let limits: ConnectionLimits
    let open: Connections

    /// The connections open now, shared by every channel of one server.
    final class Connections: Sendable {
        let count = Atomic(0)
        /// The most open at once since memory was last given back.
        private let peak = Atomic(0)
        /// After a flood, the buffers of its connections stay in the C allocator's free lists: a server
        /// that held 2,000 connections kept 50 MB after they closed. Past this many, the last one to
        /// close gives that memory back to the system.
        static let floodSize = 100

        func opened() {
            let now = count.add(1, ordering: .relaxed).newValue
            if now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
        }

        func closed() {
            guard count.subtract(1, ordering: .relaxed).newValue == 0,
                  peak.exchange(0, ordering: .relaxed) >= Self.floodSize else { return }
            #if os(Linux)
            _ = glibcMallocTrim(0)
            #endif
        }
    }

    static func builder(limits: ConnectionLimits) -> HTTPServerBuilder {
        let open = Connections()
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .milliseconds(Int64(limits.idleTimeout * 1_000)))),
                limits: limits, open: open)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let clock = ConnectionClock(limits: limits, open: open)
        do {
            try channel.pipeline.syncOperations.addHandler(FirstBytes(clock: clock), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // After the decoder and Hummingbird's codec, before the async channel that hands parts to the router.
            try channel.pipeline.syncOperations.addHandler(
                RequestParts(clock: clock), position: .before(try channel.pipeline.syncOperations.handler(type: HTTPConnectionStateHandler.self)))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// One connection's deadline: what it is waiting for, and the timer that closes it when that does not come.
/// Used only on the connection's event loop.
///
/// A phase change only moves `deadline`; the one timer, when it fires, closes the connection if the deadline
/// has passed and otherwise waits for the new one. So a request costs two clock reads, not a timer scheduled
/// and cancelled per phase.
final class ConnectionClock: @unchecked Sendable {
    enum Phase { case waitingForHeader, readingBody, responding, idle }

    let limits: ConnectionLimits
    let open: GuardedHTTP1Channel.Connections
    private(set) var phase = Phase.waitingForHeader
    /// When the connection is closed unless the phase moves on; nil while the server is answering.
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?
    /// When `timer` fires.
    private var timerAt: NIODeadline?
    /// Set for a request the server answers and then closes (CONNECT, or past the connection cap).
    var closeAfterResponse = false

    init(limits: ConnectionLimits, open: GuardedHTTP1Channel.Connections) {
        self.limits = limits
        self.open = open
    }

    func enter(_ phase: Phase, _ context: ChannelHandlerContext) {
        self.phase = phase
        let seconds: TimeInterval? = switch phase {
        case .waitingForHeader: limits.headerTimeout
        case .readingBody: limits.bodyTimeout
        case .responding, .idle: nil // idle: Hummingbird's idle timer closes the connection
        }
        deadline = seconds.map { .now() + .milliseconds(Int64($0 * 1_000)) }
        guard let deadline else { return }
        // A timer set for a later deadline (a body's 60 s, when the header's timer fired while the body was
        // read) would keep a connection past a shorter one that follows (the next request's header): it is set
        // again, earlier.
        if let timerAt, deadline < timerAt {
            timer?.cancel()
            timer = nil
        }
        if timer == nil { wake(at: deadline, context.channel, context.eventLoop) }
    }

    private func wake(at time: NIODeadline, _ channel: any Channel, _ loop: any EventLoop) {
        timerAt = time
        timer = loop.scheduleTask(deadline: time) { [self] in
            timer = nil
            timerAt = nil
            guard let deadline else { return } // answering: the response's end sets the next deadline
            if deadline <= .now() {
                channel.close(promise: nil)
            } else {
                wake(at: deadline, channel, loop)
            }
        }
    }

    func stop() {
        timer?.cancel()
        timer = nil
        timerAt = nil
        deadline = nil
    }
}

/// In front of the HTTP decoder: counts the connection, starts the header deadline, and restarts it when an
/// idle kept-alive connection's next request begins.
final class FirstBytes: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let clock: ConnectionClock
    private var counted = false

    init(clock: ConnectionClock) { self.clock = clock }

    func handlerAdded(context: ChannelHandlerContext) {
        if !counted {
            counted = true
            clock.open.opened()
        }
        clock.enter(.waitingForHeader, context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        clock.stop()
        if counted {
            counted = false
            clock.open.closed()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if clock.phase == .idle { clock.enter(.waitingForHeader, context) }
        context.fireChannelRead(data)
    }
}

/// After the decoder: a request's header ends the header deadline and starts the body's; its end stops the
/// clock; the response's end leaves the connection to Hummingbird's idle timer. Answered here, and the connection closed: every request
/// but `/healthz` past the connection cap, and `CONNECT` and `TRACE` (405 with `Allow` on every path: the
/// server is no proxy, and TRACE echoes what a client sent), before any route is looked up.
final class RequestParts: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What the server answers somewhere: heartbeats, `/healthz`, `/metrics` and the API.
    static let allow = "GET, HEAD, POST, PUT, PATCH, DELETE"

    let clock: ConnectionClock
    /// The request being answered here, whose later parts are not passed on.
    private var swallowing = false

    init(clock: ConnectionClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            clock.enter(.readingBody, context)
            if head.method == .connect || head.method == .trace {
                answer(405, "\(head.method.rawValue) is not a method of backupboard serve\n", allow: Self.allow, context)
                return
            }
            if clock.open.count.load(ordering: .relaxed) > clock.limits.maxConnections, head.path?.hasPrefix("/healthz") != true {
                answer(503, "too many connections (more than \(clock.limits.maxConnections)); try again shortly\n", allow: nil, context)
                return
            }
            context.fireChannelRead(data)
        case .body:
            if !swallowing { context.fireChannelRead(data) }
        case .end:
            if swallowing { return }
            // A response may end before its request does (an answer sent on the head alone): the connection stays
            // idle (or waiting for a header), or no idle timer would close it again.
            if clock.phase == .readingBody { clock.enter(.responding, context) }
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        if clock.closeAfterResponse {
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        } else {
            clock.enter(.idle, context)
            context.write(data, promise: promise)
        }
    }

    /// Answers the request here, with a length, and closes the connection after.
    private func answer(_ status: Int, _ text: String, allow: String?, _ context: ChannelHandlerContext) {
        swallowing = true
        clock.closeAfterResponse = true
        clock.enter(.responding, context)
        var head = HTTPResponse(status: .init(code: status))
        head.headerFields[.contentType] = "text/plain; charset=utf-8"
        head.headerFields[.contentLength] = String(text.utf8.count)
        head.headerFields[.connection] = "close"
        if let allow { head.headerFields[.allow] = allow }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(string: text))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }
}

#if os(Linux)
/// glibc's `malloc_trim` (`<malloc.h>`, which the Glibc module does not import): gives the allocator's free
/// memory back to the system.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
