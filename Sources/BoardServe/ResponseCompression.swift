import CompressNIO
import NIOCore

/// gzip for the JSON API when the client asks for it with `Accept-Encoding`, through compress-nio (zlib): a
/// 10,000-job board is tens of megabytes of JSON and a few of gzip. The remote board and `status --server`
/// ask (`HTTPTransport` sends `Accept-Encoding` and AsyncHTTPClient decodes the answer). Only API answers are
/// encoded, here where they are made: heartbeat answers (`OK`), `/healthz` and `/metrics` stay as they are.
enum ResponseCompression {
    /// Bodies shorter than this are sent as they are: compressing them saves less than the header costs.
    static let minimumLength = 1_024

    /// The output window of a streamed body: a chunk of gzip goes out each time it fills.
    static let windowSize = 64 * 1024

    /// `reply`, gzipped when `acceptEncoding` allows it and the body is worth it (a stream always is); with
    /// `Vary` either way.
    static func encode(_ reply: APIReply, acceptEncoding: String?) -> APIReply {
        var reply = reply
        reply.headers.append(("Vary", "Accept-Encoding"))
        if let stream = reply.stream {
            guard accepts(gzipIn: acceptEncoding) else { return reply }
            reply.stream = gzip(stream)
            reply.headers.append(("Content-Encoding", "gzip"))
            return reply
        }
        guard reply.body.count >= minimumLength, accepts(gzipIn: acceptEncoding) else { return reply }
        var plain = ByteBuffer(bytes: reply.body)
        guard let gzipped = try? plain.compress(with: .gzip()) else { return reply }
        reply.body = Array(gzipped.readableBytesView)
        reply.headers.append(("Content-Encoding", "gzip"))
        return reply
    }

    /// `stream` gzipped as it is written, one zlib stream over every chunk: memory stays one window.
    static func gzip(_ stream: APIStream) -> APIStream {
        APIStream { emit in
            let compressor = CompressionAlgorithm.gzip().compressor
            compressor.window = ByteBufferAllocator().buffer(capacity: windowSize)
            try compressor.startStream()
            defer { try? compressor.finishStream() }
            try await stream.write { chunk in
                var input = ByteBuffer(bytes: chunk)
                try await input.compressStream(with: compressor, flush: .no) { try await emit(Array($0.readableBytesView)) }
            }
            var end = ByteBuffer()
            try await end.compressStream(with: compressor, flush: .finish) { try await emit(Array($0.readableBytesView)) }
        }
    }

    /// Whether an `Accept-Encoding` value takes gzip: named (or `*`) without `q=0`.
    static func accepts(gzipIn header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }
}
