import BoardModel

/// Why a heartbeat could not be committed: the request is answered 503 with this reason.
struct WriteFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A few words for the client and the log ("database is locked", "disk is full").
    var reason: String
    /// Whether trying again soon may succeed: SQLite was busy, or PostgreSQL ended the connection under the
    /// transaction (idle past the limit, or ended by the instance that took over this one's expired lease:
    /// docs/high-availability.md) and another connection of the pool will do.
    var isBusy: Bool

    init(reason: String, isBusy: Bool = false) {
        self.reason = reason
        self.isBusy = isBusy
    }

    /// Classifies an error thrown by the store. `BoardStore` reports SQLITE_BUSY and SQLITE_LOCKED
    /// as "database is locked".
    init(_ error: any Error) {
        if let error = error as? BoardError, case .database(_, let reason) = error {
            self.init(
                reason: reason,
                isBusy: reason == "database is locked" || reason.contains("SQLSTATE 25P03") || reason.contains("SQLSTATE 57P01")
                    || reason.hasSuffix("the server closed the connection"))
        } else {
            self.init(reason: String(describing: error))
        }
    }

    /// The server is stopping and takes no new heartbeats.
    static let shuttingDown = WriteFailure(reason: "the server is shutting down")

    var description: String { reason }
}
