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

    /// The characters a key may hold: they need no escaping in a URL path.
    public static let allowedCharacters = Set(alphabet + Array("-_"))

    /// Why a given key is unacceptable, or nil: a key is 8 to 128 letters, digits, `-` or `_`.
    public static func problem(with key: String) -> String? {
        guard (8...128).contains(key.count), key.allSatisfy(allowedCharacters.contains) else {
            return "a ping key is 8 to 128 letters, digits, '-' or '_'"
        }
        return nil
    }

    /// A warning for keys too short to be a secret, such as the seed article's `db_backup_abc123`.
    public static func warning(for key: String) -> String? {
        guard key.count < recommendedLength else { return nil }
        return "ping key '\(key)' is short (\(key.count) characters): anyone who guesses it can send heartbeats for this job; a generated key has \(recommendedLength)+"
    }
}
