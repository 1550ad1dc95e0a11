import Foundation
import Testing
@testable import BoardModel

// A seeded mutational fuzzer for the parsers that read what strangers send or write: heartbeat bodies (through
// the tolerant JSON scanner), cron expressions, systemd calendar events, durations and sizes, and jobs files. It mutates a corpus of real
// inputs (flips, inserts of the bytes these grammars care about, deletions, duplications, splices) with a fixed
// seed, so a crash found here is found again on every run. A crash ends the test process: the suite goes red.
// libFuzzer (`-sanitize=fuzzer`) is not what the suite runs: each run would need a second, instrumented build of
// the package; this runs in the ordinary `swift test`. `BACKUPBOARD_FUZZ_ITERATIONS` makes a longer run.

private let iterations = ProcessInfo.processInfo.environment["BACKUPBOARD_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 2_000

/// Mutations of a corpus, reproducible from a seed.
private struct Mutator {
    var random: SeededRandom
    let corpus: [[UInt8]]
    /// Bytes that mean something to JSON, TOML, cron, durations and HTTP forms.
    static let interesting = Array("{}[]\"'\\:,=.-*/~#\n\r\t 0123456789eE+%&@..\u{0}".utf8) + [0xFF, 0xC3, 0x80, 0xE2]

    init(seed: UInt64, corpus: [String]) {
        random = SeededRandom(seed: seed)
        self.corpus = corpus.map { Array($0.utf8) }
    }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(random.next() % UInt64(bound)) }

    mutating func next() -> [UInt8] {
        var bytes = corpus[below(corpus.count)]
        for _ in 0...below(8) {
            let at = below(bytes.count + 1)
            switch below(7) {
            case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(1 << below(8))
            case 1: bytes.insert(Self.interesting[below(Self.interesting.count)], at: at)
            case 2 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + 1 + below(16)))
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + below(32))
                bytes.insert(contentsOf: bytes[min(at, bytes.count - 1)..<end], at: at)
            case 4:
                let other = corpus[below(corpus.count)]
                let from = below(other.count)
                bytes.insert(contentsOf: other[from..<min(other.count, from + below(64))], at: at)
            case 5: bytes = Array(bytes.prefix(at))
            default: bytes.insert(contentsOf: Array(repeating: Self.interesting[below(Self.interesting.count)], count: below(300)), at: at)
            }
        }
        return bytes
    }
}

@Suite struct ParserFuzzTests {
    @Test func heartbeatBodiesNeverCrashTheParserAndKeepTheirFailure() {
        let corpus = [
            #"{"status":"completed","duration":12,"size":}"#, #"{"status":"failed","error":"disk full","exit_code":3}"#,
            #"{"status":"verified","matches_expected":false,"hash":"abc"}"#, "status=failed&msg=oops&duration=1h30m",
            #"{"status": "completed", "size": "45.2GB", "files": [1, {"a": [[[[]]]]}], "rate": "25MB/s", "ratio": "3.2:1"}"#,
            "sent 1,234 bytes  received 56 bytes\ntotal size is 9,999", #"{"test": true, "progress": "45%"}"#,
        ]
        var mutator = Mutator(seed: 0xB0A7_D00D, corpus: corpus)
        for _ in 0..<iterations {
            let body = mutator.next()
            for type in ["application/json", "application/x-www-form-urlencoded", "text/plain"] {
                let report = HeartbeatParser.parse(HeartbeatRequest(contentType: type, body: body))
                // A body whose only status word is a failure is never read as anything better.
                let words = TolerantJSON.statusWords(in: body)
                if words == ["failed"], type == "application/json" { #expect(report.status != .completed, "\(body)") }
            }
            _ = TolerantJSON.readObject(body)
        }
    }

    @Test func cronExpressionsNeverCrashAndAlwaysFindTheirNextTime() throws {
        let corpus = ["30 2 * * *", "*/15 * * * 1-5", "0 0 1,15 * *", "@daily", "@weekly", "5 4 * * sun", "0 22 * * 1-5/2", "59 23 31 12 *"]
        var mutator = Mutator(seed: 0xC20B, corpus: corpus)
        let zone = try #require(TimeZone(identifier: "Europe/Berlin"))
        let start = Date(timeIntervalSince1970: 1_774_746_000) // 2026-03-29, the spring change in Berlin
        for _ in 0..<iterations {
            let text = String(decoding: mutator.next(), as: UTF8.self)
            guard let expression = try? CronExpression(text) else { continue }
            // An expression that parses either fires or says it never does: it never hangs or traps.
            if let next = expression.nextFire(after: start, in: zone) { #expect(next > start, "\(text)") }
        }
    }

    @Test func calendarEventsNeverCrashAndAlwaysFindTheirNextTime() throws {
        let corpus = [
            "Mon..Fri *-*-* 02:30:00", "daily", "weekly", "*-*-01 03:00", "Sat *-*-1..7 04:00", "*-*~01 12:00",
            "Mon,Wed *-*-* 00/15:00", "2026-*-* 01:02:03 Europe/Berlin", "*:0/45", "Sat,Sun 06:00 UTC",
        ]
        var mutator = Mutator(seed: 0xCA1E, corpus: corpus)
        let zone = try #require(TimeZone(identifier: "Europe/Berlin"))
        let start = Date(timeIntervalSince1970: 1_774_746_000)
        for _ in 0..<iterations {
            let text = String(decoding: mutator.next(), as: UTF8.self)
            guard let event = try? CalendarEvent(text) else { continue }
            if let next = event.nextElapse(after: start, in: zone) { #expect(next > start, "\(text)") }
        }
    }

    @Test func durationsAndSizesNeverCrash() {
        var mutator = Mutator(seed: 0x5123, corpus: ["1h30m", "PT2H", "01:02:03", "90s", "45.2GB", "12345 bytes", "512MiB", "2d"])
        for _ in 0..<iterations * 4 {
            let text = String(decoding: mutator.next(), as: UTF8.self)
            if let seconds = HumanUnits.duration(text) {
                // Found by this test: a sum of huge parts was infinite, and formatting one trapped.
                #expect(seconds.isFinite && seconds <= HumanUnits.longestDuration, "\(text)")
                _ = HumanUnits.formatDuration(seconds) + HumanUnits.shortDuration(seconds)
            }
            _ = HumanUnits.size(text)
            _ = HumanUnits.rate(text)
            _ = HumanUnits.ratio(text)
        }
    }

    @Test func jobsFilesAreReadOrRefusedWithASentence() throws {
        let example = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples/jobs.toml"), encoding: .utf8)
        let corpus = [
            example,
            "[defaults]\ngrace = \"1h\"\n[jobs.a]\nschedule = \"6h\"\ntags = [\"x\", 'y']\n[jobs.\"b c\".alerts]\nseverity.failed = \"info\"\n",
            "[[maintenance]]\nname = \"w\"\ndays = [\"sat\"]\nstart = \"01:00\"\nend = \"03:00\"\njobs = [\"a\"]\n",
        ]
        var mutator = Mutator(seed: 0x70AA, corpus: corpus)
        for _ in 0..<iterations / 2 {
            let text = String(decoding: mutator.next(), as: UTF8.self)
            do {
                _ = try JobsFile.parse(text, path: "fuzz.toml")
            } catch let error as BoardError {
                #expect(!error.description.isEmpty)
            } catch {
                Issue.record("not a BoardError: \(error) for \(text.debugDescription)")
            }
        }
    }
}
