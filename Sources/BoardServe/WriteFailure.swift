import BoardModel

/// Why a heartbeat could not be committed: the request is answered 503 with this reason.
struct WriteFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A few words for the client and the log ("database is locked", "disk is full").
    var reason: String
    /// Whether trying again soon may succeed: the store said so (`BoardError.busy`).
    var isBusy: Bool

    init(reason: String, isBusy: Bool = false) {
        self.reason = reason
        self.isBusy = isBusy
    }

    /// Classifies an error thrown by the store.
    init(_ error: any Error) {
        switch error as? BoardError {
        case .database(_, let reason): self.init(reason: reason)
        case .busy(_, let reason): self.init(reason: reason, isBusy: true)
        default:
            self.init(reason: String(describing: error))
        }
    }

    /// The server is stopping and takes no new heartbeats.
    static let shuttingDown = WriteFailure(reason: "the server is shutting down")

    var description: String { reason }
}
