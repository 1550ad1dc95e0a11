import ArgumentParser
import BoardModel
import Foundation

/// `backupboard prune`: retention, in small batches so the server keeps ingesting meanwhile.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete old history: runs after 400 days, heartbeats after 90, bodies over 4 KB trimmed after 14.",
        discussion: "Deletes in batches of 1,000 rows. A job's last 10 good runs and what open alerts refer to are kept."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let report = try await database.open(.existing).prune(now: Date(), policy: .default)
        print(report.description)
    }
}
