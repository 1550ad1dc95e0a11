import AsyncHTTPClient
import BoardHTTP
import BoardModel
import Foundation

/// Posts heartbeats to the server: one request per attempt (`HTTPTransport`, with the proxy environment), retried with exponential
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
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.body = .bytes(Array(delivery.body.utf8))
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Heartbeat-Id", value: delivery.heartbeatID)
        request.headers.add(name: "User-Agent", value: "backupboard/\(BoardVersion.current)")
        if late {
            request.headers.add(name: "Heartbeat-Sent-At", value: HeartbeatDelivery.timestamp(delivery.createdAt))
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
                reason = error.reason
            }
        }
        return .unreachable(reason: reason)
    }

    /// The answer's status, or why there was none.
    private func attemptOnce(_ request: HTTPClientRequest) async -> Result<Int, HTTPFailure> {
        do {
            return .success(try await HTTPTransport.shared.send(request, timeout: policy.timeout, limit: HTTPTransport.statusLimit).status)
        } catch {
            return .failure(error)
        }
    }
}
