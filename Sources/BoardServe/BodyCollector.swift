/// Reads a heartbeat body chunk by chunk: keeps the first 100 KB, counts and discards the rest up to
/// 16 MB, and says when to stop reading (docs/architecture.md §4: bodies are never refused).
///
/// Past `readLimit` the server stops reading: the heartbeat is still stored with what was kept, and the
/// connection is closed, so a runaway client cannot hold a connection forever.
struct BodyCollector: Sendable {
    /// Bytes kept and stored with the heartbeat; also the `Ping-Body-Limit` header.
    static let keptLimit = 100 * 1024
    /// Bytes read at most (kept + discarded).
    static let readLimit = 16 * 1024 * 1024

    let keptLimit: Int
    let readLimit: Int
    /// The first `keptLimit` bytes.
    private(set) var kept: [UInt8] = []
    /// Bytes read past the kept part and thrown away.
    private(set) var truncatedBytes = 0
    /// Set once more than `readLimit` bytes arrived: stop reading, close the connection.
    private(set) var isOverLimit = false

    init(keptLimit: Int = Self.keptLimit, readLimit: Int = Self.readLimit) {
        self.keptLimit = keptLimit
        self.readLimit = max(readLimit, keptLimit)
    }

    /// Bytes read so far.
    var bytesRead: Int { kept.count + truncatedBytes }

    /// Takes the next chunk. Returns false once reading should stop.
    mutating func append(_ chunk: some Collection<UInt8>) -> Bool {
        guard !isOverLimit else { return false }
        let room = keptLimit - kept.count
        if room > 0 {
            kept.append(contentsOf: chunk.prefix(room))
        }
        let rest = max(0, chunk.count - max(room, 0))
        let allowed = readLimit - bytesRead
        if rest > allowed {
            truncatedBytes += allowed
            isOverLimit = true
            return false
        }
        truncatedBytes += rest
        return true
    }

    /// The problem recorded with a heartbeat whose body went past the read limit.
    var overLimitProblem: String? {
        isOverLimit ? "body larger than \(readLimit / (1024 * 1024)) MB: the server stopped reading it there" : nil
    }
}
