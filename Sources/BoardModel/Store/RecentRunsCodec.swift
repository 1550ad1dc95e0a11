import Foundation

/// The binary form of `JobActivity.recentRuns` in `job_state.recent_runs`, the same in every store.
///
/// Why not JSON: the board loads 30 runs for every job; at 10,000 jobs that is 300,000 runs, which
/// JSONDecoder reads in seconds and this format in milliseconds. Each version is frozen like a migration:
///
///     version: UInt8 = 2 (1 is read too), count: UInt16
///     per run: id Int64, lastHeartbeatAt Float64, heartbeatCount Int64, outcome Text8, present UInt16,
///              then, for each bit set in `present`, in this order:
///              clientRunID Text32, startedAt Float64, endedAt Float64, verification Text8, exitCode Int64,
///              reportedDuration Float64, sizeBytes Int64, files Int64, progress Float64, message Text32,
///              lastStatus Text8, and from version 2 attempts Int64
///
/// Integers and floats are little-endian; Text8/Text32 are UTF-8 with a UInt8/UInt32 length; enums are
/// stored by raw value. Messages are cut to `messageLimit` characters (the runs table has them whole).
/// Version 1 (before `run --attempts`) has no attempts bit: its rows decode with `attempts` nil.
package enum RecentRunsCodec {
    package static let version: UInt8 = 2
    package static let messageLimit = 500

    package struct DamagedData: Error {}

    package static func encode(_ runs: [Run]) -> [UInt8] {
        var out: [UInt8] = [version]
        out.reserveCapacity(1 + runs.count * 96)
        append(UInt16(clamping: runs.count), to: &out)
        for run in runs {
            append(run.id ?? 0, to: &out)
            append(run.lastHeartbeatAt.timeIntervalSince1970.bitPattern, to: &out)
            append(Int64(run.heartbeatCount), to: &out)
            appendText8(run.outcome.rawValue, to: &out)
            var present: UInt16 = 0
            let fields: [Bool] = [
                run.clientRunID != nil, run.startedAt != nil, run.endedAt != nil, run.verification != nil,
                run.exitCode != nil, run.reportedDuration != nil, run.sizeBytes != nil, run.files != nil,
                run.progress != nil, run.message != nil, run.lastStatus != nil, run.attempts != nil,
            ]
            for (bit, isPresent) in fields.enumerated() where isPresent { present |= 1 << UInt16(bit) }
            append(present, to: &out)
            if let value = run.clientRunID { appendText32(value, to: &out) }
            if let value = run.startedAt { append(value.timeIntervalSince1970.bitPattern, to: &out) }
            if let value = run.endedAt { append(value.timeIntervalSince1970.bitPattern, to: &out) }
            if let value = run.verification { appendText8(value.rawValue, to: &out) }
            if let value = run.exitCode { append(Int64(value), to: &out) }
            if let value = run.reportedDuration { append(value.bitPattern, to: &out) }
            if let value = run.sizeBytes { append(value, to: &out) }
            if let value = run.files { append(value, to: &out) }
            if let value = run.progress { append(value.bitPattern, to: &out) }
            if let value = run.message { appendText32(String(value.prefix(messageLimit)), to: &out) }
            if let value = run.lastStatus { appendText8(value.rawValue, to: &out) }
            if let value = run.attempts { append(Int64(value), to: &out) }
        }
        return out
    }

    package static func decode(_ bytes: UnsafeRawBufferPointer, jobID: Int64) throws -> [Run] {
        guard !bytes.isEmpty else { return [] }
        var reader = Reader(bytes: bytes)
        let format = try reader.byte()
        guard format == 1 || format == version else { throw DamagedData() }
        let count = Int(try reader.integer(UInt16.self))
        var runs: [Run] = []
        runs.reserveCapacity(count)
        for _ in 0..<count {
            let id = try reader.integer(Int64.self)
            let last = try reader.date()
            let heartbeatCount = Int(try reader.integer(Int64.self))
            let outcome = try reader.word(Self.outcomes)
            let present = try reader.integer(UInt16.self)
            func has(_ bit: UInt16) -> Bool { present & (1 << bit) != 0 }
            var run = Run(id: id, jobID: jobID, startedAt: nil, lastHeartbeatAt: last, outcome: outcome, heartbeatCount: heartbeatCount)
            if has(0) { run.clientRunID = try reader.text32() }
            if has(1) { run.startedAt = try reader.date() }
            if has(2) { run.endedAt = try reader.date() }
            if has(3) { run.verification = try reader.word(Self.verifications) }
            if has(4) { run.exitCode = Int(truncatingIfNeeded: try reader.integer(Int64.self)) }
            if has(5) { run.reportedDuration = try reader.double() }
            if has(6) { run.sizeBytes = try reader.integer(Int64.self) }
            if has(7) { run.files = try reader.integer(Int64.self) }
            if has(8) { run.progress = try reader.double() }
            if has(9) { run.message = try reader.text32() }
            if has(10) { run.lastStatus = try reader.word(Self.statuses) }
            if format >= 2, has(11) { run.attempts = Int(truncatingIfNeeded: try reader.integer(Int64.self)) }
            runs.append(run)
        }
        return runs
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func appendText8(_ text: String, to out: inout [UInt8]) {
        let utf8 = Array(text.utf8.prefix(255))
        out.append(UInt8(utf8.count))
        out.append(contentsOf: utf8)
    }

    private static func appendText32(_ text: String, to out: inout [UInt8]) {
        append(UInt32(clamping: text.utf8.count), to: &out)
        out.append(contentsOf: text.utf8)
    }

    /// An enum's raw values as bytes, to read a stored one without making a string of it: the board reads
    /// 300,000 runs at start.
    private struct Words<Value: CaseIterable & RawRepresentable & Sendable>: Sendable where Value.RawValue == String {
        let entries = Value.allCases.map { (bytes: Array($0.rawValue.utf8), value: $0) }

        func value(of bytes: UnsafeRawBufferPointer) -> Value? {
            entries.first { $0.bytes.elementsEqual(bytes) }?.value
        }
    }

    private static let outcomes = Words<RunOutcome>()
    private static let verifications = Words<Verification>()
    private static let statuses = Words<HeartbeatStatus>()

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
            guard count >= 0, offset + count <= bytes.count else { throw DamagedData() }
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        }

        mutating func byte() throws -> UInt8 { try take(1)[0] }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
            T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
        }

        mutating func double() throws -> Double { Double(bitPattern: try integer(UInt64.self)) }

        mutating func date() throws -> Date { Date(timeIntervalSince1970: try double()) }

        /// A Text8 that is one of `words`, matched on its bytes (no string is made).
        mutating func word<Value>(_ words: Words<Value>) throws -> Value {
            let bytes = try take(Int(try byte()))
            guard let value = words.value(of: bytes) else { throw DamagedData() }
            return value
        }

        mutating func text32() throws -> String {
            let count = Int(try integer(UInt32.self))
            return String(decoding: try take(count), as: UTF8.self)
        }
    }
}
