import BoardModel

/// JSON written by hand into bytes, for the board's rows (`BoardDocumentWriter`): `JSONEncoder` makes a tree
/// of every row before its bytes, which for 10,000 rows cost `serve` seconds and tens of megabytes. Commas go
/// in by themselves: before a key or an array element unless it is the first of its object or array.
struct JSONOutput {
    var bytes: [UInt8]

    init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    /// Before a value in an array, or a key in an object: a comma unless it opens them, follows its key, or
    /// one is there already (the caller's, between pieces written apart).
    private mutating func separate() {
        guard let last = bytes.last else { return }
        if last != UInt8(ascii: "{"), last != UInt8(ascii: "["), last != UInt8(ascii: ":"), last != UInt8(ascii: ",") {
            bytes.append(UInt8(ascii: ","))
        }
    }

    mutating func openObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
    }

    mutating func closeObject() { bytes.append(UInt8(ascii: "}")) }

    mutating func openArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
    }

    mutating func closeArray() { bytes.append(UInt8(ascii: "]")) }

    /// `"name":`, the value to follow.
    mutating func key(_ name: String) {
        separate()
        JSONString.append(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    mutating func value(_ text: String) {
        separate()
        JSONString.append(text, to: &bytes)
    }

    mutating func value(_ flag: Bool) {
        separate()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    mutating func value<Number: BinaryInteger>(_ number: Number) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
    }

    /// The shortest digits that read back as `number` (Swift's `description`: `0.5`, `1e-05`, `3.0`), which
    /// JSON reads as they are; like `JSONEncoder`, infinities and NaN are refused.
    mutating func value(_ number: Double) throws {
        guard number.isFinite else { throw BoardError.invalidValue("\(number) cannot be written as JSON") }
        separate()
        bytes.append(contentsOf: number.description.utf8)
    }

    mutating func value(_ texts: [String]) {
        openArray()
        for text in texts { value(text) }
        closeArray()
    }

    mutating func value(_ number: Int64?) {
        if let number { value(number) } else { null() }
    }

    mutating func value(_ number: Double?) throws {
        if let number { try value(number) } else { null() }
    }
}
