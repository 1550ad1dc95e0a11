import BoardModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Posts heartbeats to the server: one `URLSession` request per attempt, retried with exponential
/// backoff and jitter on network errors and 5xx answers, never on 4xx (a wrong key stays wrong).
package struct HeartbeatSender: Sendable {
    /// How long to wait and how often to try.
    package struct Policy: Sendable, Equatable {
        /// Per attempt: the request must be answered within this.
        var timeout: TimeInterval = 10
        /// Attempts after the first.
        var retries: Int = 3
        /// The wait before each retry: from 1 s, doubling up to 30 s, with up to half of it taken off at random so
        /// that clients cut off together do not come back together.
        var backoff: RetryBackoff

        package init(timeout: TimeInterval = 10, retries: Int = 3, backoff: RetryBackoff = RetryBackoff(base: 1, cap: 30, jitter: 0.5)) {
            self.timeout = timeout
            self.retries = retries
            self.backoff = backoff
        }
    }

    /// How a delivery ended.
    package enum Outcome: Equatable, Sendable {
        /// The server answered 2xx: the heartbeat is committed.
        case delivered
        /// 404: the server knows no job with this key.
        case unknownKey
        /// Another 4xx: sending the same request again would not help.
        case refused(status: Int)
        /// Every attempt met a network error or a 5xx; `reason` says what the last one was.
        case unreachable(reason: String)
    }

    var policy = Policy()

    package init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Sends `delivery`, retrying as the policy says. `late` adds `Heartbeat-Sent-At` with the
    /// delivery's original time, for heartbeats that come out of the spool.
    func send(_ delivery: HeartbeatDelivery, late: Bool = false) async -> Outcome {
        guard let url = URL(string: delivery.url), url.scheme == "http" || url.scheme == "https" else {
            return .refused(status: 0)
        }
        var request = URLRequest(url: url, timeoutInterval: policy.timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(delivery.body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(delivery.heartbeatID, forHTTPHeaderField: "Heartbeat-Id")
        request.setValue("backupboard/\(BoardVersion.current)", forHTTPHeaderField: "User-Agent")
        if late {
            request.setValue(HeartbeatDelivery.timestamp(delivery.createdAt), forHTTPHeaderField: "Heartbeat-Sent-At")
        }

        var reason = "no attempt made"
        for attempt in 0...max(0, policy.retries) {
            if attempt > 0 {
                try? await Task.sleep(for: .seconds(policy.backoff.delay(afterFailures: attempt)))
            }
            switch await attemptOnce(request) {
            case .success(let status) where (200..<300).contains(status):
                return .delivered
            case .success(404):
                return .unknownKey
            case .success(let status) where (500..<600).contains(status):
                reason = "the server answered \(status)"
            case .success(let status):
                return .refused(status: status)
            case .failure(let error):
                reason = error.message
            }
        }
        return .unreachable(reason: reason)
    }

    struct NetworkError: Error {
        let message: String
    }

    private func attemptOnce(_ request: URLRequest) async -> Result<Int, NetworkError> {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = policy.timeout
        configuration.timeoutIntervalForResource = policy.timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        return await withCheckedContinuation { continuation in
            let task = session.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(returning: .failure(NetworkError(message: error.localizedDescription)))
                } else if let http = response as? HTTPURLResponse {
                    continuation.resume(returning: .success(http.statusCode))
                } else {
                    continuation.resume(returning: .failure(NetworkError(message: "the answer was not HTTP")))
                }
            }
            task.resume()
        }
    }
}
