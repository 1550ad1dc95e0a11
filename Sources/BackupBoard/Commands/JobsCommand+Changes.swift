import ArgumentParser
import BoardModel
import Foundation

/// `--db` or `--server`, who signs, and the slugs of the jobs a command changes one by one.
struct JobSelection: ParsableArguments {
    @OptionGroup var target: JobsTarget
    @OptionGroup var signature: SignatureOptions

    @Argument(help: "The jobs (their slugs).")
    var slugs: [String]

    /// What a command does to each job.
    enum Change {
        case remove, pause, resume

        /// `Removed`, as in `Removed db-prod.`
        var done: String {
            switch self {
            case .remove: "Removed"
            case .pause: "Paused"
            case .resume: "Resumed"
            }
        }
    }

    /// Makes `change` to each job in turn and says `done SLUG.` after each; stops at the first error. Locally,
    /// each change is a plan the store carries out with its audit entry, as the jobs API does.
    func each(_ change: Change) async throws {
        if let client = try target.client(signature: signature.signature) {
            for slug in slugs {
                switch change {
                case .remove: try await client.removeJob(slug: slug)
                case .pause: try await client.pause(slug: slug)
                case .resume: try await client.resume(slug: slug)
                }
                print("\(change.done) \(slug).")
            }
            return
        }
        let store = try await target.database.open(.existing)
        for slug in slugs {
            guard let job = try await store.job(slug: slug) else { throw BoardError.unknownJob(slug) }
            var updated = job
            let plan: JobsPlan
            switch change {
            case .remove:
                plan = JobsPlan(removes: [job])
            case .pause, .resume:
                updated.paused = change == .pause
                plan = JobsPlan(updates: [(job, updated)])
            }
            try await store.apply(plan, maintenanceWindows: nil, by: signature.signature, at: Date())
            print("\(change.done) \(slug).")
        }
    }
}

extension JobsCommand {
    /// `jobs remove SLUG…`: deletes jobs with their history.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove jobs and their history.")
        @OptionGroup var selection: JobSelection
        func run() async throws { try await selection.each(.remove) }
    }

    /// `jobs pause SLUG…`: shown as paused, never alerts.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause jobs: shown as paused, never alerting.")
        @OptionGroup var selection: JobSelection
        func run() async throws { try await selection.each(.pause) }
    }

    /// `jobs resume SLUG…`: judged and alerting again.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume paused jobs.")
        @OptionGroup var selection: JobSelection
        func run() async throws { try await selection.each(.resume) }
    }
}
