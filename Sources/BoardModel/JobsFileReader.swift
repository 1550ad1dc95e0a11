import Foundation
import TOMLKit

/// Turns the text of a jobs file into a `JobsFile`, collecting every problem instead of stopping at the
/// first, so that a user fixes the file in one go.
struct JobsFileReader {
    private(set) var problems: [JobsFileProblem] = []
    private let text: String
    private var locator = SourceLocator(text: "")
    /// Stored jobs outside the document (slug → chain parent) that its jobs may name as chain parent: set when
    /// the document is one job sent to the API, empty for a jobs file, which must be whole.
    private let outside: [String: String?]
    /// Whether the document is a jobs file (messages say "in this file") rather than one job sent to the API.
    private let isFile: Bool

    static let jobKeys = [
        "name", "key", "schedule", "timezone", "grace", "max_runtime", "kind", "chain_parent", "priority",
        "min_size", "rpo", "rto", "tests", "require_restore_test", "owner", "escalation", "protects", "tags",
        "description", "paused", "alerts",
    ]
    /// Keys that name one job only, so `[defaults]` cannot hold them.
    static let perJobOnlyKeys: Set = ["name", "key", "chain_parent", "tests", "description"]
    static let alertKeys = [
        "size_anomaly_factor", "duration_anomaly_high", "duration_anomaly_low", "anomaly_window",
        "anomaly_min_runs", "delayed_escalation_periods", "flaky_runs", "flaky_window", "restore_escalation_periods",
        "severity",
    ]
    /// Alert kinds that concern one job (fleet and monitor outages have no job to configure).
    static let jobAlertKinds: [AlertKind] = [
        .delayed, .failed, .verificationFailed, .runningTooLong, .sizeAnomaly, .durationAnomaly, .chainBroken, .rpoBreach,
        .flaky, .restoreOverdue, .rtoBreach, .restoreFailed,
    ]
    static let windowKeys = ["name", "days", "start", "end", "timezone", "jobs", "tags"]
    static let topLevelKeys = ["defaults", "jobs", "maintenance"]

    init(text: String) {
        self.text = text
        outside = [:]
        isFile = true
    }

    /// A reader of a document that is already a table (a job sent to the API as JSON), whose chain parents may
    /// also be the `outside` jobs.
    init(outside: [String: String?]) {
        text = ""
        self.outside = outside
        isFile = false
    }

    /// A reader of one table of another file (the serve config's `[auto_create]`), whose lines `locator` finds.
    init(locator: SourceLocator) {
        text = ""
        self.locator = locator
        outside = [:]
        isFile = false
    }

    // MARK: Reading the file

    mutating func read() -> JobsFile {
        let root: TOMLTable
        do throws(TOMLSource.Problem) {
            let source = try TOMLSource(text: text)
            locator = source.locator
            root = try source.table()
        } catch {
            problems = [JobsFileProblem(line: error.line, message: syntaxMessage(error))]
            return JobsFile(jobs: [])
        }
        return read(root)
    }

    /// Reads a parsed document: every problem is collected, with its line when the document has text.
    mutating func read(_ root: TOMLTable) -> JobsFile {
        var defaults = JobFields()
        var declared: [(slug: String, fields: JobFields)] = []
        var windowTables: [(index: Int, table: TOMLTable)] = []
        for key in root.keys {
            guard let value = root[key] else { continue }
            switch key {
            case "defaults":
                guard let table = value.table else {
                    report("invalid defaults: expected a table, [defaults]", at: ["defaults"])
                    continue
                }
                defaults = readFields(table, at: .defaults)
            case "jobs":
                guard let table = value.table else {
                    report("invalid jobs: expected tables such as [jobs.db-prod]", at: ["jobs"])
                    continue
                }
                declared = readJobs(table)
            case "maintenance":
                guard let array = value.array, array.allSatisfy({ $0.table != nil }) else {
                    report("invalid maintenance: expected [[maintenance]] tables", at: ["maintenance"])
                    continue
                }
                windowTables = array.enumerated().compactMap { index, element in element.table.map { (index, $0) } }
            default:
                reportUnknown(key, among: Self.topLevelKeys, at: .topLevel)
            }
        }

        var jobs = declared.compactMap { resolve($0.slug, $0.fields, defaults: defaults) }
        checkReferences(&jobs)
        let slugs = jobs.map(\.slug)
        var windows: [MaintenanceWindow] = []
        for (index, table) in windowTables {
            if let window = readWindow(table, index: index, slugs: slugs, previous: windows) { windows.append(window) }
        }

        problems = problems.enumerated()
            .sorted { ($0.element.line ?? .max, $0.offset) < ($1.element.line ?? .max, $1.offset) }
            .map(\.element)
        return JobsFile(jobs: jobs, maintenanceWindows: windows)
    }

    /// toml++'s message, in the lowercase of the others; a second `[jobs.x]` header gets a plainer one.
    private func syntaxMessage(_ problem: TOMLSource.Problem) -> String {
        if let line = problem.line, let header = locator.tableHeader(at: line), header.count == 2, header[0] == "jobs",
           let first = locator.line(for: header), first < line {
            return "duplicate job '\(header[1])': already defined on line \(first)"
        }
        return problem.message.prefix(1).lowercased() + problem.message.dropFirst()
    }

    /// The jobs under `[jobs]`, in file order, each read whatever its slug so that all errors show.
    private mutating func readJobs(_ table: TOMLTable) -> [(slug: String, fields: JobFields)] {
        var jobs: [(slug: String, fields: JobFields)] = []
        for slug in table.keys {
            let slugIsValid = Self.isValidSlug(slug)
            if !slugIsValid {
                report(
                    "invalid job slug \"\(slug)\": use lowercase letters, digits, '-' and '_', starting with a letter or digit",
                    at: ["jobs", slug])
            }
            guard let jobTable = table[slug]?.table else {
                report("invalid job \"\(slug)\": expected a table such as [jobs.\(slug)]", at: ["jobs", slug])
                continue
            }
            let fields = readFields(jobTable, at: .job(slug))
            if slugIsValid { jobs.append((slug, fields)) }
        }
        return jobs.sorted { (locator.line(for: ["jobs", $0.slug]) ?? .max, $0.slug) < (locator.line(for: ["jobs", $1.slug]) ?? .max, $1.slug) }
    }

    /// `[auto_create]`: the keys `[defaults]` takes, resolved into the spec of the jobs it makes (the slug a
    /// placeholder); nil when a key is bad or the schedule is missing, each problem reported.
    mutating func readTemplate(_ table: TOMLTable) -> JobSpec? {
        let fields = readFields(table, at: .autoCreate)
        return resolve("auto-create", JobFields(), defaults: fields, at: .autoCreate)
    }

    static func isValidSlug(_ slug: String) -> Bool {
        Job.problem(withSlug: slug) == nil
    }

    // MARK: Job fields

    /// The keys of one job table (or of `[defaults]`), each checked for its type and value.
    private mutating func readFields(_ table: TOMLTable, at place: Place) -> JobFields {
        var fields = JobFields()
        for key in table.keys {
            guard let value = table[key] else { continue }
            if place.isShared, Self.perJobOnlyKeys.contains(key) {
                report("key '\(key)' cannot be set in \(place): it belongs to one job", at: place.path + [key])
                continue
            }
            fields.present.insert(key)
            let path = [key]
            switch key {
            case "name": fields.name = string(value, path, place)
            case "key": fields.key = pingKey(value, place)
            case "schedule": fields.schedule = schedule(value, path, place)
            case "timezone": fields.timeZone = timeZone(value, path, place)
            case "grace": fields.grace = duration(value, path, place, mustBePositive: false)
            case "max_runtime": fields.maxRuntime = duration(value, path, place, mustBePositive: true)
            case "kind": fields.kind = choice(value, path, place, as: BackupKind.self)
            case "chain_parent": fields.chainParent = string(value, path, place)
            case "priority": fields.priority = choice(value, path, place, as: JobPriority.self)
            case "min_size": fields.minSize = size(value, path, place)
            case "rpo": fields.rpo = duration(value, path, place, mustBePositive: true)
            case "rto": fields.rto = duration(value, path, place, mustBePositive: true)
            case "tests": fields.tests = strings(value, path, place)
            case "require_restore_test": fields.requireRestoreTest = bool(value, path, place)
            case "owner": fields.owner = string(value, path, place)
            case "escalation": fields.escalation = string(value, path, place)
            case "protects": fields.protects = strings(value, path, place)
            case "tags": fields.tags = strings(value, path, place)
            case "description": fields.description = string(value, path, place)
            case "paused": fields.paused = bool(value, path, place)
            case "alerts":
                guard let alerts = value.table else {
                    report(invalid(path, value, place, expected: "a table such as [\(place.tablePrefix)alerts]"), at: place.path + path)
                    continue
                }
                fields.alerts = readAlerts(alerts, at: place)
            default:
                let candidates = place.isShared ? Self.jobKeys.filter { !Self.perJobOnlyKeys.contains($0) } : Self.jobKeys
                reportUnknown(key, among: candidates, at: place)
            }
        }
        return fields
    }

    private mutating func readAlerts(_ table: TOMLTable, at place: Place) -> AlertFields {
        var alerts = AlertFields()
        for key in table.keys {
            guard let value = table[key] else { continue }
            let path = ["alerts", key]
            switch key {
            case "size_anomaly_factor": alerts.sizeAnomalyFactor = number(value, path, place, above: 0, below: nil)
            case "duration_anomaly_high": alerts.durationAnomalyHigh = number(value, path, place, above: 1, below: nil)
            case "duration_anomaly_low": alerts.durationAnomalyLow = number(value, path, place, above: 0, below: 1)
            case "anomaly_window": alerts.anomalyWindow = wholeNumber(value, path, place)
            case "anomaly_min_runs": alerts.anomalyMinRuns = wholeNumber(value, path, place)
            case "delayed_escalation_periods": alerts.delayedEscalationPeriods = wholeNumber(value, path, place)
            case "flaky_runs": alerts.flakyRuns = wholeNumber(value, path, place)
            case "flaky_window": alerts.flakyWindow = wholeNumber(value, path, place)
            case "restore_escalation_periods": alerts.restoreEscalationPeriods = wholeNumber(value, path, place)
            case "severity":
                guard let severities = value.table else {
                    report(invalid(path, value, place, expected: "a table such as [\(place.tablePrefix)alerts.severity]"), at: place.path + path)
                    continue
                }
                for kindName in severities.keys {
                    guard let severityValue = severities[kindName] else { continue }
                    let severityPath = path + [kindName]
                    guard let kind = AlertKind(rawValue: kindName), Self.jobAlertKinds.contains(kind) else {
                        reportUnknown(
                            severityPath.joined(separator: "."),
                            among: Self.jobAlertKinds.map { "alerts.severity.\($0.rawValue)" }, at: place)
                        continue
                    }
                    alerts.severities[kind] = choice(severityValue, severityPath, place, as: AlertSeverity.self)
                }
            default:
                reportUnknown("alerts.\(key)", among: Self.alertKeys.map { "alerts.\($0)" }, at: place)
            }
        }
        return alerts
    }

    /// A job's fields over the defaults, made into a spec; nil when a required key is missing or bad.
    private mutating func resolve(_ slug: String, _ own: JobFields, defaults: JobFields, at given: Place? = nil) -> JobSpec? {
        let fields = own.overriding(defaults)
        let place = given ?? .job(slug)
        guard var schedule = fields.schedule else {
            if !fields.present.contains("schedule") {
                let hint = place == .autoCreate ? "every job it creates needs one" : "set it in the job or in [defaults]"
                report("missing schedule \(place.phrase) (\(hint))", at: place.path)
            }
            return nil
        }
        schedule = schedule.reading(in: fields.timeZone ?? Self.utc)
        var alerting = AlertSettings()
        alerting.sizeAnomalyFactor = fields.alerts.sizeAnomalyFactor ?? alerting.sizeAnomalyFactor
        alerting.durationAnomalyHigh = fields.alerts.durationAnomalyHigh ?? alerting.durationAnomalyHigh
        alerting.durationAnomalyLow = fields.alerts.durationAnomalyLow ?? alerting.durationAnomalyLow
        alerting.anomalyWindow = fields.alerts.anomalyWindow ?? alerting.anomalyWindow
        alerting.anomalyMinRuns = fields.alerts.anomalyMinRuns ?? alerting.anomalyMinRuns
        alerting.delayedEscalationPeriods = fields.alerts.delayedEscalationPeriods ?? alerting.delayedEscalationPeriods
        alerting.flakyRuns = fields.alerts.flakyRuns ?? alerting.flakyRuns
        alerting.flakyWindow = fields.alerts.flakyWindow ?? alerting.flakyWindow
        alerting.restoreEscalationPeriods = fields.alerts.restoreEscalationPeriods ?? alerting.restoreEscalationPeriods
        alerting.severities = fields.alerts.severities
        if alerting.flakyRuns > alerting.flakyWindow {
            report(
                "invalid alerts.flaky_runs \(alerting.flakyRuns) \(place.phrase): more than alerts.flaky_window (\(alerting.flakyWindow)), so the flaky rule could never raise",
                at: place.path + ["alerts", "flaky_runs"])
        }
        if alerting.anomalyMinRuns > alerting.anomalyWindow {
            report(
                "invalid alerts.anomaly_min_runs \(alerting.anomalyMinRuns) \(place.phrase): more than alerts.anomaly_window (\(alerting.anomalyWindow)), so the anomaly rules could never run",
                at: place.path + ["alerts", "anomaly_min_runs"])
        }
        return JobSpec(
            slug: slug, name: fields.name, key: fields.key, schedule: schedule, grace: fields.grace ?? 3600,
            maxRuntime: fields.maxRuntime, kind: fields.kind ?? .other, chainParent: fields.chainParent,
            priority: fields.priority ?? .medium, minSize: fields.minSize, rpo: fields.rpo, rto: fields.rto,
            tests: fields.tests ?? [], requireRestoreTest: fields.requireRestoreTest ?? false, owner: fields.owner, escalation: fields.escalation, protects: fields.protects ?? [], tags: fields.tags ?? [],
            description: fields.description, paused: fields.paused, alerting: alerting)
    }

    /// What only the whole file can tell: chain parents exist and do not loop, restore tests name jobs of the
    /// file, ping keys are unique.
    private mutating func checkReferences(_ jobs: inout [JobSpec]) {
        let slugs = jobs.map(\.slug)
        let known = slugs + outside.keys.filter { !slugs.contains($0) }.sorted()
        for job in jobs {
            let path = ["jobs", job.slug, "tests"]
            if job.kind != .restoreTest {
                if !job.tests.isEmpty {
                    report("invalid tests in job '\(job.slug)': only a job of kind \"restore_test\" proves other jobs", at: path)
                }
                continue
            }
            if job.tests.isEmpty {
                report(
                    "missing tests in job '\(job.slug)': a restore_test job names the jobs it proves, such as tests = [\"pg-prod\"]",
                    at: ["jobs", job.slug])
            }
            for slug in job.tests {
                if slug == job.slug {
                    report("invalid tests \"\(slug)\" in job '\(job.slug)': a restore test cannot prove itself", at: path)
                } else if !known.contains(slug) {
                    report(
                        "invalid tests \"\(slug)\" in job '\(job.slug)': no job '\(slug)'" + (isFile ? " in this file" : "")
                            + didYouMean(slug, among: known),
                        at: path)
                } else if jobs.first(where: { $0.slug == slug })?.kind == .restoreTest {
                    report("invalid tests \"\(slug)\" in job '\(job.slug)': '\(slug)' is a restore test, not a backup", at: path)
                }
            }
        }
        var parents: [String: String] = [:]
        for (slug, parent) in outside where !slugs.contains(slug) {
            if let parent { parents[slug] = parent }
        }
        for job in jobs {
            guard let parent = job.chainParent else { continue }
            let path = ["jobs", job.slug, "chain_parent"]
            if parent == job.slug {
                report("invalid chain_parent \"\(parent)\" in job '\(job.slug)': a job cannot be its own chain parent", at: path)
            } else if !known.contains(parent) {
                report(
                    "invalid chain_parent \"\(parent)\" in job '\(job.slug)': no job '\(parent)'"
                        + (isFile ? " in this file" : "") + didYouMean(parent, among: known),
                    at: path)
            } else {
                parents[job.slug] = parent
            }
        }
        for job in jobs {
            var chain = [job.slug]
            var current = job.slug
            while let parent = parents[current], chain.count <= parents.count + 1 {
                chain.append(parent)
                if parent == job.slug {
                    // Report each loop once, at its alphabetically first job.
                    if chain.dropLast().filter(slugs.contains).min() == job.slug {
                        report(
                            "invalid chain_parent \"\(chain[1])\" in job '\(job.slug)': the chain \(chain.joined(separator: " → ")) loops",
                            at: ["jobs", job.slug, "chain_parent"])
                    }
                    break
                }
                current = parent
            }
        }
        var keyOwners: [String: String] = [:]
        for job in jobs {
            guard let key = job.key else { continue }
            if let first = keyOwners[key] {
                report("invalid key in job '\(job.slug)': job '\(first)' has the same key", at: ["jobs", job.slug, "key"])
            } else {
                keyOwners[key] = job.slug
            }
        }
    }

    // MARK: Maintenance windows

    private mutating func readWindow(
        _ table: TOMLTable, index: Int, slugs: [String], previous: [MaintenanceWindow]
    ) -> MaintenanceWindow? {
        var name: String?
        if let value = table["name"] {
            name = string(value, ["name"], .window(index: index, name: nil))
        }
        let place = Place.window(index: index, name: name)
        if table["name"] == nil {
            report("missing name in \(place.description)", at: place.path)
        } else if let name, previous.contains(where: { $0.name == name }) {
            report("invalid name \"\(name)\" in maintenance window #\(index + 1): a window named '\(name)' comes before it", at: place.path + ["name"])
        }
        var days: Set<Weekday> = []
        var start: Int?
        var end: Int?
        var zone = Self.utc
        var jobs: [String] = []
        var tags: [String] = []
        var broken = name == nil
        for key in table.keys {
            guard let value = table[key] else { continue }
            let path = [key]
            switch key {
            case "name":
                break
            case "days":
                guard let names = strings(value, path, place) else { broken = true; continue }
                for dayName in names {
                    if let day = Weekday(name: dayName) {
                        days.insert(day)
                    } else {
                        broken = true
                        report(
                            invalid(path, dayName, place, expected: "weekday names such as \"sun\" or \"monday\"")
                                + didYouMean(dayName.lowercased(), among: Weekday.allCases.flatMap { [$0.shortName, $0.fullName] }),
                            at: place.path + path)
                    }
                }
            case "start":
                start = timeOfDay(value, path, place, allowEndOfDay: false)
                if start == nil { broken = true }
            case "end":
                end = timeOfDay(value, path, place, allowEndOfDay: true)
                if end == nil { broken = true }
            case "timezone":
                if let found = timeZone(value, path, place) { zone = found } else { broken = true }
            case "jobs":
                guard let listed = strings(value, path, place) else { broken = true; continue }
                for slug in listed where slug != "*" && !slugs.contains(slug) {
                    broken = true
                    report(
                        invalid(path, slug, place, expected: nil) + ": no job '\(slug)' in this file" + didYouMean(slug, among: slugs),
                        at: place.path + path)
                }
                jobs = listed
            case "tags":
                guard let listed = strings(value, path, place) else { broken = true; continue }
                tags = listed
            default:
                broken = true
                reportUnknown(key, among: Self.windowKeys, at: place)
            }
        }
        if table["days"] == nil || table["days"]?.array?.isEmpty == true {
            broken = true
            report("\(place.description) has no days", at: place.path + ["days"])
        }
        for (key, value) in [("start", start), ("end", end)] where table[key] == nil && value == nil {
            broken = true
            report("missing \(key) in \(place.description)", at: place.path)
        }
        if let start, let end, start == end {
            broken = true
            report("invalid end \"\(Self.clock(end))\" in \(place.description): the same as start, so the window would be empty", at: place.path + ["end"])
        }
        if table["jobs"] == nil, table["tags"] == nil {
            broken = true
            report("\(place.description) names no jobs or tags (use jobs = [\"*\"] for every job)", at: place.path)
        }
        guard !broken, let name, let start, let end else { return nil }
        return MaintenanceWindow(name: name, days: days, startMinute: start, endMinute: end, timeZone: zone, jobs: jobs, tags: tags)
    }

    private static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    // MARK: Values

    private mutating func string(_ value: TOMLValueConvertible, _ path: [String], _ place: Place) -> String? {
        guard let text = value.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            report(invalid(path, value, place, expected: "a non-empty string"), at: place.path + path)
            return nil
        }
        return text
    }

    private mutating func strings(_ value: TOMLValueConvertible, _ path: [String], _ place: Place) -> [String]? {
        guard let array = value.array else {
            report(invalid(path, value, place, expected: "an array of strings such as [\"a\", \"b\"]"), at: place.path + path)
            return nil
        }
        var result: [String] = []
        for element in array {
            guard let text = element.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                report(invalid(path, element, place, expected: "an array of non-empty strings"), at: place.path + path)
                return nil
            }
            result.append(text)
        }
        return result
    }

    private mutating func bool(_ value: TOMLValueConvertible, _ path: [String], _ place: Place) -> Bool? {
        guard let flag = value.bool else {
            report(invalid(path, value, place, expected: "true or false"), at: place.path + path)
            return nil
        }
        return flag
    }

    /// A ping key. Its value is a secret, so no message ever quotes it.
    private mutating func pingKey(_ value: TOMLValueConvertible, _ place: Place) -> String? {
        guard let key = value.string, PingKey.problem(with: key) == nil else {
            report("invalid key \(place.phrase): expected 8 to 128 letters, digits, '-' or '_'", at: place.path + ["key"])
            return nil
        }
        return key
    }

    private mutating func duration(
        _ value: TOMLValueConvertible, _ path: [String], _ place: Place, mustBePositive: Bool
    ) -> TimeInterval? {
        let seconds: TimeInterval? =
            if let whole = value.int { TimeInterval(whole) }
            else if let fraction = value.double { fraction }
            else if let text = value.string { HumanUnits.duration(text) }
            else { nil }
        guard let seconds, seconds.isFinite, seconds >= 0, !(mustBePositive && seconds == 0) else {
            let expected = mustBePositive
                ? "a duration longer than zero, such as \"4h\" or a number of seconds"
                : "a duration such as \"4h\" or a number of seconds"
            report(invalid(path, value, place, expected: expected), at: place.path + path)
            return nil
        }
        return seconds
    }

    private mutating func size(_ value: TOMLValueConvertible, _ path: [String], _ place: Place) -> Int64? {
        let bytes: Int64? =
            if let whole = value.int { Int64(whole) }
            else if let text = value.string { HumanUnits.size(text) }
            else { nil }
        guard let bytes, bytes >= 0 else {
            report(invalid(path, value, place, expected: "a size such as \"500MB\" or a number of bytes"), at: place.path + path)
            return nil
        }
        return bytes
    }

    private mutating func number(
        _ value: TOMLValueConvertible, _ path: [String], _ place: Place, above low: Double, below high: Double?
    ) -> Double? {
        let number = value.double ?? value.int.map(Double.init)
        guard let number, number > low, number < (high ?? .infinity) else {
            let expected = high.map { "a number between \(Self.plain(low)) and \(Self.plain($0))" } ?? "a number greater than \(Self.plain(low))"
            report(invalid(path, value, place, expected: expected), at: place.path + path)
            return nil
        }
        return number
    }

    private mutating func wholeNumber(_ value: TOMLValueConvertible, _ path: [String], _ place: Place) -> Int? {
        guard let number = value.int, number >= 1 else {
            report(invalid(path, value, place, expected: "a whole number of at least 1"), at: place.path + path)
            return nil
        }
        return number
    }

    private mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ value: TOMLValueConvertible, _ path: [String], _ place: Place, as type: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard let text = value.string, let found = Choice(rawValue: text.lowercased()) else {
            let hint = value.string.map { didYouMean($0, among: names) } ?? ""
            report(invalid(path, value, place, expected: "one of " + names.joined(separator: ", ")) + hint, at: place.path + path)
            return nil
        }
        return found
    }

    private mutating func timeZone(_ value: TOMLValueConvertible, _ path: [String], _ place: Place) -> TimeZone? {
        guard let name = value.string, let zone = TimeZone(identifier: name) else {
            let hint = value.string.map { didYouMean($0, among: TimeZone.knownTimeZoneIdentifiers) } ?? ""
            report(invalid(path, value, place, expected: "an IANA time zone such as \"Europe/Berlin\"") + hint, at: place.path + path)
            return nil
        }
        return zone
    }

    private mutating func schedule(_ value: TOMLValueConvertible, _ path: [String], _ place: Place) -> Schedule? {
        if let seconds = value.int {
            guard seconds > 0 else {
                report(invalid(path, value, place, expected: "an interval longer than zero"), at: place.path + path)
                return nil
            }
            return .interval(TimeInterval(seconds))
        }
        let expected = "an interval such as \"6h\", a cron expression such as \"0 */6 * * *\", a calendar event such as \"Mon..Fri 02:30\", or an array of cron expressions and calendar events"
        if let array = value.array {
            let texts = array.compactMap(\.string)
            guard texts.count == array.count, !texts.isEmpty else {
                report(invalid(path, value, place, expected: expected), at: place.path + path)
                return nil
            }
            do {
                return try Schedule.parse(entries: texts, timeZone: nil)
            } catch let BoardError.invalidSchedule(text, reason) {
                report("invalid schedule entry \"\(text)\" \(place.phrase): \(reason)", at: place.path + path)
            } catch {
                report(invalid(path, value, place, expected: nil) + ": \(error)", at: place.path + path)
            }
            return nil
        }
        guard let text = value.string else {
            report(invalid(path, value, place, expected: expected), at: place.path + path)
            return nil
        }
        do {
            return try Schedule.parse(text, timeZone: nil)
        } catch let BoardError.invalidSchedule(_, reason) {
            report(invalid(path, value, place, expected: nil) + ": " + reason, at: place.path + path)
        } catch {
            report(invalid(path, value, place, expected: nil) + ": \(error)", at: place.path + path)
        }
        return nil
    }

    /// `01:00` as minutes after midnight; `24:00` too when it is an end.
    private mutating func timeOfDay(_ value: TOMLValueConvertible, _ path: [String], _ place: Place, allowEndOfDay: Bool) -> Int? {
        var minutes: Int?
        if let time = value.time, time.second == 0, time.nanoSecond == 0 {
            minutes = time.hour * 60 + time.minute
        } else if let text = value.string {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
               (0...23).contains(hour) || (allowEndOfDay && hour == 24 && minute == 0), (0...59).contains(minute) {
                minutes = hour * 60 + minute
            }
        }
        guard let minutes else {
            let expected = allowEndOfDay ? "a time such as \"03:00\" (00:00 to 24:00)" : "a time such as \"01:00\" (00:00 to 23:59)"
            report(invalid(path, value, place, expected: expected), at: place.path + path)
            return nil
        }
        return minutes
    }

    // MARK: Messages

    private static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0)!

    private mutating func report(_ message: String, at path: [String]) {
        let problem = JobsFileProblem(line: locator.line(for: path), message: message)
        if !problems.contains(problem) { problems.append(problem) }
    }

    private mutating func reportUnknown(_ key: String, among candidates: [String], at place: Place) {
        let message = place == .topLevel ? "unknown top-level key '\(key)'" : "unknown key '\(key)' \(place.phrase)"
        report(message + didYouMean(key, among: candidates), at: place.path + key.split(separator: ".").map(String.init))
    }

    /// `invalid grace "4 hourz" in job 'db-prod': expected …`.
    private func invalid(_ path: [String], _ value: TOMLValueConvertible, _ place: Place, expected: String?) -> String {
        "invalid \(path.joined(separator: ".")) \(Self.render(value)) \(place.phrase)" + (expected.map { ": expected " + $0 } ?? "")
    }

    private func didYouMean(_ word: String, among candidates: [String]) -> String {
        closestMatch(to: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// A value as a message shows it: strings quoted, numbers and booleans as written, the rest by type.
    private static func render(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "\"\(value.string ?? "")\""
        case .int: value.int.map(String.init) ?? "a number"
        case .double: value.double.map(plain) ?? "a number"
        case .bool: value.bool.map(String.init) ?? "a boolean"
        case .array: "(an array)"
        case .table: "(a table)"
        case .date: "(a date)"
        case .time: "(a time)"
        case .dateTime: "(a date-time)"
        }
    }

    private static func plain(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// Where a key sits, for messages (`in job 'db-prod'`) and for finding its line.
enum Place: Equatable, CustomStringConvertible {
    case topLevel
    case defaults
    /// The serve config's `[auto_create]`: the keys of `[defaults]`, for jobs created by a ping.
    case autoCreate
    case job(String)
    case window(index: Int, name: String?)

    /// `in job 'db-prod'`, `in [defaults]`, `in maintenance window 'sunday-patching'`.
    var phrase: String { self == .topLevel ? "at the top level" : "in \(description)" }

    var description: String {
        switch self {
        case .topLevel: "the file"
        case .defaults: "[defaults]"
        case .autoCreate: "[auto_create]"
        case .job(let slug): "job '\(slug)'"
        case .window(_, let name?): "maintenance window '\(name)'"
        case .window(let index, nil): "maintenance window #\(index + 1)"
        }
    }

    /// The table path the locator knows this place by.
    var path: [String] {
        switch self {
        case .topLevel: []
        case .defaults: ["defaults"]
        case .autoCreate: ["auto_create"]
        case .job(let slug): ["jobs", slug]
        case .window(let index, _): ["maintenance", "#\(index)"]
        }
    }

    /// Whether the keys here are shared by jobs, so the keys of one job only cannot be set.
    var isShared: Bool { self == .defaults || self == .autoCreate }

    /// `jobs.db-prod.` — what a nested table header starts with here.
    var tablePrefix: String { path.isEmpty ? "" : path.joined(separator: ".") + "." }
}

/// The keys of one job table or of `[defaults]`, each nil when absent (or unreadable).
struct JobFields {
    /// Keys written in the table, whether or not their values were good.
    var present: Set<String> = []
    var name: String?
    var key: String?
    var schedule: Schedule?
    var timeZone: TimeZone?
    var grace: TimeInterval?
    var maxRuntime: TimeInterval?
    var kind: BackupKind?
    var chainParent: String?
    var priority: JobPriority?
    var minSize: Int64?
    var rpo: TimeInterval?
    var rto: TimeInterval?
    var tests: [String]?
    var requireRestoreTest: Bool?
    var owner: String?
    var escalation: String?
    var protects: [String]?
    var tags: [String]?
    var description: String?
    var paused: Bool?
    var alerts = AlertFields()

    /// These fields, with each one the job leaves out taken from `defaults`.
    func overriding(_ defaults: JobFields) -> JobFields {
        var merged = self
        merged.present.formUnion(defaults.present)
        merged.schedule = schedule ?? defaults.schedule
        merged.timeZone = timeZone ?? defaults.timeZone
        merged.grace = grace ?? defaults.grace
        merged.maxRuntime = maxRuntime ?? defaults.maxRuntime
        merged.kind = kind ?? defaults.kind
        merged.priority = priority ?? defaults.priority
        merged.minSize = minSize ?? defaults.minSize
        merged.rpo = rpo ?? defaults.rpo
        merged.rto = rto ?? defaults.rto
        merged.requireRestoreTest = requireRestoreTest ?? defaults.requireRestoreTest
        merged.owner = owner ?? defaults.owner
        merged.escalation = escalation ?? defaults.escalation
        merged.protects = protects ?? defaults.protects
        merged.tags = tags ?? defaults.tags
        merged.paused = paused ?? defaults.paused
        merged.alerts = alerts.overriding(defaults.alerts)
        return merged
    }
}

/// The keys of an `alerts` table, each nil when absent.
struct AlertFields {
    var sizeAnomalyFactor: Double?
    var durationAnomalyHigh: Double?
    var durationAnomalyLow: Double?
    var anomalyWindow: Int?
    var anomalyMinRuns: Int?
    var delayedEscalationPeriods: Int?
    var flakyRuns: Int?
    var flakyWindow: Int?
    var restoreEscalationPeriods: Int?
    var severities: [AlertKind: AlertSeverity] = [:]

    func overriding(_ defaults: AlertFields) -> AlertFields {
        AlertFields(
            sizeAnomalyFactor: sizeAnomalyFactor ?? defaults.sizeAnomalyFactor,
            durationAnomalyHigh: durationAnomalyHigh ?? defaults.durationAnomalyHigh,
            durationAnomalyLow: durationAnomalyLow ?? defaults.durationAnomalyLow,
            anomalyWindow: anomalyWindow ?? defaults.anomalyWindow,
            anomalyMinRuns: anomalyMinRuns ?? defaults.anomalyMinRuns,
            delayedEscalationPeriods: delayedEscalationPeriods ?? defaults.delayedEscalationPeriods,
            flakyRuns: flakyRuns ?? defaults.flakyRuns, flakyWindow: flakyWindow ?? defaults.flakyWindow,
            restoreEscalationPeriods: restoreEscalationPeriods ?? defaults.restoreEscalationPeriods, severities: defaults.severities.merging(severities) { _, own in own })
    }
}
