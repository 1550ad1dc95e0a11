import ArgumentParser
import BoardModel

/// `backupboard unmute`: ends every mute of a job, a tag or the fleet.
struct UnmuteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmute",
        abstract: "End the mutes of a job, a tag or the fleet: their open alerts notify again.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: MuteScopeOptions

    func run() async throws {
        do {
            let store = try await database.open(.existing)
            try await target.checkJob(in: store)
            let removed = try await store.removeMutes(scope: target.scope)
            print(removed == 0
                ? "Nothing to unmute: \(target.words) was not muted."
                : "Unmuted \(target.words) (\(removed == 1 ? "1 mute" : "\(removed) mutes") removed).")
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
    }
}
