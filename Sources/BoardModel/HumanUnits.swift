import Foundation

/// Reads and writes the human forms of durations, sizes, rates and ratios that backup scripts send
/// (`2h`, `1h30m`, `PT2H`, `01:02:03`, `45.2GB`, `12345 bytes`, `25MB/s`, `3.2:1`).
///
/// Bare numbers are seconds and bytes. Decimal units are powers of 10 (GB = 10⁹), binary ones powers of 2
/// (GiB = 2³⁰). Every reader returns nil for text it does not understand; callers keep the text.
public enum HumanUnits {
    // MARK: Durations

    /// Seconds in `text`: `90`, `90s`, `15m`, `6h`, `1d`, `1w`, `1h30m`, `2h 30m`, `1.5h`, `PT2H30M`,
    /// `01:02:03`, `02:03` (minutes:seconds), `3 hours`, `45 min`.
    /// Nil too past `longestDuration`: a sum of huge parts (`9e307w`) was once infinite.
    public static func duration(_ text: String) -> TimeInterval? {
        let t = text.trimmed().lowercased()
        guard !t.isEmpty else { return nil }
        let seconds: TimeInterval?
        if let plain = Double(t) {
            seconds = plain
        } else if t.hasPrefix("pt") || t.hasPrefix("p") {
            seconds = isoDuration(t)
        } else if t.contains(":") {
            seconds = clockDuration(t)
        } else {
            seconds = unitSum(t, units: durationUnits)
        }
        guard let seconds, seconds.isFinite, (0...longestDuration).contains(seconds) else { return nil }
        return seconds
    }

    /// About 31 million years: longer than anything meant, short enough to count in whole seconds.
    public static let longestDuration: TimeInterval = 1e15

    /// `1h30m`, `2d`, `45s`: the shortest exact form, largest unit first (`0s` for zero).
    public static func formatDuration(_ seconds: TimeInterval) -> String {
        var rest = wholeSeconds(seconds)
        if rest <= 0 { return "0s" }
        var parts: [String] = []
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.joined()
    }

    /// A short approximate form for screens: `45s`, `12m`, `3h05m`, `2d04h`, `3w`.
    public static func shortDuration(_ seconds: TimeInterval) -> String {
        let s = max(0, wholeSeconds(seconds))
        switch s {
        case ..<60: return "\(s)s"
        case ..<3_600: return "\(s / 60)m"
        // Not `String(format:)`, which is slow on Linux: the board formats these for every row on every frame.
        case ..<86_400: return "\(s / 3_600)h" + twoDigits((s % 3_600) / 60) + "m"
        case ..<(86_400 * 14): return "\(s / 86_400)d" + twoDigits((s % 86_400) / 3_600) + "h"
        default: return "\(s / 604_800)w"
        }
    }

    /// `seconds` rounded, within ±`longestDuration` (NaN is 0), so no duration traps on its way to an `Int`.
    private static func wholeSeconds(_ seconds: TimeInterval) -> Int {
        guard !seconds.isNaN else { return 0 }
        return Int(min(max(seconds, -longestDuration), longestDuration).rounded())
    }

    /// `07`: a number below 100 in at least two digits.
    public static func twoDigits(_ value: Int) -> String {
        (0..<10).contains(value) ? "0\(value)" : String(value)
    }

    // MARK: Sizes

    /// Bytes in `text`: `123`, `12345 bytes`, `45.2GB`, `1.5 GiB`, `10M`, `2k`, `1,234,567`.
    public static func size(_ text: String) -> Int64? {
        guard let value = scaled(text, units: sizeUnits, defaultScale: 1) else { return nil }
        guard value < 9.2e18 else { return nil }
        return Int64(value.rounded())
    }

    /// `45.2 GB`, `512 B`, `1.0 KB` (decimal units, as disks are sold).
    public static func formatSize(_ bytes: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var index = 0
        while abs(value) >= 1000, index < units.count - 1 {
            value /= 1000
            index += 1
        }
        return index == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[index])
    }

    // MARK: Rates and ratios

    /// Bytes per second in `text`: `25MB/s`, `1.2 MiB/s`, `25 MB/sec`, `1,234.56 bytes/sec`, `800` (bytes/s).
    public static func rate(_ text: String) -> Double? {
        var t = text.trimmed().lowercased()
        for suffix in ["/sec", "/s", "ps"] where t.hasSuffix(suffix) {
            t = String(t.dropLast(suffix.count))
            break
        }
        return scaled(t, units: sizeUnits, defaultScale: 1)
    }

    /// The ratio in `3.2:1`, `3.2x`, `3.2`.
    public static func ratio(_ text: String) -> Double? {
        let t = text.trimmed().lowercased()
        let parts = t.split(separator: ":")
        if parts.count == 2, let a = Double(parts[0].trimmedOnLine()),
           let b = Double(parts[1].trimmedOnLine()), b > 0 {
            return a / b
        }
        let bare = t.hasSuffix("x") ? String(t.dropLast()) : t
        guard let value = Double(bare), value.isFinite, value >= 0 else { return nil }
        return value
    }

    // MARK: Private

    private static let durationUnits: [String: Double] = [
        "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
        "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
        "h": 3_600, "hr": 3_600, "hrs": 3_600, "hour": 3_600, "hours": 3_600,
        "d": 86_400, "day": 86_400, "days": 86_400,
        "w": 604_800, "week": 604_800, "weeks": 604_800,
        "ms": 0.001,
    ]

    private static let sizeUnits: [String: Double] = {
        var units: [String: Double] = ["b": 1, "byte": 1, "bytes": 1]
        let prefixes = ["k", "m", "g", "t", "p"]
        for (index, prefix) in prefixes.enumerated() {
            let power = Double(index + 1)
            units[prefix] = pow(1000, power)
            units[prefix + "b"] = pow(1000, power)
            units[prefix + "ib"] = pow(1024, power)
        }
        return units
    }()

    /// A number followed by an optional unit from `units`, e.g. `45.2GB`, `12345 bytes`.
    private static func scaled(_ text: String, units: [String: Double], defaultScale: Double) -> Double? {
        let t = text.trimmed().lowercased().replacingOccurrences(of: ",", with: "")
        // Sizes never use exponents, so the number ends at the first letter or space.
        let end = t.firstIndex(where: { $0.isLetter || $0 == " " }) ?? t.endIndex
        guard let number = Double(t[..<end]), number.isFinite, number >= 0 else { return nil }
        let unit = t[end...].trimmedOnLine()
        if unit.isEmpty { return number * defaultScale }
        guard let scale = units[unit] else { return nil }
        return number * scale
    }

    /// `1h30m`, `2h 30m`, `1.5h`, `3 hours`: a sum of number-unit pairs.
    private static func unitSum(_ t: String, units: [String: Double]) -> TimeInterval? {
        var total = 0.0
        var number = ""
        var unit = ""
        var sawPair = false
        func flush() -> Bool {
            guard !number.isEmpty else { return unit.isEmpty }
            guard let value = Double(number), let scale = units[unit.isEmpty ? "s" : unit] else { return false }
            total += value * scale
            number = ""
            unit = ""
            sawPair = true
            return true
        }
        for ch in t {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(ch)
            } else if ch == " " || ch == "," {
                continue
            } else {
                return nil
            }
        }
        guard flush(), sawPair else { return nil }
        return total
    }

    /// `hh:mm:ss` or `mm:ss`.
    private static func clockDuration(_ t: String) -> TimeInterval? {
        let parts = t.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let values = parts.map { $0! }
        switch values.count {
        case 2: return values[0] * 60 + values[1]
        case 3: return values[0] * 3_600 + values[1] * 60 + values[2]
        default: return nil
        }
    }

    /// ISO 8601 durations: `PT2H`, `PT1H30M`, `P1D`, `P1DT2H`, `PT45.5S`.
    private static func isoDuration(_ t: String) -> TimeInterval? {
        var rest = Substring(t.dropFirst()) // "p"
        var total = 0.0
        var inTime = false
        var number = ""
        var sawPart = false
        while let ch = rest.first {
            rest = rest.dropFirst()
            if ch == "t" { inTime = true; continue }
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let value = Double(number) else { return nil }
            let scale: Double
            switch (ch, inTime) {
            case ("w", false): scale = 604_800
            case ("d", false): scale = 86_400
            case ("h", true): scale = 3_600
            case ("m", true): scale = 60
            case ("s", true): scale = 1
            default: return nil
            }
            total += value * scale
            number = ""
            sawPart = true
        }
        guard number.isEmpty, sawPart else { return nil }
        return total
    }
}
