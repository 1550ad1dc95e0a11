import Foundation
import Testing
@testable import BoardModel
@testable import BoardWire

/// The compact board's rows are written by hand (`JSONOutput`): they must read back, with any JSON reader, as
/// the rows `JSONEncoder` writes, whatever the strings hold.
struct BoardDocumentWriterTests {
    /// Quotes, backslashes, every control character, a slash, non-ASCII, emoji (outside the BMP), a combining
    /// mark, U+2028 and DEL.
    static let hostile = [
        #"quote " and backslash \ and \" both"#,
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }),
        "a/b </script> \u{7F}",
        "Ünïcødé 日本語 ĉe\u{301}",
        "💾🔥 backup 👩‍💻 \u{2028}\u{2029}",
        "",
    ]

    static let now = BoardFixture.now

    /// The fixture's fleet and a job whose every string is hostile, with runs of every shape.
    static var snapshot: BoardSnapshot {
        var snapshot = BoardFixture.snapshot
        let job = Job(
            id: 99, slug: hostile[0], name: hostile[1], pingKey: "k", schedule: .interval(3_600), grace: 0.25,
            maxRuntime: 1e-5, kind: .full, priority: .high, minSize: 1, rpo: 1.5e10, rto: 3_600,
            tests: [hostile[2], hostile[3]], requireRestoreTest: true, tags: hostile, paused: false,
            createdAt: now.addingTimeInterval(-86_400.123))
        let runs = [
            Run(id: 1, jobID: 99, startedAt: now.addingTimeInterval(-7_200), endedAt: now.addingTimeInterval(-7_100.5),
                lastHeartbeatAt: now.addingTimeInterval(-7_000), outcome: .completed, verification: .failed, sizeBytes: Int64.max),
            Run(id: nil, jobID: 99, startedAt: nil, endedAt: now.addingTimeInterval(-3_000), lastHeartbeatAt: now.addingTimeInterval(-3_000),
                outcome: .failed, reportedDuration: 0.1),
            Run(id: 3, jobID: 99, startedAt: now.addingTimeInterval(-60), lastHeartbeatAt: now.addingTimeInterval(-1),
                outcome: .running, progress: 33.3),
        ]
        snapshot.openAlerts.append(Alert(id: 77, kind: .failed, severity: .critical, jobID: 99, message: hostile[0] + hostile[4], openedAt: now))
        // Every field of an alert set, no job (a fleet-wide alert): the reader by hand reads each.
        snapshot.openAlerts.append(Alert(
            id: 78, kind: .monitorOutage, severity: .warning, jobID: nil, message: hostile[2], openedAt: now.addingTimeInterval(-90),
            acknowledgedAt: now.addingTimeInterval(-30.7), acknowledgedBy: hostile[3], acknowledgementNote: hostile[1]))
        snapshot.entries.append(BoardSnapshot.Entry(
            job: job, activity: JobActivity(jobID: 99, lastHeartbeatAt: now, recentRuns: runs, lastProblems: hostile)))
        return snapshot
    }

    static func writer(_ snapshot: BoardSnapshot) -> BoardDocumentWriter {
        let versions = Dictionary(uniqueKeysWithValues: snapshot.entries.map { ($0.job.id!, Int64(7)) })
        return BoardDocumentWriter(
            board: snapshot, report: FleetReport(snapshot, at: now),
            changes: BoardChanges(since: -1, jobVersions: versions, removedJobIDs: [], alertsChanged: true, mutesChanged: true),
            full: true, runs: 30, stale: false, evaluatorInterval: 10)
    }

    @Test func everyStringIsEscapedSoThatJSONSerializationReadsItBack() throws {
        for text in Self.hostile {
            var bytes: [UInt8] = []
            JSONString.append(text, to: &bytes)
            let read = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
            #expect(read == text, "\(Array(text.unicodeScalars))")
            // No raw control character travels.
            #expect(!bytes.contains { $0 < 0x20 })
        }
    }

    @Test func theRowsWrittenByHandReadBackAsTheRowsJSONEncoderWrites() async throws {
        let snapshot = Self.snapshot
        let bytes = try await Self.writer(snapshot).bytes()
        let document = try APIJSON.decoder().decode(BoardDocument.self, from: Data(bytes))
        let report = FleetReport(snapshot, at: Self.now)
        #expect(document.jobs.count == report.jobs.count)

        // The same rows, field for field, as made from the model.
        var schedules: [ScheduleDocument] = []
        let expected = report.jobs.map { entry in
            let schedule = ScheduleDocument(entry.job.schedule)
            if !schedules.contains(schedule) { schedules.append(schedule) }
            let activity = snapshot.entries.first { $0.job.id == entry.job.id }!.activity
            return BoardRowDocument(entry, activity: activity, version: 7, runs: 30, schedule: schedules.firstIndex(of: schedule)!)
        }
        #expect(document.jobs == expected)

        // And as JSON, key for key, what JSONEncoder writes for them.
        let whole = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let byHand = try #require(whole["jobs"] as? NSArray)
        let encoded = try #require(try JSONSerialization.jsonObject(with: APIJSON.encoder().encode(expected)) as? NSArray)
        #expect(byHand.isEqual(encoded))

        // The hostile strings arrive whole.
        let row = try #require(document.jobs.first { $0.id == 99 })
        #expect(row.slug == Self.hostile[0] && row.name == Self.hostile[1])
        #expect(row.tags == Self.hostile && row.lastProblems == Self.hostile && row.tests == [Self.hostile[2], Self.hostile[3]])
        #expect(row.runs.count == 3)

        // The open alerts, streamed one by one, arrive whole too, and written by hand they are, key for key and
        // date for date, what JSONEncoder writes for them.
        #expect(document.openAlerts?.compactMap(\.alert).map(\.message) == snapshot.openAlerts.map(\.message))
        let alerts = try #require(whole["open_alerts"] as? NSArray)
        let slugs = Dictionary(uniqueKeysWithValues: snapshot.entries.map { ($0.job.id!, $0.job.slug) })
        let encodedAlerts = try APIJSON.encoder().encode(snapshot.openAlerts.map { AlertDocument($0, slugs: slugs) })
        #expect(alerts.isEqual(try #require(try JSONSerialization.jsonObject(with: encodedAlerts) as? NSArray)))
        #expect(alerts.count == snapshot.openAlerts.count && alerts.count >= 2)
    }

    @Test func alertsAndRowsAcrossManyChunksReadBackWhole() async throws {
        // Enough open alerts and rows for several 64 KiB chunks: every piece after a chunk handed on is joined
        // to the one before with its comma.
        var snapshot = Self.snapshot
        let alert = snapshot.openAlerts[0]
        snapshot.openAlerts = (1...2_000).map { index in
            var copy = alert
            copy.id = Int64(index)
            return copy
        }
        let template = snapshot.entries[0]
        snapshot.entries = (1...1_000).map { index in
            var entry = template
            entry.job.id = Int64(index)
            entry.job.slug = "job-\(index)"
            entry.activity.jobID = Int64(index)
            return entry
        }
        var chunks: [[UInt8]] = []
        try await Self.writer(snapshot).write { chunks.append($0) }
        #expect(chunks.count > 4)
        let document = try APIJSON.decoder().decode(BoardDocument.self, from: Data(chunks.joined()))
        #expect(document.openAlerts?.count == 2_000 && document.jobs.count == 1_000)
        let byHand = try BoardDocument(json: Array(chunks.joined()))
        #expect(byHand.openAlerts?.count == 2_000 && byHand.jobs.count == 1_000)
    }

    @Test func aDeltaWithoutAlertsSaysNullForThem() async throws {
        let snapshot = Self.snapshot
        let writer = BoardDocumentWriter(
            board: snapshot, report: FleetReport(snapshot, at: Self.now),
            changes: BoardChanges(since: 41, jobVersions: [99: 42], removedJobIDs: [5], alertsChanged: false, mutesChanged: false),
            full: false, runs: 30, stale: false, evaluatorInterval: 10)
        let bytes = try await writer.bytes()
        let document = try APIJSON.decoder().decode(BoardDocument.self, from: Data(bytes))
        #expect(document.openAlerts == nil && document.activeMutes == nil)
        #expect(document.jobs.map(\.id) == [99] && document.removedJobIDs == [5] && document.since == 41)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["open_alerts"] is NSNull)
    }

    @Test func aValueJSONCannotHoldIsRefusedNotWritten() throws {
        var out = JSONOutput()
        #expect(throws: BoardError.self) { try out.value(Double.infinity) }
        #expect(throws: BoardError.self) { try out.value(Double.nan) }
        #expect(out.bytes.isEmpty)
    }

    // MARK: Read back by hand

    @Test func theRowsReadByHandAreTheDocumentJSONDecoderReads() async throws {
        let snapshot = Self.snapshot
        let full = try await Self.writer(snapshot).bytes()
        let delta = try await BoardDocumentWriter(
            board: snapshot, report: FleetReport(snapshot, at: Self.now),
            changes: BoardChanges(since: 41, jobVersions: [99: 42], removedJobIDs: [5], alertsChanged: false, mutesChanged: false),
            full: false, runs: 30, stale: true, evaluatorInterval: 10
        ).bytes()
        for bytes in [full, delta] {
            let byHand = try BoardDocument(json: bytes)
            #expect(byHand == (try APIJSON.decoder().decode(BoardDocument.self, from: Data(bytes))))
            #expect(!byHand.jobs.isEmpty)
        }
        let alerts = try #require(try BoardDocument(json: full).openAlerts)
        #expect(alerts.contains { $0.id == 78 && $0.jobID == nil && $0.acknowledgedBy == Self.hostile[3] && $0.acknowledgementNote == Self.hostile[1] })
        let row = try #require(try BoardDocument(json: full).jobs.first { $0.id == 99 })
        #expect(row.slug == Self.hostile[0] && row.name == Self.hostile[1] && row.tags == Self.hostile)
        #expect(row.lastProblems == Self.hostile && row.tests == [Self.hostile[2], Self.hostile[3]])
        #expect(row.runs.count == 3 && row.maxRuntimeS == 1e-5 && row.minSizeBytes == 1 && row.rpoS == 1.5e10)
        #expect(row.runs.contains { $0.sizeBytes == Int64.max } && row.runs.contains { $0.id == nil && $0.durationS == 0.1 })
        #expect(row.runs.contains { $0.progress == 33.3 } && row.runs.contains { $0.verification != nil })
    }

    /// JSON another writer would send — white space everywhere, `\/`, `\u` escapes with surrogate pairs, keys in
    /// another order, keys this client does not know — reads as `JSONDecoder` reads it.
    @Test func jsonFromAnotherWriterReadsAsJSONDecoderReadsIt() async throws {
        let bytes = try await Self.writer(Self.snapshot).bytes()
        let object = try JSONSerialization.jsonObject(with: Data(bytes))
        let pretty = Array(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]))
        #expect(try BoardDocument(json: pretty) == APIJSON.decoder().decode(BoardDocument.self, from: Data(pretty)))

        var text = String(decoding: bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: #"{"id":99,"#, with: #"{ "future" : {"a": [1, -2.5e-3, {"b": null}, "\"]"], "c": true}, "id" : 99 ,"#)
        text = text.replacingOccurrences(
            of: #""name":"#, with: #""name": "caf\u00e9 \ud83d\udcbe \/ \b\f\n\r\t \u0000 \\ \"" , "unused_name":"#)
        let escaped = Array(text.utf8)
        let byHand = try BoardDocument(json: escaped)
        #expect(byHand == (try APIJSON.decoder().decode(BoardDocument.self, from: Data(escaped))))
        #expect(byHand.jobs.first { $0.id == 99 }?.name == "café 💾 / \u{8}\u{C}\n\r\t \u{0} \\ \"")
    }

    /// A cut or broken answer is an error with a sentence, at every byte, never a trap.
    @Test func aBrokenAnswerIsAnErrorNotACrash() async throws {
        var snapshot = BoardFixture.snapshot
        snapshot.entries = Array(snapshot.entries.prefix(2))
        let bytes = try await Self.writer(snapshot).bytes()
        // From the open alerts on: they, the rows and the schedules are read by hand.
        let alerts = try #require(String(decoding: bytes, as: UTF8.self).range(of: #""open_alerts":["#)).upperBound.utf16Offset(
            in: String(decoding: bytes, as: UTF8.self))
        for end in alerts..<bytes.count - 1 {
            #expect(throws: (any Error).self, "cut at \(end)") { try BoardDocument(json: Array(bytes[..<end])) }
        }
        for broken in [
            #"{"id":1e999}"#, #"{"id":1.5}"#, #"{"id":99999999999999999999}"#, #"{"slug":"a\u12"}"#, #"{"slug":"\ud83d"}"#,
            #"{"slug":"a\q"}"#, "{\"slug\":\"a\u{1}\"}", #"{"runs":[[1,2,3,],]}"#, #"{"muted":tru}"#, #"{"id" 1}"#, #"{"id":-}"#,
        ] {
            var input = JSONInput(Array(broken.utf8))
            #expect(throws: BoardError.self, "\(broken)") { _ = try BoardRowDocument(reading: &input) }
        }
        for broken in [
            #"{"kind":"failed","severity":"critical","message":"m","open":true}"#,
            #"{"kind":"failed","severity":"critical","message":"m","opened_at":"yesterday","open":true}"#,
            #"{"kind":"failed","severity":"critical","message":"m","opened_at":"2026-12-07T09:50:23Z","open":1}"#,
        ] {
            var input = JSONInput(Array(broken.utf8))
            #expect(throws: BoardError.self, "\(broken)") { _ = try AlertDocument(reading: &input) }
        }
    }
}
