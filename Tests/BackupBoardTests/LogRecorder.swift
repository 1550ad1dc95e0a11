import Logging
import Synchronization

/// A logger whose lines stay in memory, for tests that read what was logged and at which level.
final class LogRecorder: Sendable {
    /// One logged line.
    struct Line: Equatable, Sendable {
        var level: Logger.Level
        var message: String
    }

    private let recorded = Mutex<[Line]>([])

    /// What was logged so far, in order.
    var lines: [Line] { recorded.withLock { $0 } }

    /// A logger that records here, at every level.
    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.recorded.withLock { $0.append(Line(level: event.level, message: event.message.description)) }
        }
    }
}
