import Foundation
import TOMLKit

/// The job a ping by slug creates with `?create=1` (docs/api.md): the serve config's `[auto_create]` table, in the
/// keys `[defaults]` takes in a jobs file (docs/jobs-file.md), read by the jobs file's own reader so its checks and
/// messages are the jobs file's.
public struct JobTemplate: Sendable, Equatable {
    /// The jobs' settings; its slug is a placeholder.
    let spec: JobSpec

    /// Reads `[auto_create]`; `locator` finds its lines in the file it came from. Fails with every problem, each
    /// with its line when known.
    public static func read(_ table: TOMLTable, locator: SourceLocator) -> Result<JobTemplate, JobTemplateProblems> {
        var reader = JobsFileReader(locator: locator)
        let spec = reader.readTemplate(table)
        guard reader.problems.isEmpty, let spec else { return .failure(JobTemplateProblems(problems: reader.problems)) }
        return .success(JobTemplate(spec: spec))
    }

    /// A new job `slug` with the template's settings, named after its slug; `tags` (the ping key's) are added to the
    /// template's own.
    public func job(slug: String, tags: [String], pingKey: String, createdAt: Date) -> Job {
        var job = spec.makeJob(pingKey: pingKey, createdAt: createdAt)
        job.slug = slug
        job.name = slug
        for tag in tags where !job.tags.contains(tag) { job.tags.append(tag) }
        return job
    }
}

/// What is wrong with an `[auto_create]` table.
public struct JobTemplateProblems: Error, Sendable, Equatable {
    public var problems: [JobsFileProblem]
}
