import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network in CIDR form (`10.0.0.0/8`, `::1/128`, or a bare address): the
/// `trusted_proxies` whose `X-Forwarded-For` is believed.
package struct AddressRange: Equatable, Sendable, CustomStringConvertible {
    /// Network bytes: 4 for IPv4, 16 for IPv6.
    let bytes: [UInt8]
    let prefixLength: Int

    package init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let bytes = Self.addressBytes(String(parts[0])) else { return nil }
        let length: Int
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bytes.count * 8).contains(given) else { return nil }
            length = given
        } else {
            length = bytes.count * 8
        }
        self.bytes = bytes
        self.prefixLength = length
    }

    /// Whether `address` (textual IPv4 or IPv6) lies in this range. An IPv4-mapped IPv6 address
    /// (`::ffff:10.1.2.3`) matches IPv4 ranges.
    func contains(_ address: String) -> Bool {
        guard var other = Self.addressBytes(address) else { return false }
        if other.count == 16, bytes.count == 4, other[0..<10].allSatisfy({ $0 == 0 }), other[10] == 0xff, other[11] == 0xff {
            other = Array(other[12...])
        }
        guard other.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    package var description: String {
        var text = [UInt8](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { out in
                inet_ntop(family, raw.baseAddress, out.baseAddress, socklen_t(out.count)) != nil
            }
        }
        let address = written ? String(decoding: text.prefix(while: { $0 != 0 }), as: UTF8.self) : "?"
        return "\(address)/\(prefixLength)"
    }

    /// 4 or 16 bytes, or nil when `text` is not an IP address.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if v4.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if v6.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 { return v6 }
        return nil
    }
}

/// The client address of a request: the peer, unless the peer is a trusted proxy; then the rightmost
/// `X-Forwarded-For` entry that is not itself a trusted proxy (the leftmost entries can be forged). An
/// entry that is not an IP address (with or without a port) is never stored as the source: the peer is.
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: String?, trusted: [AddressRange]) -> String? {
        guard let peer, let forwardedFor, trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var address: String?
        for hop in hops.reversed() {
            guard let valid = Self.address(hop) else { return peer }
            address = valid
            if !trusted.contains(where: { $0.contains(valid) }) { return valid }
        }
        return address ?? peer
    }

    /// `hop` as a bare IP address: `203.0.113.9`, `203.0.113.9:5123`, `2001:db8::1` or `[2001:db8::1]:443`;
    /// nil for anything else.
    static func address(_ hop: String) -> String? {
        if AddressRange.addressBytes(hop) != nil { return hop }
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") {
            let inside = String(hop[hop.index(after: hop.startIndex)..<close])
            let rest = hop[hop.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber)) else { return nil }
            return AddressRange.addressBytes(inside)?.count == 16 ? inside : nil
        }
        let parts = hop.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber), AddressRange.addressBytes(String(parts[0]))?.count == 4 {
            return String(parts[0])
        }
        return nil
    }
}
