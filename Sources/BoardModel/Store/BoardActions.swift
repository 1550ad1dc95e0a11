import Foundation

/// The board's writes, from its keys, the API and the commands: acknowledge, mute, unmute, pause, resume.
public protocol BoardActions: Sendable {
    func acknowledgeAlert(id: Int64, by who: String, note: String?, at date: Date) async throws
    /// Stores a mute; answers it with its id.
    @discardableResult
    func add(_ mute: Mute) async throws -> Mute
    /// Removes the mutes of exactly this scope; answers how many.
    @discardableResult
    func removeMutes(scope: MuteScope) async throws -> Int
    /// Throws `BoardError.unknownJob` when there is no such job.
    func pause(slug: String) async throws
    func resume(slug: String) async throws
}
