/// The one error type of BoardModel. Each message names the thing and the cause, for a user to read.
public enum BoardError: Error, Equatable, CustomStringConvertible {
    /// The database could not be opened, read or written.
    case database(path: String, reason: String)
    /// A jobs file could not be read or has errors; `line` is known for syntax errors.
    case jobsFile(path: String, line: Int?, message: String)
    /// A schedule (interval or cron) could not be understood.
    case invalidSchedule(text: String, reason: String)
    /// A value given on the command line or in a file is not acceptable.
    case invalidValue(String)
    /// No job has this slug.
    case unknownJob(String)
    /// A job with this slug (or key) exists already.
    case duplicateJob(String)

    public var description: String {
        switch self {
        case .database(let path, let reason):
            "Cannot use database at \(path): \(reason)"
        case .jobsFile(let path, let line?, let message):
            "\(path):\(line): \(message)"
        case .jobsFile(let path, nil, let message):
            "\(path): \(message)"
        case .invalidSchedule(let text, let reason):
            "Invalid schedule '\(text)': \(reason)"
        case .invalidValue(let message):
            message
        case .unknownJob(let slug):
            "No job named '\(slug)'"
        case .duplicateJob(let slug):
            "A job named '\(slug)' already exists"
        }
    }
}
