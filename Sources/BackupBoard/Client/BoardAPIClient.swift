import BoardModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Reads `serve`'s JSON API (`GET /api/v1/board`) for `status --server` and the remote board.
struct BoardAPIClient: Sendable {
    /// The server's base URL, such as `http://127.0.0.1:8470`.
    let server: URL
    /// Sent as `Authorization: Bearer TOKEN` when set.
    let token: String?
    var timeout: TimeInterval = 10

    /// Why the board could not be read, in one sentence.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The whole board, judged by the server.
    func board() async throws -> BoardDocument {
        let url = server.appendingPathComponent("api/v1/board")
        var request = URLRequest(url: url)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, status) = try await fetch(request)
        guard status == 200 else {
            let message = (try? APIJSON.decoder().decode(APIErrorDocument.self, from: data))?.error ?? "HTTP \(status)"
            throw Failure(description: "The server at \(server.absoluteString) refused to show the board (\(status)): \(message).")
        }
        do {
            return try APIJSON.decoder().decode(BoardDocument.self, from: data)
        } catch {
            throw Failure(description: "The server at \(server.absoluteString) answered something that is not a BackupBoard board.")
        }
    }

    private func fetch(_ request: URLRequest) async throws -> (Data, Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let server = self.server
        return try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: Failure(
                        description: "Cannot reach the server at \(server.absoluteString): \(error.localizedDescription)."))
                } else if let http = response as? HTTPURLResponse {
                    continuation.resume(returning: (data ?? Data(), http.statusCode))
                } else {
                    continuation.resume(throwing: Failure(description: "The server at \(server.absoluteString) did not answer HTTP."))
                }
            }
            task.resume()
        }
    }
}
