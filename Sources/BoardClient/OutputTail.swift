import Foundation

/// The last bytes a command wrote, capped, so that `run` can report the end of a backup's output
/// however much the backup printed.
final class OutputTail: @unchecked Sendable {
    private let maxBytes: Int
    private var bytes: [UInt8] = []
    private var dropped = false
    private let lock = NSLock()

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
        bytes.reserveCapacity(maxBytes)
    }

    /// Adds what the command just wrote, forgetting the oldest bytes beyond the cap.
    func append<Bytes: Collection>(_ chunk: Bytes) where Bytes.Element == UInt8 {
        lock.lock()
        defer { lock.unlock() }
        if chunk.count > maxBytes { dropped = true }
        bytes.append(contentsOf: chunk.suffix(maxBytes))
        if bytes.count > maxBytes {
            bytes.removeFirst(bytes.count - maxBytes)
            dropped = true
        }
    }

    /// The kept text (invalid UTF-8 replaced), at most `maxLines` lines; when older output was
    /// forgotten, the first, cut line is left out.
    func text(maxLines: Int = .max) -> String {
        lock.lock()
        let kept = bytes
        let cut = dropped
        lock.unlock()
        var lines = String(decoding: kept, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if cut, lines.count > 1 { lines.removeFirst() }
        if lines.last == "" { lines.removeLast() }
        return lines.suffix(maxLines).joined(separator: "\n")
    }
}
