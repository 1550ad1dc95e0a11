import BoardModel
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Heartbeats that could not be delivered, kept on disk until a later `ping` or `run` delivers them.
///
/// One JSON file per heartbeat, named `<created, UTC, basic ISO 8601>-<Heartbeat-Id>.json` so that
/// names sort in the order the heartbeats were made. A file is written under a temporary name,
/// fsync'd, renamed into place and the folder fsync'd, so a crash leaves either a whole file or none.
/// Files are readable by their owner only: they hold ping URLs, and ping keys are secrets.
///
/// Writers need no lock (each file is new); whoever *sends* from the spool holds an exclusive
/// `flock` on `.lock` in the folder, so two clients never send the same file or remove one
/// another's. A file is removed only after the server acknowledged it; a crash between the two
/// makes the next client send it again with the same `Heartbeat-Id`, which the server stores once.
package struct HeartbeatSpool: Sendable {
    /// The folder.
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// The server only trusts a late heartbeat's time within 7 days; older files are dropped.
    static let maxAge: TimeInterval = 7 * 86_400

    /// The version of the file format written; `read` accepts this one.
    static let formatVersion = 1

    /// `$XDG_STATE_HOME/backupboard/spool`, else `~/.local/state/backupboard/spool`.
    package static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        DataPaths.stateDirectory(environment: environment) + "/spool"
    }

    /// One file in the spool.
    package struct Entry: Sendable, Equatable {
        /// The file's path.
        package let path: String
        /// What it holds, or nil when the file cannot be read as a spooled heartbeat.
        package let delivery: HeartbeatDelivery?
    }

    // MARK: Writing

    /// Keeps `delivery` on disk; answers the file's path.
    @discardableResult
    func write(_ delivery: HeartbeatDelivery) throws(SpoolError) -> String {
        try makeDirectory()
        let record = Record(
            version: Self.formatVersion, url: delivery.url, heartbeatID: delivery.heartbeatID,
            createdAt: HeartbeatDelivery.timestamp(delivery.createdAt), body: delivery.body
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(record) } catch { throw SpoolError(directory, "cannot encode a heartbeat: \(error)") }

        let name = Self.fileName(for: delivery)
        let temporary = directory + "/.tmp-" + UUID().uuidString + ".json"
        let final = directory + "/" + name
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError(directory, "cannot create \(temporary): \(Self.errnoText())") }
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return false } }
                offset += n
            }
            return true
        }
        let synced = written && fsync(fd) == 0
        let problem = Self.errnoText()
        close(fd)
        guard synced else {
            unlink(temporary)
            throw SpoolError(directory, "cannot write \(temporary): \(problem)")
        }
        guard rename(temporary, final) == 0 else {
            let problem = Self.errnoText()
            unlink(temporary)
            throw SpoolError(directory, "cannot move the heartbeat into \(final): \(problem)")
        }
        syncDirectory()
        return final
    }

    /// `20261127T010948.123Z-<heartbeat id>.json`.
    static func fileName(for delivery: HeartbeatDelivery) -> String {
        let stamp = HeartbeatDelivery.timestamp(delivery.createdAt).filter { $0 != "-" && $0 != ":" }
        let id = delivery.heartbeatID.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return "\(stamp)-\(id).json"
    }

    // MARK: Reading and removing

    /// The spooled heartbeats, oldest first (by file name, which starts with the creation time).
    package func entries() throws(SpoolError) -> [Entry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            if !FileManager.default.fileExists(atPath: directory) { return [] }
            throw SpoolError(directory, "cannot list the folder: \(error.localizedDescription)")
        }
        return names.filter { !$0.hasPrefix(".") && $0.hasSuffix(".json") }.sorted().map { name in
            let path = directory + "/" + name
            return Entry(path: path, delivery: Self.read(path))
        }
    }

    /// The heartbeat in the file at `path`, or nil when it is not a spool file this version can read.
    static func read(_ path: String) -> HeartbeatDelivery? {
        guard let data = FileManager.default.contents(atPath: path),
              let record = try? JSONDecoder().decode(Record.self, from: data),
              record.version == formatVersion,
              let created = HeartbeatDelivery.date(fromTimestamp: record.createdAt) else { return nil }
        return HeartbeatDelivery(url: record.url, body: record.body, heartbeatID: record.heartbeatID, createdAt: created)
    }

    /// Removes a delivered (or dropped) file.
    package func remove(_ entry: Entry) {
        unlink(entry.path)
        syncDirectory()
    }

    /// Renames a file that cannot be read to `NAME.corrupt`, out of the queue but kept for a human.
    func setAside(_ entry: Entry) -> String {
        let target = entry.path + ".corrupt"
        rename(entry.path, target)
        return target
    }

    /// True when `delivery` is too old to be sent: the server would not trust its time.
    static func isExpired(_ delivery: HeartbeatDelivery, now: Date) -> Bool {
        now.timeIntervalSince(delivery.createdAt) > maxAge
    }

    // MARK: The sender's lock

    /// An exclusive `flock` on the spool's `.lock`, held until `release()`.
    package final class Lock: @unchecked Sendable {
        private var fd: Int32

        fileprivate init(fd: Int32) { self.fd = fd }

        /// Lets the next client send from the spool.
        package func release() {
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }

        deinit { release() }
    }

    /// Takes the sender's lock, waiting up to `wait` seconds for another client to finish;
    /// nil when it stays busy that long.
    package func lock(wait: TimeInterval) async throws(SpoolError) -> Lock? {
        try makeDirectory()
        let path = directory + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError(directory, "cannot open \(path): \(Self.errnoText())") }
        let deadline = Date().addingTimeInterval(wait)
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return Lock(fd: fd) }
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                return nil
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: Private

    private struct Record: Codable {
        var version: Int
        var url: String
        var heartbeatID: String
        var createdAt: String
        var body: String

        enum CodingKeys: String, CodingKey {
            case version, url, body
            case heartbeatID = "heartbeat_id"
            case createdAt = "created_at"
        }
    }

    private func makeDirectory() throws(SpoolError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw SpoolError(directory, "cannot create the folder: \(error.localizedDescription)")
        }
    }

    /// Makes a rename or unlink durable: the folder's entry is data too.
    private func syncDirectory() {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// The spool folder could not be used.
package struct SpoolError: Error, CustomStringConvertible {
    let directory: String
    let reason: String

    init(_ directory: String, _ reason: String) {
        self.directory = directory
        self.reason = reason
    }

    package var description: String { "heartbeat spool \(directory): \(reason)" }
}
