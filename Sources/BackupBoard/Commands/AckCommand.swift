import ArgumentParser
import BoardModel
import Foundation

/// `backupboard ack ID`: acknowledges an alert, with who and an optional note.
struct AckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge an alert (its id from `backupboard alerts`).",
        discussion: "Signed $USER@host, or --as NAME. Acknowledging again replaces who, when and the note.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The alert's id, as `backupboard alerts` lists it (12 or #12).", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("A note for the others on call.", valueName: "text"))
    var note: String?

    @OptionGroup var signer: SignatureOptions

    /// The id without its `#`.
    var alertID: Int64? {
        Int64(id.hasPrefix("#") ? String(id.dropFirst()) : id).flatMap { $0 > 0 ? $0 : nil }
    }

    func validate() throws {
        if alertID == nil { throw ValidationError("'\(id)' is not an alert id: give the number `backupboard alerts` shows, such as 12.") }
    }

    func run() async throws {
        let id = alertID ?? 0
        do {
            let store = try await database.open(.existing)
            guard let alert = try await store.alert(id: id) else {
                throw BoardError.invalidValue("No alert #\(id) (`backupboard alerts --all` lists them)")
            }
            let note = note?.trimmingCharacters(in: .whitespacesAndNewlines)
            try await store.acknowledgeAlert(id: id, by: signer.signature, note: note?.isEmpty == true ? nil : note, at: Date())
            var job = ""
            if let jobID = alert.jobID, let found = try await store.job(id: jobID) { job = " on \(found.slug)" }
            print("Acknowledged alert #\(id) (\(alert.kind.rawValue)\(job)) as \(signer.signature)."
                + (alert.isOpen ? "" : " It was already resolved."))
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
    }
}
