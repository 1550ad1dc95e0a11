import Foundation

/// Builds one demo heartbeat two ways at once: the JSON body a backup script would send, and the
/// `HeartbeatReport` that body means. Each setter writes both, so the two can never disagree.
struct DemoPayload {
    private var members: [String] = []
    private(set) var report: HeartbeatReport

    /// A heartbeat whose body says `word` (the status as sent) and means `status`.
    init(_ status: HeartbeatStatus, word: String? = nil) {
        let word = word ?? status.rawValue
        report = HeartbeatReport(status: status, statusText: word)
        append("status", JSONString.quoted(word))
    }

    mutating func runID(_ id: String?) {
        guard let id else { return }
        append("run_id", JSONString.quoted(id))
        report.runID = id
    }

    /// Seconds as a bare integer, or with two decimals as Python's `time.time()` arithmetic sends them.
    mutating func duration(_ seconds: Double, decimals: Bool = false) {
        let text = decimals ? String(format: "%.2f", seconds) : String(Int(seconds.rounded()))
        append("duration", text)
        report.duration = Measured(Double(text) ?? seconds, text: text)
    }

    /// Bytes as a bare number (`stat -c%s`).
    mutating func size(bytes: Int64, key: String = "size") {
        let text = String(bytes)
        append(key, text)
        report.size = Measured(Double(bytes), text: text)
    }

    /// A size as text (`45.2GB`, `12345 bytes`); the report holds what the text means.
    mutating func size(text: String, key: String = "size") {
        append(key, JSONString.quoted(text))
        report.size = Measured(Double(HumanUnits.size(text) ?? 0), text: text)
    }

    mutating func files(_ count: Int64, key: String = "files") {
        append(key, String(count))
        report.files = count
    }

    mutating func rate(_ text: String, key: String = "transfer_rate") {
        append(key, JSONString.quoted(text))
        report.rate = Measured(HumanUnits.rate(text) ?? 0, text: text)
    }

    mutating func ratio(_ text: String, key: String = "compression_ratio") {
        append(key, JSONString.quoted(text))
        report.ratio = Measured(HumanUnits.ratio(text) ?? 0, text: text)
    }

    mutating func hash(_ hash: String, key: String = "hash") {
        append(key, JSONString.quoted(hash))
        report.hash = hash
    }

    mutating func progress(_ percent: Int) {
        append("progress", String(percent))
        report.progress = Double(percent)
    }

    /// An error message and, when the script sends one, its exit code.
    mutating func error(_ message: String, exitCode: Int?) {
        append("error", JSONString.quoted(message))
        report.message = message
        if let exitCode {
            append("exit_code", String(exitCode))
            report.exitCode = exitCode
        }
    }

    /// Any other field: kept in the report as text.
    mutating func field(_ key: String, _ value: String) {
        append(key, JSONString.quoted(value))
        report.fields[key] = value
    }

    mutating func field(_ key: String, _ value: Int) {
        append(key, String(value))
        report.fields[key] = String(value)
    }

    mutating func field(_ key: String, _ value: Bool) {
        append(key, value ? "true" : "false")
        report.fields[key] = value ? "true" : "false"
    }

    /// The JSON body, keys in the order they were set (as a shell script writes them).
    var body: String { "{" + members.joined(separator: ",") + "}" }

    func event(slug: String, at date: Date) -> DemoEvent {
        DemoEvent(slug: slug, at: date, report: report, body: body)
    }

    private mutating func append(_ key: String, _ literal: String) {
        members.append(JSONString.quoted(key) + ":" + literal)
    }
}
