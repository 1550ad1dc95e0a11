import ArgumentParser
import BoardModel

/// `--job SLUG | --tag TAG | --fleet`: what `mute` and `unmute` apply to; exactly one.
struct MuteScopeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("One job, by its slug.", valueName: "slug"))
    var job: String?

    @Option(help: ArgumentHelp("Every job with this tag (now or later).", valueName: "tag"))
    var tag: String?

    @Flag(help: "The whole fleet.")
    var fleet = false

    func validate() throws {
        let given = [job != nil, tag != nil, fleet].filter { $0 }.count
        guard given == 1 else { throw ValidationError("Name exactly one of --job SLUG, --tag TAG and --fleet.") }
        if let tag, tag.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--tag cannot be empty.") }
    }

    /// The scope named on the command line.
    var scope: MuteScope {
        if let job { return .job(job) }
        if let tag { return .tag(tag) }
        return .fleet
    }

    /// `job db-prod`, `tag prod`, `the fleet`.
    var words: String {
        switch scope {
        case .job(let slug): "job \(slug)"
        case .tag(let tag): "tag \(tag)"
        case .fleet: "the fleet"
        }
    }

    /// Fails with `No job named 'x'` when `--job` names no job.
    func checkJob(in store: any JobDirectory) async throws {
        if let job, try await store.job(slug: job) == nil { throw BoardError.unknownJob(job) }
    }
}
