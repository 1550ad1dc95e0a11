import Foundation
import TOMLKit

/// A value of a job written in the jobs file's keys as JSON: what `/api/v1/jobs` reads and answers.
public indirect enum DefinitionValue: Sendable, Equatable, Codable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case array([DefinitionValue])
    case table([String: DefinitionValue])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let whole = try? container.decode(Int64.self) {
            self = .integer(whole)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([DefinitionValue].self) {
            self = .array(items)
        } else {
            self = .table(try container.decode([String: DefinitionValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let whole): try container.encode(whole)
        case .number(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        case .array(let items): try container.encode(items)
        case .table(let members): try container.encode(members)
        case .null: try container.encodeNil()
        }
    }

    /// The value as TOMLKit holds it, nulls left out (an absent key), so the jobs-file reader checks it.
    var toml: TOMLValueConvertible? {
        switch self {
        case .string(let text): text
        case .integer(let whole): Int(whole)
        case .number(let number): number
        case .bool(let flag): flag
        case .array(let items): TOMLArray(items.compactMap(\.toml))
        case .table(let members): Self.table(members)
        case .null: nil
        }
    }

    static func table(_ members: [String: DefinitionValue]) -> TOMLTable {
        let values: [String: TOMLValueConvertible] = members.compactMapValues(\.toml)
        return TOMLTable(values)
    }
}

/// One job in the jobs file's keys (docs/jobs-file.md): read through the jobs file's own reader, so a job sent
/// to the API is checked exactly as a `[jobs.SLUG]` table is, with the same messages; and written back in those
/// keys, so what `GET /api/v1/jobs/SLUG` answers can be sent again unchanged.
public enum JobDefinition {
    /// The job `fields` describe (the keys of a `[jobs.SLUG]` table). Its chain parent may be one of `stored`
    /// (slug → chain parent), the other jobs already in the store. Throws `BoardError.invalidDefinition` with
    /// every problem, in the jobs file's words.
    public static func spec(slug: String, fields: [String: DefinitionValue], stored: [String: String?]) throws -> JobSpec {
        guard let spec = try specs([slug: fields], stored: stored.filter { $0.key != slug }).first else {
            throw BoardError.invalidDefinition(["missing job '\(slug)'"])
        }
        return spec
    }

    /// The jobs `jobs` describe (slug → keys), read in one pass as one document, by slug; their chain parents
    /// may be each other or one of `stored`. Throws `BoardError.invalidDefinition` with every problem.
    public static func specs(_ jobs: [String: [String: DefinitionValue]], stored: [String: String?] = [:]) throws -> [JobSpec] {
        let tables: [String: TOMLValueConvertible] = jobs.mapValues { DefinitionValue.table($0) }
        let root: [String: TOMLValueConvertible] = ["jobs": TOMLTable(tables)]
        var reader = JobsFileReader(outside: stored.filter { jobs[$0.key] == nil })
        let file = reader.read(TOMLTable(root))
        guard reader.problems.isEmpty else { throw BoardError.invalidDefinition(reader.problems.map(\.message)) }
        return file.jobs.sorted { $0.slug < $1.slug }
    }

    /// `job` in the jobs file's keys, without its ping key (a secret): the keys it sets away from their
    /// defaults, plus `name`, `schedule`, `grace`, `kind`, `priority` and `paused`. Reading it back with
    /// `spec` gives the same job.
    public static func fields(of job: Job) -> [String: DefinitionValue] {
        var fields: [String: DefinitionValue] = [
            "name": .string(job.name), "grace": duration(job.grace), "kind": .string(job.kind.rawValue),
            "priority": .string(job.priority.rawValue), "paused": .bool(job.paused),
        ]
        switch job.schedule {
        case .interval(let seconds):
            fields["schedule"] = duration(seconds)
        case .cron, .calendar:
            fields["schedule"] = .string(job.schedule.entryTexts.joined())
        case .several:
            fields["schedule"] = .array(job.schedule.entryTexts.map(DefinitionValue.string))
        }
        if let zone = job.schedule.jobZone { fields["timezone"] = .string(Schedule.name(of: zone)) }
        fields["max_runtime"] = job.maxRuntime.map(duration)
        fields["chain_parent"] = job.chainParent.map(DefinitionValue.string)
        fields["min_size"] = job.minSize.map(size)
        fields["rpo"] = job.rpo.map(duration)
        fields["rto"] = job.rto.map(duration)
        fields["owner"] = job.owner.map(DefinitionValue.string)
        fields["escalation"] = job.escalation.map(DefinitionValue.string)
        if !job.tests.isEmpty { fields["tests"] = .array(job.tests.map(DefinitionValue.string)) }
        if job.requireRestoreTest { fields["require_restore_test"] = .bool(true) }
        if !job.protects.isEmpty { fields["protects"] = .array(job.protects.map(DefinitionValue.string)) }
        if !job.tags.isEmpty { fields["tags"] = .array(job.tags.map(DefinitionValue.string)) }
        fields["description"] = job.description.map(DefinitionValue.string)
        let alerts = alertFields(job.alerting)
        if !alerts.isEmpty { fields["alerts"] = .table(alerts) }
        return fields
    }

    /// The alert settings that differ from the defaults.
    private static func alertFields(_ settings: AlertSettings) -> [String: DefinitionValue] {
        let defaults = AlertSettings()
        var alerts: [String: DefinitionValue] = [:]
        func number(_ key: String, _ path: KeyPath<AlertSettings, Double>) {
            if settings[keyPath: path] != defaults[keyPath: path] { alerts[key] = .number(settings[keyPath: path]) }
        }
        func whole(_ key: String, _ path: KeyPath<AlertSettings, Int>) {
            if settings[keyPath: path] != defaults[keyPath: path] { alerts[key] = .integer(Int64(settings[keyPath: path])) }
        }
        number("size_anomaly_factor", \.sizeAnomalyFactor)
        number("duration_anomaly_high", \.durationAnomalyHigh)
        number("duration_anomaly_low", \.durationAnomalyLow)
        whole("anomaly_window", \.anomalyWindow)
        whole("anomaly_min_runs", \.anomalyMinRuns)
        whole("delayed_escalation_periods", \.delayedEscalationPeriods)
        whole("flaky_runs", \.flakyRuns)
        whole("flaky_window", \.flakyWindow)
        whole("restore_escalation_periods", \.restoreEscalationPeriods)
        if !settings.severities.isEmpty {
            alerts["severity"] = .table(
                Dictionary(uniqueKeysWithValues: settings.severities.map { ($0.key.rawValue, .string($0.value.rawValue)) }))
        }
        return alerts
    }

    /// `"6h"` when that reads back exactly, else whole seconds.
    private static func duration(_ seconds: TimeInterval) -> DefinitionValue {
        let text = HumanUnits.formatDuration(seconds)
        return HumanUnits.duration(text) == seconds ? .string(text) : .integer(Int64(seconds.rounded()))
    }

    /// `"1GB"` when a unit divides the size exactly, else a number of bytes.
    private static func size(_ bytes: Int64) -> DefinitionValue {
        let text = JobsPlan.exactSize(bytes)
        return !text.hasSuffix(" bytes") && HumanUnits.size(text) == bytes ? .string(text) : .integer(bytes)
    }
}
