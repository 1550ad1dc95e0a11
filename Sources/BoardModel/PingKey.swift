/// The secret in a job's ping URL.
public enum PingKey {
    /// Characters that need no escaping in a URL path.
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// A fresh key of 24 characters from a 62-letter alphabet: about 143 bits.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// A fresh key from the system's secure generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// Keys shorter than this are accepted with a warning: they may be guessed.
    public static let recommendedLength = 22

    /// Why a given key is unacceptable, or nil. Keys go in a URL path, so only unreserved characters pass.
    public static func problem(with key: String) -> String? {
        if key.isEmpty { return "a ping key cannot be empty" }
        if key.count > 200 { return "a ping key is at most 200 characters" }
        let allowed = Set(alphabet + Array("-_.~"))
        if let bad = key.first(where: { !allowed.contains($0) }) {
            return "a ping key may hold letters, digits and - _ . ~ only, not '\(bad)'"
        }
        return nil
    }

    /// A warning for keys too short to be a secret, such as the seed article's `db_backup_abc123`.
    public static func warning(for key: String) -> String? {
        guard key.count < recommendedLength else { return nil }
        return "ping key '\(key)' is short (\(key.count) characters): anyone who guesses it can send heartbeats for this job; a generated key has \(recommendedLength)+"
    }
}
