import Foundation

/// Turns one heartbeat request into a `HeartbeatReport`: status, run id, exit code, measurements,
/// message, extra fields and the problems met on the way. Pure; never throws, never traps.
///
/// How it reads a request (docs/architecture.md §4):
/// - The URL suffix: `start` → started, `fail` → failed, `log` → log, a number → exit code.
/// - Query and body fields share one vocabulary. Field names match ignoring case, `_`, `-` and `.`
///   (`exit_code` = `exitCode`). A name sent twice: the body beats the query, the later beats the earlier.
/// - The body is JSON when it starts with `{` (whatever the Content-Type), form-encoded when every
///   `&`-separated part is `name=value`, else plain text: kept as `output`, as `message` when one short
///   line, and taken as the status when it is a single status word. Broken JSON is read by
///   `TolerantJSON`, and broken bodies of any kind are searched for `"status": "word"`.
/// - Aliases (first listed wins when several are sent): size ← size, total_size, bytes; files ← files,
///   total_files; hash ← hash, verification_hash; rate ← transfer_rate, speed; ratio ← ratio,
///   compression_ratio; progress ← progress, percent; message ← error, message, msg; run id ← rid,
///   run_id; duration ← duration, elapsed, then the query's `ping` (Uptime Kuma, milliseconds);
///   exit code ← exit_code, returncode; output ← output; sent_at → `sentAt` (the `Heartbeat-Sent-At`
///   header wins). Values that cannot be read stay in `fields` with a problem.
///
/// Contradictions resolve to the worse outcome:
/// - verification failed beats failed beats everything else. `matches_expected: false` is always a
///   verification failure; `verified: false` only on a `verified`/`verifying` heartbeat (or one with no
///   status), since on a `completed` one it more likely means "not verified".
/// - A non-zero exit code (suffix or field) is a failure whatever the status word says; an exit code that
///   is a number too large to hold is still non-zero.
/// - Among the rest, a claim that the run goes on (started, progress, log…) beats a claim that it ended
///   well; then the URL beats the query beats the body.
/// - `completed` with an `error` text stays completed, the error becoming the message. An `error` with no
///   status at all is a failure.
/// - A test ping (`"test": true` or status `test`) is status `test`, unless it also carries a failure.
/// - With no status at all: `verified` or `matches_expected` true → verified; a progress value → progress;
///   else completed (a ping is a success ping).
public enum HeartbeatParser {
    /// Reads `request`; whatever it holds, the answer is a report, its oddities listed in `problems`.
    public static func parse(_ request: HeartbeatRequest) -> HeartbeatReport {
        var reading = Reading(request: request)
        return reading.report()
    }

    /// The status a word names (case, `_`, `-` and spaces ignored), or nil for an unknown word.
    public static func status(forWord word: String) -> HeartbeatStatus? {
        switch normalized(word) {
        case "started", "start", "begin", "running": .started
        case "progress": .progress
        case "preparing": .preparing
        case "verifying": .verifying
        case "completed", "success", "ok", "done", "up", "finished": .completed
        case "failed", "fail", "failure", "error", "down": .failed
        case "verified": .verified
        case "verificationfailed": .verificationFailed
        case "log": .log
        case "test": .test
        default: nil
        }
    }

    /// Lowercased, without `_`, `-`, `.` and spaces: how field names and status words are compared.
    static func normalized(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { !"_-. ".unicodeScalars.contains($0) })
    }

    /// A date from epoch seconds (milliseconds above 10¹¹) or ISO 8601 with a zone.
    static func date(from text: String) -> Date? {
        let trimmed = text.trimmed()
        if let number = Double(trimmed), number.isFinite {
            let seconds = number > 1e11 ? number / 1_000 : number
            guard seconds >= 0, seconds < 1e11 else { return nil }
            return Date(timeIntervalSince1970: seconds)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: trimmed) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: trimmed)
    }
}

// MARK: - Reading one request

extension HeartbeatParser {
    /// One name/value pair from the query or the body.
    private struct Field {
        var name: String
        var key: String
        var value: JSONValue
        var fromQuery: Bool
        var used = false
    }

    /// Something in the request that says what the status is.
    private struct Claim {
        /// Where a claim came from, most deliberate first.
        enum Source: Int, Comparable {
            case url, query, body, rescued

            static func < (lhs: Source, rhs: Source) -> Bool { lhs.rawValue < rhs.rawValue }
        }

        var status: HeartbeatStatus
        /// How it was sent, for problem sentences: `status 'ok'`, `URL /fail`, `exit code 2`.
        var label: String
        /// The status word, when the claim is one.
        var word: String?
        var source: Source
    }

    private static let maxProblems = 30
    private static let maxMessageLength = 200
    /// Longer than any backup (about 31 years); keeps later arithmetic on durations safe.
    private static let maxDuration = 1e9
    /// Below `Int64.max`, so sizes and rates convert to integers safely.
    private static let maxQuantity = 9.2e18

    private struct Reading {
        let request: HeartbeatRequest
        var fields: [Field] = []
        var claims: [Claim] = []
        /// Exit codes read so far (suffix first), for the report's `exitCode`.
        var exitCodes: [Int] = []
        var unknownWords: [String] = []
        var syntaxProblems: [String] = []
        var problems: [String] = []
        var output: String?
        var textMessage: String?
        /// Whether the body is searched for `"status": "word"` after the readable fields are read.
        var bodySearch = BodySearch.none

        enum BodySearch {
            case none
            /// Broken JSON, bytes that are not UTF-8, form values (which may hold JSON).
            case always
            /// A text body is usually a log tail: a status quoted in it only counts when the URL and the
            /// query say nothing.
            case unlessClaimed
        }

        init(request: HeartbeatRequest) {
            self.request = request
        }

        mutating func report() -> HeartbeatReport {
            fields = request.query.map {
                Field(name: $0.name, key: normalized($0.name), value: .string($0.value), fromQuery: true)
            }
            readSuffix()
            readBody()
            readStatusFields()
            switch bodySearch {
            case .none: break
            case .always: rescueStatus(from: request.body)
            case .unlessClaimed: if claims.isEmpty { rescueStatus(from: request.body) }
            }

            var report = HeartbeatReport(status: .completed)
            report.exitCode = readExitCodes()
            let errorReported = fields.contains { $0.key == "error" && reportsError($0.value) }
            // `"error": false` / `true` is a flag, not a message; it has said all it can.
            for index in fields.indices where ["error", "message", "msg"].contains(fields[index].key) {
                if case .bool = fields[index].value { fields[index].used = true }
            }
            report.runID = take(["rid", "runid"], as: "run id", reportsEmpty: false) { plainText($0) }
            report.message = take(["error", "message", "msg"], as: "message", reportsEmpty: false) { messageText($0) }
                ?? textMessage
            report.duration = take(["duration", "elapsed"], as: "duration") { measured($0, HumanUnits.duration, max: maxDuration) }
                ?? takeUptimeKumaPing()
            report.size = take(["size", "totalsize", "bytes"], as: "size") { measured($0, { HumanUnits.size($0).map(Double.init) }, max: maxQuantity) }
            report.files = take(["files", "totalfiles"], as: "file count") { fileCount($0) }
            report.hash = take(["hash", "verificationhash"], as: "hash", reportsEmpty: false) { plainText($0) }
            report.rate = take(["transferrate", "speed"], as: "rate") { measured($0, HumanUnits.rate, max: maxQuantity) }
            report.ratio = take(["ratio", "compressionratio"], as: "ratio") { measured($0, HumanUnits.ratio, max: maxQuantity) }
            report.progress = take(["progress", "percent"], as: "percentage (0–100)") { percentage($0) }
            report.output = take(["output"], as: "output", reportsEmpty: false) { messageText($0) } ?? output
            report.sentAt = readSentAt()
            let isTest = readTestFlag() || claims.contains { $0.status == .test }
            let verifiedFlag = readVerificationFlags()
            report.isTest = isTest
            (report.status, report.statusText) = resolveStatus(
                errorReported: errorReported, isTest: isTest, verifiedFlag: verifiedFlag, hasProgress: report.progress != nil
            )

            for field in fields where !field.used {
                report.fields[field.name] = field.value.fieldText
                if HeartbeatReport.attemptNames.contains(field.key), HeartbeatReport.attemptCount(field.value.fieldText) == nil {
                    problems.append("\(field.name) '\(clipped(field.value.fieldText))' is not a whole number of attempts from 1")
                }
            }
            report.problems = cappedProblems()
            return report
        }

        // MARK: URL and body

        mutating func readSuffix() {
            guard let suffix = request.pathSuffix?.trimmingCharacters(in: CharacterSet(charactersIn: "/ ")),
                  !suffix.isEmpty else { return }
            switch suffix.lowercased() {
            case "start": claims.append(Claim(status: .started, label: "URL /start", source: .url))
            case "fail": claims.append(Claim(status: .failed, label: "URL /fail", source: .url))
            case "log": claims.append(Claim(status: .log, label: "URL /log", source: .url))
            default:
                if !addExitCode(suffix, source: .url) {
                    problems.append("unknown URL suffix '/\(clipped(suffix))' ignored")
                }
            }
        }

        mutating func readBody() {
            let body = request.body
            let claimsJSON = request.contentType?.lowercased().contains("json") ?? false
            guard body.contains(where: { !TolerantJSON.isWhitespace($0) }) else { return }

            if let object = TolerantJSON.readObject(body) {
                fields += object.members.map {
                    Field(name: $0.name, key: normalized($0.name), value: $0.value, fromQuery: false)
                }
                syntaxProblems = object.problems.map { "malformed JSON: " + $0 }
                bodySearch = object.problems.isEmpty ? .none : .always
                return
            }
            if claimsJSON { problems.append("body is not a JSON object although Content-Type says JSON") }

            guard let text = String(validating: body, as: UTF8.self) else {
                problems.append("body is not valid UTF-8 text")
                output = String(decoding: body, as: UTF8.self)
                bodySearch = .always
                return
            }
            if let pairs = formPairs(text) {
                fields += pairs.map { Field(name: $0.name, key: normalized($0.name), value: .string($0.value), fromQuery: false) }
                // A form value may hold JSON (`data={"status":"failed"}`).
                bodySearch = .always
                return
            }
            output = text
            let binary = text.unicodeScalars.contains { $0.value < 0x20 && !"\t\n\r".unicodeScalars.contains($0) || $0.value == 0x7F }
            if binary {
                problems.append("body contains control characters")
            } else {
                let line = text.trimmed()
                if let status = status(forWord: line), !line.contains(" ") {
                    claims.append(Claim(status: status, label: "body '\(line)'", word: line, source: .body))
                } else if line.count <= maxMessageLength, !line.contains(where: \.isNewline) {
                    textMessage = line
                }
            }
            bodySearch = .unlessClaimed
        }

        /// `status=ok&msg=…`: every `&`-separated part a `name=value` with a plain name (values may hold
        /// raw spaces, as `curl -d "msg=disk full"` sends them).
        func formPairs(_ text: String) -> [(name: String, value: String)]? {
            let trimmed = text.trimmed()
            var pairs: [(name: String, value: String)] = []
            for part in trimmed.split(separator: "&", omittingEmptySubsequences: true) {
                guard let equals = part.firstIndex(of: "=") else { return nil }
                let name = part[..<equals]
                guard !name.isEmpty, name.count <= 64,
                      name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII || "0123456789_.-[]%".unicodeScalars.contains($0) })
                else { return nil }
                pairs.append((formDecoded(name), formDecoded(part[part.index(after: equals)...])))
            }
            return pairs.isEmpty ? nil : pairs
        }

        func formDecoded(_ text: Substring) -> String {
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }

        /// Status words found in a body that could not be read cleanly; each status not already claimed
        /// (by the URL, the query or a readable `status` field) is added, so a failure is never lost to a
        /// syntax error.
        mutating func rescueStatus(from body: [UInt8]) {
            for word in TolerantJSON.statusWords(in: body) {
                guard let status = status(forWord: word), !claims.contains(where: { $0.status == status }) else { continue }
                claims.append(Claim(status: status, label: "status '\(word)' in the raw body", word: word, source: .rescued))
                problems.append("status '\(clipped(word))' taken from the raw body text")
            }
        }

        // MARK: Status

        mutating func readStatusFields() {
            // Query fields come first in `fields`, so their claims come first too.
            for index in fields.indices where fields[index].key == "status" {
                fields[index].used = true
                let word = fields[index].value.fieldText.trimmed()
                guard !isBlank(fields[index].value) else { continue }
                let fromQuery = fields[index].fromQuery
                guard let status = status(forWord: word) else {
                    unknownWords.append(word)
                    continue
                }
                let label = fromQuery ? "query status '\(word)'" : "status '\(word)'"
                claims.append(Claim(status: status, label: label, word: word, source: fromQuery ? .query : .body))
            }
        }

        /// Adds the exit code in `text` as a claim; false when `text` is not a number at all.
        mutating func addExitCode(_ text: String, source: Claim.Source) -> Bool {
            let trimmed = text.trimmed()
            let code: Int
            if let exact = Int(trimmed) {
                code = exact
            } else if let number = Double(trimmed), number.isFinite, number == number.rounded(),
                      abs(number) < 1e15 {
                code = Int(number)
            } else if let number = Double(trimmed), !number.isNaN {
                // Too large (or fractional) to be a real exit code, but certainly not zero.
                problems.append("exit code '\(clipped(trimmed))' is out of range; counted as a failure")
                claims.append(Claim(status: .failed, label: "exit code \(clipped(trimmed))", source: source))
                return true
            } else {
                return false
            }
            let status: HeartbeatStatus = code == 0 ? .completed : .failed
            exitCodes.append(code)
            claims.append(Claim(status: status, label: "exit code \(code)", source: source))
            return true
        }

        mutating func readExitCodes() -> Int? {
            for index in candidates(["exitcode", "returncode"]) {
                let field = fields[index]
                if isBlank(field.value) {
                    fields[index].used = true
                    continue
                }
                switch field.value {
                case .number(let text), .string(let text):
                    if addExitCode(text, source: field.fromQuery ? .query : .body) {
                        fields[index].used = true
                    } else {
                        problems.append("\(field.name) '\(clipped(text))' is not an exit code")
                    }
                default:
                    problems.append("\(field.name) '\(clipped(field.value.fieldText))' is not an exit code")
                }
            }
            return exitCodes.first { $0 != 0 } ?? exitCodes.first
        }

        mutating func readTestFlag() -> Bool {
            var isTest = false
            for index in candidates(["test"]) {
                guard let flag = isTruthy(fields[index].value) else { continue }
                fields[index].used = true
                isTest = isTest || flag
            }
            return isTest
        }

        /// Adds verification-failure claims; true when a flag says the backup was verified and none says not.
        mutating func readVerificationFlags() -> Bool {
            let wordStatuses = Set(claims.filter { $0.word != nil }.map(\.status))
            let aboutVerification = wordStatuses.isEmpty || wordStatuses.contains(.verified) || wordStatuses.contains(.verifying)
            var confirmed = false
            for index in candidates(["matchesexpected", "verified"]) {
                let field = fields[index]
                guard let flag = isTruthy(field.value) else {
                    problems.append("\(field.name) '\(clipped(field.value.fieldText))' is neither true nor false")
                    continue
                }
                if field.key == "verified", !aboutVerification { continue }
                fields[index].used = true
                if flag {
                    confirmed = true
                } else {
                    claims.append(Claim(status: .verificationFailed, label: "\(field.name) false", source: field.fromQuery ? .query : .body))
                }
            }
            return confirmed && !claims.contains { $0.status == .verificationFailed }
        }

        mutating func resolveStatus(
            errorReported: Bool, isTest: Bool, verifiedFlag: Bool, hasProgress: Bool
        ) -> (HeartbeatStatus, String?) {
            var status: HeartbeatStatus
            var winner: Claim?
            if claims.contains(where: { $0.status == .verificationFailed }) {
                status = .verificationFailed
                winner = claims.first { $0.status == .verificationFailed && $0.word != nil }
            } else if claims.contains(where: { $0.status == .failed }) {
                status = .failed
                winner = claims.first { $0.status == .failed && $0.word != nil }
            } else if let pick = claims.min(by: { ($0.status.isTerminal ? 1 : 0, $0.source) < ($1.status.isTerminal ? 1 : 0, $1.source) }) {
                status = pick.status
                winner = pick
            } else if let word = unknownWords.first {
                problems.append("unknown status '\(clipped(word))' kept as log")
                return (isTest ? .test : .log, word)
            } else if errorReported {
                status = .failed
                problems.append("error reported without a status; counted as failed")
            } else if verifiedFlag {
                status = .verified
            } else if hasProgress {
                status = .progress
            } else {
                status = .completed
            }

            for word in unknownWords {
                problems.append("unknown status '\(clipped(word))' ignored")
            }
            // `verified` with `matches_expected: false` is how a verification failure is sent, not a conflict.
            let flagsVerificationFailure = claims.contains { $0.status == .verificationFailed && $0.word == nil }
            let compared = claims.filter { !(flagsVerificationFailure && ($0.status == .verified || $0.status == .verifying)) }
            let distinct = compared.reduce(into: [Claim]()) { kept, claim in
                if !kept.contains(where: { $0.status == claim.status }) { kept.append(claim) }
            }
            if distinct.count > 1 {
                let labels = distinct.map(\.label).joined(separator: ", ")
                problems.append("conflicting signals (\(labels)); kept \(status.rawValue)")
            }
            if isTest {
                if status == .failed || status == .verificationFailed {
                    problems.append("test ping reports \(status.rawValue); kept \(status.rawValue)")
                } else {
                    status = .test
                }
            }
            let statusText = winner?.word ?? claims.first(where: { $0.word != nil })?.word ?? unknownWords.first
            return (status, statusText)
        }

        // MARK: Fields

        /// Indices of unused fields named by `keys`: earlier keys first; for each, body before query,
        /// later before earlier.
        func candidates(_ keys: [String]) -> [Int] {
            keys.flatMap { key in
                let matching = fields.indices.filter { fields[$0].key == key && !fields[$0].used }
                return matching.filter { !fields[$0].fromQuery }.reversed() + matching.filter { fields[$0].fromQuery }.reversed()
            }
        }

        /// The first readable value among the fields named by `keys`; unreadable ones stay in `fields`
        /// with a problem, readable ones that lost stay in `fields` silently.
        mutating func take<Value>(
            _ keys: [String], as what: String, reportsEmpty: Bool = true, read: (JSONValue) -> Value?
        ) -> Value? {
            var winner: Value?
            for index in candidates(keys) {
                let field = fields[index]
                if isBlank(field.value) {
                    fields[index].used = true
                    if reportsEmpty, !field.fromQuery { problems.append("\(field.name) is empty") }
                    continue
                }
                guard let value = read(field.value) else {
                    problems.append("\(field.name) '\(clipped(field.value.fieldText))' is not a \(what)")
                    continue
                }
                if winner == nil {
                    winner = value
                    fields[index].used = true
                }
            }
            return winner
        }

        /// Uptime Kuma's push `ping=` (milliseconds), only from the query.
        mutating func takeUptimeKumaPing() -> Measured? {
            for index in candidates(["ping"]) where fields[index].fromQuery {
                let text = fields[index].value.fieldText.trimmedOnLine()
                guard !text.isEmpty else {
                    fields[index].used = true
                    continue
                }
                guard let ms = Double(text), ms.isFinite, ms >= 0, ms / 1_000 <= maxDuration else {
                    problems.append("ping '\(clipped(text))' is not a number of milliseconds")
                    continue
                }
                fields[index].used = true
                return Measured(ms / 1_000, text: "\(text) ms")
            }
            return nil
        }

        mutating func readSentAt() -> Date? {
            if let header = request.sentAtHeader {
                if let date = date(from: header) { return date }
                problems.append("Heartbeat-Sent-At '\(clipped(header))' is not a time")
            }
            return take(["sentat"], as: "time", reportsEmpty: false) { value in
                switch value {
                case .number(let text), .string(let text): date(from: text)
                default: nil
                }
            }
        }

        func cappedProblems() -> [String] {
            let all = syntaxProblems + problems
            guard all.count > maxProblems else { return all }
            return Array(all.prefix(maxProblems - 1)) + ["and \(all.count - maxProblems + 1) more problems"]
        }
    }

    // MARK: Value readers

    private static func isBlank(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.trimmed().isEmpty
        default: false
        }
    }

    /// true / false for flags sent as booleans, numbers or words; nil when the value is neither.
    private static func isTruthy(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .null: return false
        case .number(let text): return Double(text).map { $0 != 0 }
        case .string(let text):
            switch text.trimmed().lowercased() {
            case "true", "yes", "y", "1", "on": return true
            case "false", "no", "n", "0", "off", "", "none", "null", "nil": return false
            default: return text.isEmpty ? false : nil
            }
        default: return nil
        }
    }

    /// Whether an `error` field holds an error: text other than `none`/`false`/`0`, a true flag, a non-zero
    /// number, or structured data.
    private static func reportsError(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .number(let text): Double(text) != 0
        case .string(let text): !["", "none", "null", "nil", "false", "no", "0"].contains(
            text.trimmed().lowercased())
        case .array, .object, .raw: true
        }
    }

    private static func plainText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text.trimmed()
        case .number(let text): text
        default: nil
        }
    }

    private static func messageText(_ value: JSONValue) -> String? {
        switch value {
        case .bool: nil
        case .string(let text): text.trimmed()
        default: value.compactText
        }
    }

    /// A measurement: a JSON number as is, a string through `HumanUnits`, within 0…`max`.
    private static func measured(_ value: JSONValue, _ human: (String) -> Double?, max: Double) -> Measured? {
        let text: String
        let number: Double?
        switch value {
        case .number(let lexeme):
            text = lexeme
            number = Double(lexeme)
        case .string(let string):
            text = string
            number = human(string)
        default:
            return nil
        }
        guard let number, number.isFinite, number >= 0, number <= max else { return nil }
        return Measured(number, text: text)
    }

    private static func fileCount(_ value: JSONValue) -> Int64? {
        let text: String
        switch value {
        case .number(let lexeme): text = lexeme
        case .string(let string): text = string.trimmedOnLine().replacingOccurrences(of: ",", with: "")
        default: return nil
        }
        if let count = Int64(text), count >= 0 { return count }
        guard let number = Double(text), number.isFinite, number >= 0, number < maxQuantity,
              number == number.rounded() else { return nil }
        return Int64(number)
    }

    /// 0–100, from `45`, `45.5`, `"45%"`.
    private static func percentage(_ value: JSONValue) -> Double? {
        let text: String
        switch value {
        case .number(let lexeme): text = lexeme
        case .string(let string):
            let trimmed = string.trimmedOnLine()
            text = trimmed.hasSuffix("%") ? String(trimmed.dropLast()).trimmedOnLine() : trimmed
        default: return nil
        }
        guard let number = Double(text), number.isFinite, (0...100).contains(number) else { return nil }
        return number
    }

    private static func clipped(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: "⏎")
        return line.count <= 40 ? line : String(line.prefix(40)) + "…"
    }
}
