import BoardModel
import Foundation
import Testing
import BoardSQLite

/// `mute`, `unmute`, `alerts` and `ack` through the real binary, on a database written here with the store.
@Suite(.serialized) struct MuteAckCommandTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    /// Jobs `db-prod` (tag prod) and `files`; alerts: a failed one on db-prod, a fleet one, a resolved one.
    /// `1h00m ago`, or a few minutes more when a loaded machine held the test up between writing and reading.
    static func anHourAgo(_ text: some StringProtocol) -> Bool {
        text.range(of: #"1h0[0-9]m ago"#, options: .regularExpression) != nil
    }

    private func database() async throws -> (path: String, store: BoardStore, failed: Int64, fleet: Int64, resolved: Int64) {
        let path = cli.path("alerts.sqlite")
        let store = try BoardStore(path: path)
        let now = Date()
        let db = try await store.insert(Job(
            slug: "db-prod", pingKey: "key-db-prod-0123456789", schedule: .interval(3_600), tags: ["prod"], createdAt: now))
        let files = try await store.insert(Job(slug: "files", pingKey: "key-files-0123456789", schedule: .interval(86_400), createdAt: now))
        func open(_ kind: AlertKind, _ job: Int64?, ago: TimeInterval) async throws -> Int64 {
            let alert = try await store.open(Alert(
                kind: kind, severity: kind.defaultSeverity, jobID: job, message: "\(kind.rawValue) for a test",
                openedAt: now.addingTimeInterval(-ago)))
            return try #require(alert.alert.id)
        }
        let failed = try await open(.failed, db, ago: 3_600)
        let fleet = try await open(.fleet, nil, ago: 600)
        let resolved = try await open(.delayed, files, ago: 7_200)
        try await store.resolveAlert(id: resolved, at: now.addingTimeInterval(-3_600))
        return (path, store, failed, fleet, resolved)
    }

    @Test func alertsListsOpenAlertsAndAckSignsThem() async throws {
        let db = try await database()
        let list = try await cli.run(["alerts", "--db", db.path])
        #expect(list.code == 0, "\(list.err)")
        let lines = list.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID ") == true && lines.first?.contains("ACKNOWLEDGED") == true)
        #expect(lines.count == 3) // header, the failed and the fleet alert; not the resolved one
        let failedRow = try #require(lines.first { $0.hasPrefix("#\(db.failed) ") })
        #expect(failedRow.contains("critical") && failedRow.contains("failed") && failedRow.contains("db-prod"))
        #expect(Self.anHourAgo(failedRow) && failedRow.contains(" no "), "\(failedRow)")
        #expect(lines.contains { $0.hasPrefix("#\(db.fleet) ") && $0.contains("(fleet)") })

        let ack = try await cli.run(["ack", "--db", db.path, "#\(db.failed)", "--note", "restarting the dump", "--as", "alice"])
        #expect(ack.code == 0, "\(ack.err)")
        #expect(ack.out == "Acknowledged alert #\(db.failed) (failed on db-prod) as alice.\n")
        let stored = try #require(try await db.store.alert(id: db.failed))
        #expect(stored.acknowledgedBy == "alice")
        #expect(stored.acknowledgementNote == "restarting the dump")
        #expect(try #require(stored.acknowledgedAt).timeIntervalSinceNow > -60)

        let byDefault = try await cli.run(["ack", "--db", db.path, "\(db.fleet)"], environment: ["USER": "bob"])
        #expect(byDefault.code == 0, "\(byDefault.err)")
        #expect(try await db.store.alert(id: db.fleet)?.acknowledgedBy?.hasPrefix("bob@") == true)

        let after = try await cli.run(["alerts", "--db", db.path])
        #expect(after.out.contains("by alice"))
        let all = try await cli.run(["alerts", "--db", db.path, "--all"])
        #expect(all.out.contains("RESOLVED"))
        #expect(all.out.split(separator: "\n").contains { $0.hasPrefix("#\(db.resolved) ") && $0.contains("files") && Self.anHourAgo($0) })
    }

    @Test func ackRefusesUnknownAndMalformedIds() async throws {
        let db = try await database()
        let unknown = try await cli.run(["ack", "--db", db.path, "999"])
        #expect(unknown.code == 1)
        #expect(unknown.err == "backupboard: No alert #999 (`backupboard alerts --all` lists them)\n")
        let malformed = try await cli.run(["ack", "--db", db.path, "twelve"])
        #expect(malformed.code == 64)
        #expect(malformed.err.contains("'twelve' is not an alert id"))
        let noDatabase = try await cli.run(["alerts", "--db", cli.path("none.sqlite")])
        #expect(noDatabase.code == 1)
        #expect(noDatabase.err.hasPrefix("backupboard: Cannot use database at"))
    }

    @Test func muteNeedsAnEndAndAReasonAndShowsInStatus() async throws {
        let db = try await database()
        let before = Date()
        let mute = try await cli.run(["mute", "--db", db.path, "--job", "db-prod", "--for", "4h", "--reason", "disk swap", "--as", "alice"])
        #expect(mute.code == 0, "\(mute.err)")
        #expect(mute.out.hasPrefix("Muted job db-prod until "))
        #expect(mute.out.hasSuffix("(4h00m), signed alice: disk swap\n"))
        let stored = try #require(try await db.store.activeMutes(at: Date()).first { $0.scope == .job("db-prod") })
        #expect(stored.createdBy == "alice" && stored.reason == "disk swap")
        #expect(abs(stored.until.timeIntervalSince(before) - 4 * 3_600) < 60)
        let status = try await cli.run(["status", "--db", db.path])
        #expect(status.out.split(separator: "\n").contains { $0.contains("(muted)") && $0.contains("db-prod") })

        let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 + 200 * 86_400)
        let tag = try await cli.run(["mute", "--db", db.path, "--tag", "prod", "--until", ISO8601DateFormatter().string(from: end), "--reason", "decommissioning"])
        #expect(tag.code == 0, "\(tag.err)")
        #expect(try await db.store.activeMutes(at: Date()).contains { $0.scope == .tag("prod") && $0.until == end })

        // A year at most, unless forever is said (99999999d was once taken: year 275817).
        for tooLong in [["--for", "99999999d"], ["--for", "400d"], ["--until", "2099-01-01T00:00:00Z"]] {
            let refused = try await cli.run(["mute", "--db", db.path, "--fleet", "--reason", "x"] + tooLong)
            #expect(refused.code == 64, "\(tooLong)")
            #expect(refused.err.contains("a mute ends within a year; say forever to mean a silence with no end"), "\(refused.err)")
        }
        let forever = try await cli.run(["mute", "--db", db.path, "--job", "db-prod", "--for", "forever", "--reason", "retired"])
        #expect(forever.code == 0, "\(forever.err)")
        #expect(forever.out.hasPrefix("Muted job db-prod forever, signed "), "\(forever.out)")
        #expect(try await db.store.activeMutes(at: Date().addingTimeInterval(100 * 365 * 86_400)).contains { $0.scope == .job("db-prod") })

        let noEnd = try await cli.run(["mute", "--db", db.path, "--fleet", "--reason", "x"])
        #expect(noEnd.code == 64)
        #expect(noEnd.err.contains("Give the mute an end: exactly one of --for DURATION and --until TIME."))
        let noReason = try await cli.run(["mute", "--db", db.path, "--fleet", "--for", "1h"])
        #expect(noReason.code == 64)
        #expect(noReason.err.contains("--reason"))
        let past = try await cli.run(["mute", "--db", db.path, "--fleet", "--until", "2001-01-01T00:00:00Z", "--reason", "x"])
        #expect(past.code == 64)
        #expect(past.err.contains("--until 2001-01-01T00:00:00Z: a mute must end in the future."))
        let two = try await cli.run(["mute", "--db", db.path, "--fleet", "--job", "db-prod", "--for", "1h", "--reason", "x"])
        #expect(two.code == 64)
        #expect(two.err.contains("Name exactly one of --job SLUG, --tag TAG and --fleet."))
        let unknown = try await cli.run(["mute", "--db", db.path, "--job", "nope", "--for", "1h", "--reason", "x"])
        #expect(unknown.code == 1)
        #expect(unknown.err == "backupboard: No job named 'nope'\n")
    }

    @Test func unmuteRemovesTheScopesMutes() async throws {
        let db = try await database()
        try await db.store.add(Mute(scope: .job("db-prod"), until: Date().addingTimeInterval(3_600), createdBy: "t", reason: "r", createdAt: Date()))
        let unmute = try await cli.run(["unmute", "--db", db.path, "--job", "db-prod"])
        #expect(unmute.code == 0, "\(unmute.err)")
        #expect(unmute.out == "Unmuted job db-prod (1 mute removed).\n")
        #expect(try await db.store.activeMutes(at: Date()).isEmpty)
        let again = try await cli.run(["unmute", "--db", db.path, "--fleet"])
        #expect(again.out == "Nothing to unmute: the fleet was not muted.\n")
        let unknown = try await cli.run(["unmute", "--db", db.path, "--job", "nope"])
        #expect(unknown.code == 1)
        #expect(unknown.err == "backupboard: No job named 'nope'\n")
    }
}
