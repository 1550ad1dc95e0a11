import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOHTTPCompression
import NIOSSL
import Synchronization

/// Every HTTP request the binary makes goes through here, on AsyncHTTPClient (docs/architecture.md §11): the API
/// client, the remote board, `ping`/`run` and the notifiers. It builds the clients the way libcurl behaved:
/// gzip asked and decoded, TLS verified against the system's trust store and `SSL_CERT_FILE`/`SSL_CERT_DIR`, the
/// proxy environment honoured (`ProxyEnvironment`). One client per proxy in use (most processes: one, direct),
/// on NIO's shared event loops, made at the first request and kept for the life of the process, so none is
/// ever released without being shut down.
package final class HTTPTransport: Sendable {
    /// The process's transport, read from its environment.
    package static let shared = HTTPTransport(environment: ProcessInfo.processInfo.environment)

    /// How far a gzip answer may inflate: the 10,000-job board is 25 MB from 1.3 MB (about 20 times); gzip's
    /// own ceiling is about 1,000 times, which is what a decompression bomb uses.
    package static let decompressionRatio = 200

    /// The largest answer read by default (after decompression): the board of a very large fleet.
    package static let defaultLimit = 1 << 30

    /// The largest answer read from a heartbeat's or a notification's endpoint: a status and a short message.
    package static let statusLimit = 1 << 20

    private let proxies: ProxyEnvironment
    private let tls: TLSConfiguration
    private let clients = Mutex<[HTTPClient.Configuration.Proxy?: HTTPClient]>([:])

    private init(environment: [String: String]) {
        proxies = ProxyEnvironment(environment)
        tls = Self.tlsConfiguration(environment)
    }

    /// Sends `request` (gzip asked) and reads the whole answer, or throws why not: no answer within `timeout`
    /// seconds, an answer over `limit` bytes, or a network failure, each as one clause (`HTTPFailure`).
    package func send(_ request: HTTPClientRequest, timeout: TimeInterval, limit: Int = defaultLimit) async throws(HTTPFailure) -> HTTPAnswer {
        var request = request
        request.headers.replaceOrAdd(name: "Accept-Encoding", value: "gzip, deflate")
        guard let url = URL(string: request.url), let host = url.host, !host.isEmpty else {
            throw HTTPFailure(reason: "\(request.url) is not a URL with a host")
        }
        // AsyncHTTPClient traps on a port outside 16 bits.
        if let port = url.port, !(1...65535).contains(port) {
            throw HTTPFailure(reason: "port \(port) is not a TCP port (1 to 65535)")
        }
        let proxy: HTTPClient.Configuration.Proxy?
        do {
            proxy = try proxies.proxy(for: url)?.configuration
        } catch {
            throw HTTPFailure(reason: error.description)
        }
        do {
            let response = try await client(through: proxy).execute(request, timeout: .milliseconds(Int64((timeout * 1000).rounded())))
            let body = try await response.body.collect(upTo: limit)
            return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
        } catch {
            let failure = HTTPFailure(error, timeout: timeout, limit: limit)
            throw proxy.map { HTTPFailure(reason: failure.reason + ", through the proxy \($0.host):\($0.port)") } ?? failure
        }
    }

    /// The client for `proxy`, made the first time it is needed.
    private func client(through proxy: HTTPClient.Configuration.Proxy?) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[proxy] { return client }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false),
                timeout: .init(connect: .seconds(10)), proxy: proxy,
                decompression: .enabled(limit: .ratio(Self.decompressionRatio)))
            // A refused connection fails the request at once, as libcurl's did, instead of being tried again
            // until the request's deadline.
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
            clients[proxy] = client
            return client
        }
    }

    /// The system's trust store, with `SSL_CERT_DIR` in place of its directory and `SSL_CERT_FILE`'s certificates
    /// added, when they are set and exist.
    static func tlsConfiguration(_ environment: [String: String]) -> TLSConfiguration {
        func path(_ name: String) -> String? {
            guard let path = environment[name], !path.isEmpty, FileManager.default.fileExists(atPath: path) else { return nil }
            return path
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let directory = path("SSL_CERT_DIR") { tls.trustRoots = .file(directory) }
        if let file = path("SSL_CERT_FILE") { tls.additionalTrustRoots = [.file(file)] }
        return tls
    }
}

/// An answer: status, headers and the whole body, decompressed.
package struct HTTPAnswer: Sendable {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: [UInt8]

    /// The first value of header `name`.
    package func header(_ name: String) -> String? {
        headers.first(name: name)
    }
}

/// Why a request got no answer, as a clause that follows "Cannot reach the server at URL: ".
package struct HTTPFailure: Error, CustomStringConvertible {
    package let reason: String

    package var description: String { reason }

    package init(reason: String) {
        self.reason = reason
    }

    init(_ error: any Error, timeout: TimeInterval, limit: Int) {
        reason = Self.reason(error, timeout: timeout, limit: limit)
    }

    private static func reason(_ error: any Error, timeout: TimeInterval, limit: Int) -> String {
        let waited = "no answer within \(timeout.formatted(.number.precision(.fractionLength(0...1)))) s"
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                return waited
            case .remoteConnectionClosed:
                return "the connection was closed before the answer was complete"
            case .invalidProxyResponse, .proxyAuthenticationRequired:
                return "the proxy refused to open the connection (\(error))"
            case .redirectLimitReached, .redirectCycleDetected:
                return "too many redirects"
            case .cancelled:
                return "the request was cancelled"
            default:
                return "\(error)"
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return "no such host: \(error.host)"
            }
            return error.connectionErrors.first.map { connection($0.error) } ?? "could not connect"
        case let error as NIOSSLError:
            if case .handshakeFailed(let inner) = error, "\(inner)".contains("CERTIFICATE_VERIFY_FAILED") {
                return "its TLS certificate is not signed by a trusted authority (the system's, SSL_CERT_FILE's or SSL_CERT_DIR's)"
            }
            return "TLS failed: \(error)"
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return "its TLS certificate is for another host"
        case let error as NIOHTTPDecompression.DecompressionError where error == .limit:
            return "the answer inflates more than \(HTTPTransport.decompressionRatio) times when decompressed, refused"
        case is NIOTooManyBytesError:
            return "the answer is larger than \(limit / (1 << 20)) MB"
        case is CancellationError:
            return "the request was cancelled"
        default:
            return connection(error)
        }
    }

    /// A socket's failure in plain words.
    private static func connection(_ error: any Error) -> String {
        guard let error = error as? IOError else { return "\(error)" }
        switch error.errnoCode {
        case ECONNREFUSED: return "connection refused"
        case ENETUNREACH, EHOSTUNREACH: return "no route to the host"
        case ECONNRESET: return "the connection was reset"
        case ETIMEDOUT: return "the connection timed out"
        default: return String(cString: strerror(error.errnoCode)).lowercased()
        }
    }
}
