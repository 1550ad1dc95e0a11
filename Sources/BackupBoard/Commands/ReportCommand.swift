import ArgumentParser
import BoardModel
import Foundation
import BoardTerminal
import BoardWire

/// `backupboard report`: SLA compliance, failure trends and capacity planning over a period.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print a compliance report: success rate, RPO breaches, duration and size trends, alerts.",
        discussion: """
            Per job over the period: runs and the share that were good, the longest failure streak, how often \
            and how long the backup age exceeded the job's RPO (from run history), the mean and least-squares \
            trend of durations and sizes with the size projected 30 and 90 days ahead, and alerts by kind with \
            the median and longest time to acknowledge. Fleet totals come first. The format is described in \
            docs/report.md.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("How far back the report goes: a duration such as 30d, 12h or 2w.", valueName: "duration"))
    var since = "30d"

    @Option(help: ArgumentHelp("The end of the period: ISO 8601 or Unix seconds (default: now).", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("text, markdown or json.", valueName: "format"))
    var format: Format = .text

    func validate() throws {
        guard let length = HumanUnits.duration(since), length > 0 else {
            throw ValidationError("--since must be a positive duration such as 30d, 12h or 2w, not '\(since)'.")
        }
        if let until {
            guard let end = DemoCommand.parseTime(until) else {
                throw ValidationError("--until '\(until)' is not a time: give ISO 8601 (2026-11-27T09:00:00Z) or Unix seconds.")
            }
            // A report cannot know what has not happened yet: breaches would run on to an end in the future.
            if end > Date().addingTimeInterval(60) { throw ValidationError("--until \(until) is in the future.") }
        }
    }

    func run() async throws {
        let end = until.flatMap(DemoCommand.parseTime) ?? Date()
        let period = DateInterval(start: end.addingTimeInterval(-(HumanUnits.duration(since) ?? 0)), end: end)
        let report: ComplianceReport
        do {
            report = try await database.open(.readOnly).complianceReport(over: period)
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
        let formatter = ReportFormatter(report: report)
        switch format {
        case .text: print(formatter.text())
        case .markdown: print(formatter.markdown())
        case .json: print(try ReportDocument(report).encoded())
        }
    }
}

extension ReportCommand {
    /// What `--format` chooses.
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, markdown, json
    }
}
