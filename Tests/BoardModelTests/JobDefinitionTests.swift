import Foundation
import Testing
@testable import BoardModel

/// A job in the jobs file's keys as JSON (the jobs API's bodies and answers): read by the jobs file's own
/// reader, so the messages are the file's, and written so that reading it back gives the same job.
@Suite struct JobDefinitionTests {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    private func decode(_ json: String) throws -> [String: DefinitionValue] {
        try JSONDecoder().decode([String: DefinitionValue].self, from: Data(json.utf8))
    }

    @Test func aJobReadsBackAsItWasWritten() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let jobs = [
            Job(slug: "plain", pingKey: "k", schedule: .interval(6 * 3600), createdAt: t0),
            Job(
                slug: "files", name: "File server", pingKey: "k", schedule: .cron(try CronExpression("30 2 * * *"), timeZone: berlin),
                grace: 90, maxRuntime: 5400, kind: .incremental, chainParent: "files-full", priority: .critical,
                minSize: 1_500_000_000, rpo: 86_400, rto: 3600, owner: "ops", escalation: "oncall", protects: ["/srv"],
                tags: ["prod", "fs"], description: "nightly", paused: true,
                alerting: AlertSettings(sizeAnomalyFactor: 0.3, anomalyWindow: 12, severities: [.failed: .emergency]),
                createdAt: t0),
            Job(slug: "odd", pingKey: "k", schedule: try Schedule.parse(entries: ["Mon..Fri 02:30", "0 4 * * 6"], timeZone: nil)
                .reading(in: berlin), minSize: 1_234_567, createdAt: t0),
            Job(slug: "proved", pingKey: "k", schedule: .interval(86_400), rto: 14_400, requireRestoreTest: true, createdAt: t0),
            Job(
                slug: "drill", pingKey: "k", schedule: .interval(30 * 86_400), kind: .restoreTest, tests: ["proved"],
                alerting: AlertSettings(restoreEscalationPeriods: 2), createdAt: t0),
        ]
        let stored: [String: String?] = ["files-full": nil, "proved": nil]
        for job in jobs {
            let fields = JobDefinition.fields(of: job)
            // Through JSON text, as the API sends it.
            let json = try JSONEncoder().encode(fields)
            let back = try JobDefinition.spec(slug: job.slug, fields: try JSONDecoder().decode([String: DefinitionValue].self, from: json), stored: stored)
            #expect(back.makeJob(pingKey: "k", createdAt: t0) == job, "\(String(decoding: json, as: UTF8.self))")
            #expect(fields["key"] == nil)
        }
        #expect(JobDefinition.fields(of: jobs[0])["schedule"] == .string("6h"))
        #expect(JobDefinition.fields(of: jobs[1])["min_size"] == .string("1500MB"))
        #expect(JobDefinition.fields(of: jobs[2])["min_size"] == .integer(1_234_567))
    }

    @Test func aMisspelledKeyGetsTheJobsFilesMessage() throws {
        let toml = "[jobs.db-prod]\nschedule = \"6h\"\ngrase = \"1h\"\n"
        var fileMessage = ""
        do {
            _ = try JobsFile.parse(toml, path: "jobs.toml")
        } catch BoardError.jobsFile(_, _, let message) {
            fileMessage = message
        }
        #expect(fileMessage == "unknown key 'grase' in job 'db-prod' (did you mean 'grace'?)")
        #expect(throws: BoardError.invalidDefinition([fileMessage])) {
            try JobDefinition.spec(slug: "db-prod", fields: try decode(#"{"schedule": "6h", "grase": "1h"}"#), stored: [:])
        }
    }

    /// The messages of a jobs file's problems, without their lines.
    private func fileMessages(_ toml: String) -> [String] {
        do {
            _ = try JobsFile.parse(toml, path: "jobs.toml")
            return []
        } catch BoardError.jobsFile(_, _, let message) {
            return [message]
        } catch BoardError.jobsFileProblems(_, let problems) {
            return problems.map(\.message)
        } catch {
            return ["\(error)"]
        }
    }

    private func definitionMessages(_ slug: String, _ json: String) throws -> [String] {
        do {
            _ = try JobDefinition.spec(slug: slug, fields: try decode(json), stored: [:])
            return []
        } catch BoardError.invalidDefinition(let messages) {
            return messages
        }
    }

    @Test func everyProblemIsReportedInTheFilesWords() throws {
        let cases: [(slug: String, json: String, toml: String)] = [
            ("x", #"{"grace": "soon"}"#, "[jobs.x]\ngrace = \"soon\""),
            ("Bad", #"{"schedule": "6h"}"#, "[jobs.Bad]\nschedule = \"6h\""),
            ("x", #"{"schedule": 3600, "priority": "urgent", "tags": "db"}"#,
             "[jobs.x]\nschedule = 3600\npriority = \"urgent\"\ntags = \"db\""),
            ("x", #"{"schedule": "0 */6 * * *", "timezone": "Mars/Olympus", "alerts": {"flaky_runs": 5, "flaky_window": 3}}"#,
             "[jobs.x]\nschedule = \"0 */6 * * *\"\ntimezone = \"Mars/Olympus\"\n[jobs.x.alerts]\nflaky_runs = 5\nflaky_window = 3"),
            ("x", #"{"schedule": "6h", "key": "short"}"#, "[jobs.x]\nschedule = \"6h\"\nkey = \"short\""),
        ]
        for (slug, json, toml) in cases {
            let expected = fileMessages(toml)
            #expect(!expected.isEmpty, "\(toml)")
            #expect(try definitionMessages(slug, json).sorted() == expected.sorted(), "\(json)")
        }
    }

    @Test func aChainParentIsAStoredJobAndMayNotLoopThroughThem() throws {
        let spec = try JobDefinition.spec(
            slug: "incr", fields: try decode(#"{"schedule": "1d", "chain_parent": "full"}"#), stored: ["full": nil])
        #expect(spec.chainParent == "full")
        #expect(throws: BoardError.invalidDefinition(["invalid chain_parent \"fulll\" in job 'incr': no job 'fulll' (did you mean 'full'?)"])) {
            try JobDefinition.spec(slug: "incr", fields: try decode(#"{"schedule": "1d", "chain_parent": "fulll"}"#), stored: ["full": nil])
        }
        // `full` already builds on `incr`: making `incr` build on `full` would close the loop.
        #expect(throws: BoardError.invalidDefinition(["invalid chain_parent \"full\" in job 'incr': the chain incr → full → incr loops"])) {
            try JobDefinition.spec(
                slug: "incr", fields: try decode(#"{"schedule": "1d", "chain_parent": "full"}"#), stored: ["full": "incr", "incr": nil])
        }
    }
}
