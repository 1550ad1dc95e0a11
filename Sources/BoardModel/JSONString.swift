import Foundation

/// JSON string literals, for the places that write JSON text by hand.
package enum JSONString {
    /// `text` as a JSON string literal, quotes included, control characters escaped.
    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` to `bytes` as a JSON string literal in UTF-8, quotes included: `"` and `\` escaped,
    /// control characters as `\n`, `\r`, `\t` or `\u00XX`, everything else as it is (a byte of a multi-byte
    /// character is never below 0x80, so none is mistaken for one of these).
    package static func append(_ text: String, to bytes: inout [UInt8]) {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        bytes.append(quote)
        for byte in text.utf8 {
            switch byte {
            case quote, backslash: bytes.append(contentsOf: [backslash, byte])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [backslash, UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [backslash, UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [backslash, UInt8(ascii: "t")])
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(contentsOf: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(quote)
    }
}
