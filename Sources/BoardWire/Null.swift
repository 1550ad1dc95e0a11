// Why: the synthesized `Codable` conformance skips nil optionals (`encodeIfPresent`), but the JSON of
// `status --json` and `/api/v1` promises that every key is always present. Marking a property `@Null` keeps
// the synthesized conformance (keys from `CodingKeys`) instead of a hand-written `encode(to:)` per struct.

/// An optional property written as JSON `null` when empty, and read back from `null` or a missing key.
@propertyWrapper
package struct Null<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    package var wrappedValue: Value?

    package init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue {
            try container.encode(wrappedValue)
        } else {
            try container.encodeNil()
        }
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as nil, as it does for a plain optional (the synthesized `init(from:)` calls this).
    package func decode<Value>(_ type: Null<Value>.Type, forKey key: Key) throws -> Null<Value> {
        Null(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}

extension Null: Hashable where Value: Hashable {}
