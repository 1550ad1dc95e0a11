@testable import BackupBoard
@testable import BoardClient
@testable import BoardServe
@testable import BoardSQLite
import BoardModel
import Foundation
import Testing
import TestSupport

/// A folder with the data to back up and room for the tools' repositories, and a way to run the real
/// tools (restic, borg, rsync, rclone, from Debian's packages) on it.
struct BackupToolbox: Sendable {
    let folder: URL
    /// Bytes in `data`: `a.txt` (6), `c.txt` (2) and `sub/b.bin` (20,000).
    static let dataBytes: Int64 = 20_008

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-tools-\(UUID().uuidString)")
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: data.appendingPathComponent("a.txt"))
        try Data("x\n".utf8).write(to: data.appendingPathComponent("c.txt"))
        // Bytes that do not compress, from a fixed seed, so every run backs up the same thing.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise = (0..<20_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        try Data(noise).write(to: data.appendingPathComponent("sub/b.bin"))
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The environment the tools run in: their caches and configuration inside the folder, a password for
    /// restic, and nothing from the user's own set-up.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["RESTIC_PASSWORD"] = "backupboard-test"
        environment["RESTIC_CACHE_DIR"] = path("cache/restic")
        environment["BORG_BASE_DIR"] = path("borg-home")
        environment["BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK"] = "yes"
        environment["RCLONE_CONFIG"] = path("rclone.conf")
        environment["LANG"] = "C.UTF-8"
        return environment
    }

    /// Runs `arguments` in the folder, off the cooperative pool.
    @discardableResult
    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> CommandLine.Result {
        var merged = self.environment
        for (key, value) in extra { merged[key] = value }
        let environment = merged
        let directory = folder
        return try await offThePool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.environment = environment
            process.currentDirectoryURL = directory
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            // Both pipes are drained at once, so a tool that fills one never blocks on it.
            let errData = LockedData()
            let done = DispatchSemaphore(value: 0)
            Thread {
                errData.set(err.fileHandleForReading.readDataToEndOfFile())
                done.signal()
            }.start()
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            done.wait()
            return CommandLine.Result(code: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                          err: String(decoding: errData.value, as: UTF8.self))
        }
    }

    /// Fails the test, with the package to install, when `tool` is not on PATH. Never a skip.
    static func require(_ tool: String, package: String) async throws {
        let toolbox = try BackupToolbox()
        defer { toolbox.remove() }
        let found = try await toolbox.run(["sh", "-c", "command -v \(tool)"])
        try #require(found.code == 0,
                     "\(tool) is not installed: apt-get install -y \(package) (README's prerequisites and .ci/run install it)")
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// Data written by one thread and read by another once set.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var value: Data { lock.withLock { data ?? Data() } }
}

/// The summaries `run` reads, from the real tools run on temporary repositories.
@Suite(.serialized) struct BackupToolTests {
    /// `size` is within rounding of `expected` (the tools print sizes to 3 or 4 significant digits).
    func isClose(_ size: Int64?, to expected: Int64, within fraction: Double = 0.005) -> Bool {
        guard let size else { return false }
        return abs(Double(size - expected)) <= Double(expected) * fraction
    }

    // MARK: restic

    @Test func resticPlainBackup() async throws {
        try await BackupToolbox.require("restic", package: "restic")
        let box = try BackupToolbox()
        defer { box.remove() }
        try #require(try await box.run(["restic", "init", "-r", "repo"]).code == 0)
        let backup = try await box.run(["restic", "-r", "repo", "backup", "data"])
        try #require(backup.code == 0, "\(backup.err)")
        let summary = try #require(BackupSummary.parse(output: backup.out, errorOutput: backup.err), "\(backup.out)")
        #expect(summary.tool == .restic)
        #expect(summary.files == 3)
        #expect(isClose(summary.size, to: BackupToolbox.dataBytes))
        #expect((summary.dataAdded ?? 0) >= BackupToolbox.dataBytes)
        #expect(summary.duration != nil)

        let snapshots = try await box.run(["restic", "-r", "repo", "snapshots", "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(snapshots.out.utf8)) as? [[String: Any]])
        #expect(summary.snapshot != nil)
        #expect(summary.snapshot == list.last?["short_id"] as? String)

        // A second run finds nothing new: every file unmodified, nothing added.
        let again = try await box.run(["restic", "-r", "repo", "backup", "data"])
        let second = try #require(BackupSummary.parse(output: again.out, errorOutput: again.err))
        #expect(second.files == 3)
        #expect(second.dataAdded ?? -1 < 2_000)
    }

    @Test func resticJSONBackupGivesExactBytes() async throws {
        try await BackupToolbox.require("restic", package: "restic")
        let box = try BackupToolbox()
        defer { box.remove() }
        try #require(try await box.run(["restic", "init", "-r", "repo"]).code == 0)
        let backup = try await box.run(["restic", "-r", "repo", "backup", "--json", "data"])
        try #require(backup.code == 0, "\(backup.err)")
        let summary = try #require(BackupSummary.parse(output: backup.out, errorOutput: backup.err))
        #expect(summary.tool == .restic)
        #expect(summary.files == 3)
        #expect(summary.size == BackupToolbox.dataBytes)
        #expect((summary.snapshot ?? "").count >= 8)
    }

    @Test func resticFailuresHaveNoSummary() async throws {
        try await BackupToolbox.require("restic", package: "restic")
        let box = try BackupToolbox()
        defer { box.remove() }
        try #require(try await box.run(["restic", "init", "-r", "repo"]).code == 0)
        let wrong = try await box.run(["restic", "-r", "repo", "backup", "data"], environment: ["RESTIC_PASSWORD": "wrong"])
        #expect(wrong.code != 0)
        #expect(wrong.err.contains("wrong password"))
        #expect(BackupSummary.parse(output: wrong.out, errorOutput: wrong.err) == nil)
        let missing = try await box.run(["restic", "-r", "no-such-repo", "backup", "data"])
        #expect(missing.code != 0)
        #expect(BackupSummary.parse(output: missing.out, errorOutput: missing.err) == nil)
    }

    // MARK: borg

    @Test func borgCreateStatsOnStandardError() async throws {
        try await BackupToolbox.require("borg", package: "borgbackup")
        let box = try BackupToolbox()
        defer { box.remove() }
        try #require(try await box.run(["borg", "init", "--encryption=none", "repo"]).code == 0)
        let create = try await box.run(["borg", "create", "--stats", "repo::nightly-1", "data"])
        try #require(create.code == 0, "\(create.err)")
        #expect(create.out.isEmpty)
        let summary = try #require(BackupSummary.parse(output: create.out, errorOutput: create.err), "\(create.err)")
        #expect(summary.tool == .borg)
        #expect(summary.files == 3)
        #expect(summary.snapshot == "nightly-1")
        // borg's original size counts the archive's own metadata beside the files.
        #expect(isClose(summary.size, to: BackupToolbox.dataBytes, within: 0.1))
        #expect((summary.compressedSize ?? 0) > 0)
        #expect((summary.dataAdded ?? 0) > 0)
        #expect(summary.duration != nil)
    }

    @Test func borgCreateJSON() async throws {
        try await BackupToolbox.require("borg", package: "borgbackup")
        let box = try BackupToolbox()
        defer { box.remove() }
        try #require(try await box.run(["borg", "init", "--encryption=none", "repo"]).code == 0)
        let create = try await box.run(["borg", "create", "--json", "repo::nightly-1", "data"])
        try #require(create.code == 0, "\(create.err)")
        let summary = try #require(BackupSummary.parse(output: create.out, errorOutput: create.err))
        #expect(summary.tool == .borg)
        #expect(summary.files == 3)
        #expect(summary.snapshot == "nightly-1")
        #expect(isClose(summary.size, to: BackupToolbox.dataBytes, within: 0.1))
    }

    @Test func borgFailuresHaveNoSummary() async throws {
        try await BackupToolbox.require("borg", package: "borgbackup")
        let box = try BackupToolbox()
        defer { box.remove() }
        let missing = try await box.run(["borg", "create", "--stats", "no-such-repo::x", "data"])
        #expect(missing.code == 2)
        #expect(missing.err.contains("does not exist"))
        #expect(BackupSummary.parse(output: missing.out, errorOutput: missing.err) == nil)
    }

    // MARK: rsync

    @Test func rsyncStats() async throws {
        try await BackupToolbox.require("rsync", package: "rsync")
        let box = try BackupToolbox()
        defer { box.remove() }
        let copy = try await box.run(["rsync", "-a", "--stats", "data/", "copy/"])
        try #require(copy.code == 0, "\(copy.err)")
        let summary = try #require(BackupSummary.parse(output: copy.out, errorOutput: copy.err))
        #expect(summary.tool == .rsync)
        #expect(summary.files == 5) // three files, `sub` and the top folder
        #expect(summary.size == BackupToolbox.dataBytes)
        #expect(summary.dataAdded == BackupToolbox.dataBytes)
        #expect((summary.bytesSent ?? 0) > BackupToolbox.dataBytes)
    }

    // MARK: rclone

    @Test func rcloneVerboseSummary() async throws {
        try await BackupToolbox.require("rclone", package: "rclone")
        let box = try BackupToolbox()
        defer { box.remove() }
        let copy = try await box.run(["rclone", "copy", "data", "copy", "-v"])
        try #require(copy.code == 0, "\(copy.err)")
        let summary = try #require(BackupSummary.parse(output: copy.out, errorOutput: copy.err), "\(copy.err)")
        #expect(summary.tool == .rclone)
        #expect(summary.files == 3)
        #expect(isClose(summary.size, to: BackupToolbox.dataBytes))
        #expect(summary.errors == nil)
        #expect(summary.duration != nil)

        // Again: nothing to transfer, three files checked.
        let sync = try await box.run(["rclone", "sync", "data", "copy", "-v"])
        let again = try #require(BackupSummary.parse(output: sync.out, errorOutput: sync.err), "\(sync.err)")
        #expect(again.size == 0)
        #expect(again.checks == 3)
    }

    @Test func rcloneStatsOneLine() async throws {
        try await BackupToolbox.require("rclone", package: "rclone")
        let box = try BackupToolbox()
        defer { box.remove() }
        let copy = try await box.run(["rclone", "copy", "data", "copy", "--stats-one-line", "-v"])
        try #require(copy.code == 0, "\(copy.err)")
        let summary = try #require(BackupSummary.parse(output: copy.out, errorOutput: copy.err), "\(copy.err)")
        #expect(summary.tool == .rclone)
        #expect(isClose(summary.size, to: BackupToolbox.dataBytes))
    }

    @Test func rcloneJSONLog() async throws {
        try await BackupToolbox.require("rclone", package: "rclone")
        let box = try BackupToolbox()
        defer { box.remove() }
        let copy = try await box.run(["rclone", "copy", "data", "copy", "--use-json-log", "-v"])
        try #require(copy.code == 0, "\(copy.err)")
        let summary = try #require(BackupSummary.parse(output: copy.out, errorOutput: copy.err), "\(copy.err)")
        #expect(summary.tool == .rclone)
        #expect(summary.size == BackupToolbox.dataBytes)
        #expect(summary.files == 3)
        #expect(summary.errors == 0)
    }

    @Test func rclonePartialCopyCountsItsErrors() async throws {
        try await BackupToolbox.require("rclone", package: "rclone")
        let box = try BackupToolbox()
        defer { box.remove() }
        // A folder where a.txt should go: that file cannot be copied, the others can.
        try FileManager.default.createDirectory(atPath: box.path("copy/a.txt/inner"), withIntermediateDirectories: true)
        let copy = try await box.run(["rclone", "copy", "data", "copy", "-v", "--retries", "1"])
        #expect(copy.code == 1)
        let summary = try #require(BackupSummary.parse(output: copy.out, errorOutput: copy.err), "\(copy.err)")
        #expect(summary.tool == .rclone)
        #expect(summary.errors == 1)
        #expect(summary.files == 2)
        #expect(isClose(summary.size, to: BackupToolbox.dataBytes - 6))
    }
}
