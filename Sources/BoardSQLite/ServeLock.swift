import BoardModel
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one `serve` of a SQLite database: an exclusive `flock` on `PATH-serve.lock` beside it, held for the
/// store's life, with the holder's PID in the file. Two `serve` processes on one file would both judge the
/// fleet and both send every notification; the second is refused at start, naming the first. The kernel
/// releases the lock when the process ends, however it ends, so a crash never leaves a stale lock.
final class ServeLock: Sendable {
    private let fd: Int32

    /// Takes the lock beside `databasePath`, or says who holds it.
    init(beside databasePath: String) throws {
        let path = databasePath + "-serve.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BoardError.database(path: databasePath, reason: "cannot open its serve lock \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(fd)
            close(fd)
            throw BoardError.database(
                path: databasePath,
                reason: "another backupboard serve\(holder.map { " (PID \($0))" } ?? "") is already using it; "
                    + "one database has one serve (stop that one first)")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
