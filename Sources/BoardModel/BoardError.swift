/// The one error type of BoardModel. Each message names the thing and the cause, for a user to read.
public enum BoardError: Error, Equatable, CustomStringConvertible {
    /// The database could not be opened, read or written.
    case database(path: String, reason: String)
    /// The database could not be written now but may be in a moment: SQLite stayed busy past its timeout, or
    /// PostgreSQL ended the connection under a transaction (another connection of the pool will do). Ingest
    /// tries such a batch again before it answers 503.
    case busy(path: String, reason: String)
    /// A jobs file could not be read or has errors; `line` is known for syntax errors.
    case jobsFile(path: String, line: Int?, message: String)
    /// A jobs file has several errors, all reported at once: one line each, in file order.
    /// (A file with a single error throws `jobsFile(path:line:message:)`.)
    case jobsFileProblems(path: String, problems: [JobsFileProblem])
    /// A schedule (interval or cron) could not be understood.
    case invalidSchedule(text: String, reason: String)
    /// A value given on the command line or in a file is not acceptable.
    case invalidValue(String)
    /// No job has this slug.
    case unknownJob(String)
    /// A job with this slug (or key) exists already.
    case duplicateJob(String)
    /// A job sent to the API in the jobs file's keys has errors: each in the jobs file's words, in key order.
    case invalidDefinition([String])

    public var description: String {
        switch self {
        case .database(let path, let reason), .busy(let path, let reason):
            "Cannot use database at \(path): \(reason)"
        case .jobsFile(let path, let line?, let message):
            "\(path):\(line): \(message)"
        case .jobsFile(let path, nil, let message):
            "\(path): \(message)"
        case .jobsFileProblems(let path, let problems):
            problems.map { BoardError.jobsFile(path: path, line: $0.line, message: $0.message).description }
                .joined(separator: "\n")
        case .invalidSchedule(let text, let reason):
            "Invalid schedule '\(text)': \(reason)"
        case .invalidValue(let message):
            message
        case .unknownJob(let slug):
            "No job named '\(slug)'"
        case .duplicateJob(let slug):
            "A job named '\(slug)' already exists"
        case .invalidDefinition(let problems):
            problems.joined(separator: "; ")
        }
    }
}

/// One error found in a jobs file: the line it is on (when known) and a sentence naming the job and the key.
public struct JobsFileProblem: Sendable, Equatable {
    /// 1-based line in the file, or nil when the problem has no single place (a job missing a key).
    public var line: Int?
    /// What is wrong, e.g. `unknown key 'grase' in job 'db-prod' (did you mean 'grace'?)`.
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }
}
