import ArgumentParser
import BoardModel

/// `--db` and the slugs of the jobs a command changes one by one.
struct JobSelection: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The jobs (their slugs).")
    var slugs: [String]

    /// Runs `change` on each job in turn and says `done SLUG.` after each; stops at the first error.
    func each(_ done: String, _ change: (any JobCatalog & BoardActions, String) async throws -> Void) async throws {
        let store = try await database.open(.existing)
        for slug in slugs {
            try await change(store, slug)
            print("\(done) \(slug).")
        }
    }
}

extension JobsCommand {
    /// `jobs remove SLUG…`: deletes jobs with their history.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove jobs and their history.")
        @OptionGroup var selection: JobSelection
        func run() async throws { try await selection.each("Removed") { try await $0.removeJob(slug: $1) } }
    }

    /// `jobs pause SLUG…`: shown as paused, never alerts.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause jobs: shown as paused, never alerting.")
        @OptionGroup var selection: JobSelection
        func run() async throws { try await selection.each("Paused") { try await $0.pause(slug: $1) } }
    }

    /// `jobs resume SLUG…`: judged and alerting again.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume paused jobs.")
        @OptionGroup var selection: JobSelection
        func run() async throws { try await selection.each("Resumed") { try await $0.resume(slug: $1) } }
    }
}
