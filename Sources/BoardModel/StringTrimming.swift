/// Trimming on Unicode scalars, for the heartbeat path: Foundation's `trimmingCharacters(in:)` bridges every
/// call through NSString on Linux, which cost a fifth of `serve`'s CPU under load (Benchmarks/README.md).
extension StringProtocol {
    /// Without leading and trailing white space, line breaks included (Unicode's White_Space property, the
    /// set of `trimmingCharacters(in: .whitespacesAndNewlines)`).
    package func trimmed() -> String {
        trimming { $0.properties.isWhitespace }
    }

    /// Without leading and trailing white space other than line breaks (the set of
    /// `trimmingCharacters(in: .whitespaces)`: spaces and tabs).
    package func trimmedOnLine() -> String {
        trimming { $0.properties.isWhitespace && !Self.isLineBreak($0) }
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    private func trimming(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isTrimmed($0) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
