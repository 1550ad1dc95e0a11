import AsyncHTTPClient
import BoardHTTP
import BoardWire
import BoardModel
import Foundation

/// Uses `serve`'s JSON API: `GET /api/v1/board` for `status --server` and the remote board, the jobs API for
/// `jobs … --server` (`BoardAPIClient+Jobs.swift`).
package struct BoardAPIClient: Sendable {
    /// The server's base URL, such as `http://127.0.0.1:8470`.
    let server: URL
    /// Sent as `Authorization: Bearer TOKEN` when set.
    let token: String?
    var timeout: TimeInterval = 10
    /// Sent as `BackupBoard-Signature` when set: who makes the changes, for the server's audit trail.
    package var signature: String?

    package init(server: URL, token: String?, timeout: TimeInterval = 10, signature: String? = nil) {
        self.server = server
        self.token = token
        self.timeout = timeout
        self.signature = signature
    }

    /// Why the board could not be read, in one sentence.
    package struct Failure: Error, CustomStringConvertible {
        package let description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// An answer: HTTP status, body and ETag.
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
        var etag: String?
        /// `Evaluator-Last-Tick`, on the board's answers.
        var evaluatorLastTick: Date? = nil
    }

    /// The whole board, judged by the server, in the compact format.
    package func board() async throws -> BoardDocument {
        let answer = try await send(request("api/v1/board", query: [URLQueryItem(name: "format", value: String(BoardDocument.format))]))
        return try board(answer)
    }

    /// `answer`'s body as the compact board, its rows read by hand (`BoardDocument.init(json:)`), when the
    /// status is a success; else the server's own error sentence.
    func board(_ answer: Answer) throws -> BoardDocument {
        try requireSuccess(answer, doing: "show the board")
        do {
            return try BoardDocument(json: answer.body)
        } catch {
            throw unexpectedAnswer
        }
    }

    /// The fleet's counts and level (`GET /api/v1/status`): what a status bar needs, in a few hundred bytes.
    package func status() async throws -> FleetStatusDocument {
        let answer = try await send(request("api/v1/status"))
        return try decode(FleetStatusDocument.self, answer, doing: "give its status")
    }

    /// Asks the server to send a test notification through `channel` and waits for what came of it
    /// (`notify test --server`): the server waits up to 30 s, so this waits a little longer.
    package func testNotification(channel: String) async throws -> NotificationTestDocument {
        let encoded = channel.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? channel
        let answer = try await send(request("api/v1/notifications/test/\(encoded)", method: "POST", json: [:]), timeout: 45)
        return try decode(NotificationTestDocument.self, answer, doing: "send a test notification to \(channel)")
    }

    /// A request to `path` (below the server's URL) with the token, JSON accepted and, for writes, a JSON body.
    func request(
        _ path: String, query: [URLQueryItem] = [], method: String = "GET", json body: [String: String]? = nil
    ) -> HTTPClientRequest {
        request(path, query: query, method: method, body: body.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) })
    }

    /// A request to `path` with the token and signature, JSON accepted and, when given, a JSON `body`.
    func request(_ path: String, query: [URLQueryItem] = [], method: String, body: Data?) -> HTTPClientRequest {
        var components = URLComponents(url: server.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query }
        var request = HTTPClientRequest(url: components.url!.absoluteString)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let signature { request.headers.add(name: BoardAPIHeader.signature, value: signature) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body))
        }
        return request
    }

    /// Throws the server's own error sentence unless the status is a success (200–204).
    func requireSuccess(_ answer: Answer, doing what: String) throws {
        guard !(200...204).contains(answer.status) else { return }
        let message = (try? APIJSON.decoder().decode(APIErrorDocument.self, from: Data(answer.body)))?.error
            ?? "HTTP \(answer.status)"
        throw Failure(description: "The server at \(server.absoluteString) refused to \(what) (\(answer.status)): \(message).")
    }

    /// `answer`'s body as `type` when the status is a success; else the server's own error sentence.
    func decode<T: Decodable>(_ type: T.Type, _ answer: Answer, doing what: String) throws -> T {
        try requireSuccess(answer, doing: what)
        do {
            return try APIJSON.decoder().decode(type, from: Data(answer.body))
        } catch {
            throw unexpectedAnswer
        }
    }

    /// An answer that does not read as the document asked for.
    private var unexpectedAnswer: Failure {
        Failure(description: "The server at \(server.absoluteString) answered something that is not what BackupBoard expects.")
    }

    /// Sends `request` and waits up to `timeout` (the client's own when nil) for the whole answer.
    func send(_ request: HTTPClientRequest, timeout: TimeInterval? = nil) async throws -> Answer {
        let answer: HTTPAnswer
        do {
            answer = try await HTTPTransport.shared.send(request, timeout: timeout ?? self.timeout)
        } catch {
            throw Failure(description: "Cannot reach the server at \(server.absoluteString): \(error.reason).")
        }
        return Answer(
            status: answer.status, body: answer.body, etag: answer.header("ETag"),
            evaluatorLastTick: answer.header(BoardAPIHeader.evaluatorLastTick).flatMap { try? Date($0, strategy: .iso8601) })
    }
}
