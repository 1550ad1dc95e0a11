import ArgumentParser
import BoardModel
import Foundation

extension JobsCommand {
    /// `jobs apply FILE.toml`: makes the database's jobs match the file, all or nothing.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create and update jobs from a TOML jobs file (idempotent; prints what changed).",
            discussion: """
                A file with any error is rejected whole and nothing is written. Jobs keep their ping key, pause \
                state and mutes unless the file sets them. Jobs absent from the file are left alone unless --prune. \
                The file's schema is in docs/jobs-file.md; examples/jobs.toml is a start.
                """
        )

        @OptionGroup var target: JobsTarget

        @OptionGroup var signature: SignatureOptions

        @Argument(help: ArgumentHelp("The jobs file.", valueName: "file.toml"))
        var file: String

        @Flag(help: "Show what would change, write nothing.")
        var dryRun = false

        @Flag(help: "Remove jobs (and their history) that the file does not list.")
        var prune = false

        @OptionGroup var pingBase: PingBaseOptions

        func run() async throws {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw BoardError.jobsFile(path: file, line: nil, message: "cannot read the file (\(Self.reason(error)))")
            }
            let jobsFile = try JobsFile.parse(text, path: file)
            for spec in jobsFile.jobs {
                if let key = spec.key, let warning = PingKey.warning(for: key) {
                    CommandOutput.warning("job '\(spec.slug)': \(warning)")
                }
            }
            if let client = try target.client(signature: signature.signature) {
                let answer = try await client.apply(file: text, dryRun: dryRun, prune: prune)
                print(answer.unchanged ? "No changes: \(jobsFile.jobs.count) jobs already match \(file)." : answer.changes.joined(separator: "\n"))
                if dryRun {
                    print("(dry run: nothing written)")
                }
                for created in answer.created {
                    print("  ping URL for \(created.slug): \(pingBase.url(key: created.key))")
                }
                return
            }
            let path = target.database.resolvedPath
            // A dry run against a database that does not exist yet plans against no jobs, and creates nothing.
            let store = dryRun && !StoreOpening.exists(path) ? nil : try await StoreOpening.open(path, .creating)
            let current = try await store?.jobs() ?? []
            let plan = JobsPlan(
                current: current, file: jobsFile, prune: prune, now: Date(), makeKey: PingKey.generate)
            if plan.isEmpty {
                print("No changes: \(jobsFile.jobs.count) jobs already match \(file).")
            } else {
                print(plan.lines.joined(separator: "\n"))
            }
            guard let store, !dryRun else {
                print("(dry run: nothing written)")
                return
            }
            try await store.apply(plan, maintenanceWindows: jobsFile.maintenanceWindows, by: signature.signature, at: Date())
            for job in plan.creates {
                print("  ping URL for \(job.slug): \(pingBase.url(key: job.pingKey))")
            }
        }

        private static func reason(_ error: any Error) -> String {
            let nsError = error as NSError
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
               let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
                return String(cString: strerror(code.rawValue))
            }
            return nsError.localizedDescription
        }
    }
}
