@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import Foundation
import Testing

/// A fresh spool folder per test.
func temporarySpool() throws -> HeartbeatSpool {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-spool-\(UUID().uuidString)/spool")
    return HeartbeatSpool(directory: directory.path)
}

/// Warnings a client gave, kept for the test to read.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

struct HeartbeatSpoolTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000) // 2026-11-18

    @Test func writesOneFilePerHeartbeatAndListsThemOldestFirst() throws {
        let spool = try temporarySpool()
        let later = HeartbeatDelivery(url: "http://127.0.0.1:8470/heartbeat/k", body: #"{"status":"completed"}"#, createdAt: t0.addingTimeInterval(60))
        let earlier = HeartbeatDelivery(url: "http://127.0.0.1:8470/heartbeat/k", body: #"{"status":"started"}"#, createdAt: t0)
        let laterPath = try spool.write(later)
        try spool.write(earlier)

        let entries = try spool.entries()
        #expect(entries.map(\.delivery) == [earlier, later])
        #expect(laterPath.hasSuffix("/20261118T110740.000Z-\(later.heartbeatID).json"))
        let names = try FileManager.default.contentsOfDirectory(atPath: spool.directory)
        #expect(names.filter { $0.hasPrefix(".tmp") }.isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: laterPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func theFileHoldsUrlBodyIdAndOriginalTime() throws {
        let spool = try temporarySpool()
        let delivery = HeartbeatDelivery(url: "http://127.0.0.1:8470/heartbeat/k", body: #"{"size":12}"#, createdAt: t0)
        let path = try spool.write(delivery)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect(object["url"] as? String == delivery.url)
        #expect(object["body"] as? String == delivery.body)
        #expect(object["heartbeat_id"] as? String == delivery.heartbeatID)
        #expect(object["created_at"] as? String == "2026-11-18T11:06:40.000Z")
    }

    @Test func removeTakesTheFileAway() throws {
        let spool = try temporarySpool()
        try spool.write(HeartbeatDelivery(url: "http://127.0.0.1:1/heartbeat/k", body: "{}", createdAt: t0))
        let entry = try #require(try spool.entries().first)
        spool.remove(entry)
        #expect(try spool.entries().isEmpty)
    }

    @Test func anEmptyOrMissingFolderHasNoEntries() throws {
        #expect(try temporarySpool().entries().isEmpty)
    }

    @Test func expiredAndUnreadableFilesLeaveTheQueueWithAWarning() async throws {
        let spool = try temporarySpool()
        let now = t0.addingTimeInterval(8 * 86_400)
        let old = HeartbeatDelivery(url: "http://127.0.0.1:1/heartbeat/k", body: "{}", createdAt: t0)
        let recent = HeartbeatDelivery(url: "http://127.0.0.1:\(try await StubHeartbeatServer.closedPort())/heartbeat/k", body: "{}",
                                       createdAt: now.addingTimeInterval(-3_600))
        try spool.write(old)
        try spool.write(recent)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: spool.directory + "/20261118T000000.000Z-broken.json"))

        let warnings = WarningLog()
        let client = HeartbeatClient(sender: HeartbeatSender(policy: .init(timeout: 2, retries: 0)), spool: spool,
                                     warn: { warnings.add($0) })
        let stalled = await client.flush(now: now)

        #expect(stalled.keys.sorted() == [recent.server]) // the recent one could not be sent and stays
        #expect(try spool.entries().map(\.delivery) == [recent])
        #expect(FileManager.default.fileExists(atPath: spool.directory + "/20261118T000000.000Z-broken.json.corrupt"))
        #expect(warnings.all.contains { $0.contains("older than 7 days") && $0.contains("2026-11-18T11:06:40.000Z") })
        #expect(warnings.all.contains { $0.contains("cannot be read; set aside") })
    }

    @Test func theSendersLockIsExclusive() async throws {
        let spool = try temporarySpool()
        let first = try #require(try await spool.lock(wait: 0))
        #expect(try await spool.lock(wait: 0.2) == nil)
        first.release()
        let second = try await spool.lock(wait: 0)
        #expect(second != nil)
    }

    @Test func defaultFolderFollowsXDGStateHome() {
        #expect(HeartbeatSpool.defaultDirectory(environment: ["XDG_STATE_HOME": "/var/state", "HOME": "/home/u"])
            == "/var/state/backupboard/spool")
        #expect(HeartbeatSpool.defaultDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.local/state/backupboard/spool")
    }
}
