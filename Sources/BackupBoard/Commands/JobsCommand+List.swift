import ArgumentParser
import BoardModel
import BoardTerminal

extension JobsCommand {
    /// `jobs list`: one line per job with its schedule and settings.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the jobs.")

        @OptionGroup var target: JobsTarget

        func run() async throws {
            let jobs: [Job]
            if let client = try target.client() {
                jobs = try await client.jobs()
            } else {
                jobs = try await target.database.open(.readOnly).jobs()
            }
            guard !jobs.isEmpty else {
                print("No jobs yet. Add one with `backupboard jobs add SLUG --every 6h`.")
                return
            }
            let header = ["JOB", "SCHEDULE", "GRACE", "KIND", "PRIORITY", "RPO", "TAGS", ""]
            let rows = jobs.map { job in
                [
                    job.slug, job.schedule.description, HumanUnits.formatDuration(job.grace), job.kind.rawValue,
                    job.priority.rawValue, job.rpo.map(HumanUnits.formatDuration) ?? "-",
                    job.tags.isEmpty ? "-" : job.tags.joined(separator: ","), job.paused ? "paused" : "",
                ]
            }
            print(StatusFormatter.align([header] + rows))
        }
    }
}
