import Foundation
import Synchronization
import TestSupport
import Testing
@testable import BoardModel
@testable import BoardPostgres

/// What only the PostgreSQL store has to get right: several instances writing one database at once, the
/// URL and password rules, the migrations (docs/postgresql.md). The behaviour every store shares is in the
/// suites that take a `StoreKind`.
@Suite struct PostgresStoreTests {
    private let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    private func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    /// A fresh database and `count` stores on it, each with its own connection pool, as `count` instances
    /// of `serve` would have.
    private func instances(_ count: Int) async throws -> (url: String, stores: [PostgresStore]) {
        let url = try PostgresTestServer.freshDatabase()
        var stores: [PostgresStore] = []
        for _ in 0..<count {
            stores.append(try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating))
        }
        return (url, stores)
    }

    private func beat(_ jobID: Int64, _ status: HeartbeatStatus, at minute: Double, rid: String? = nil, delivery: String? = nil) -> Heartbeat {
        Heartbeat(
            jobID: jobID, receivedAt: at(minute), report: HeartbeatReport(status: status, runID: rid), deliveryID: delivery,
            contentType: "application/json", source: "127.0.0.1", userAgent: "test")
    }

    private func job(_ slug: String) -> Job {
        Job(slug: slug, pingKey: "key-\(slug)", schedule: .interval(3_600), createdAt: t0)
    }

    /// Eight instances write at once, each its own job, one transaction per heartbeat, while a ninth follows
    /// the board with `since=` (as the API and the remote board do). A plain sequence lets a transaction
    /// holding version 9 commit after one holding 10, and a reader that saw 10 never sees 9's rows; here
    /// every poll's board must equal a full read of the same moment, and the last one the final state.
    @Test func eightConcurrentWritersAndAPollerFollowingSinceMissNothing() async throws {
        let (_, stores) = try await instances(9)
        let poller = stores[8]
        var ids: [Int64] = []
        for index in 0..<8 { ids.append(try await stores[index].insert(job("writer-\(index)"))) }
        let writesPerWriter = 40
        let before = try await poller.dataVersion()

        let polls = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                let store = stores[index]
                let id = ids[index]
                group.addTask {
                    for write in 0..<writesPerWriter {
                        let outcome = try await store.insert([self.beat(id, .log, at: Double(write), delivery: "w\(index)-\(write)")])
                        #expect(outcome.count == 1 && outcome[0] != .duplicate)
                    }
                    return 0
                }
            }
            group.addTask {
                var board = try await poller.loadBoard(at: self.t0)
                var polls = 0
                var seen: [Int64: Int64] = [:]
                while true {
                    let (next, changes) = try await poller.loadBoard(at: self.t0, updating: board, changesSince: board.dataVersion)
                    #expect(next.dataVersion >= board.dataVersion)
                    for (job, version) in changes.jobVersions {
                        #expect(version > board.dataVersion, "a change at or below since=\(board.dataVersion)")
                        #expect(version >= seen[job] ?? 0)
                        seen[job] = version
                    }
                    board = next
                    polls += 1
                    let done = board.entries.allSatisfy { $0.activity.lastHeartbeatAt == self.at(Double(writesPerWriter - 1)) }
                    if done { break }
                    try await Task.sleep(for: .milliseconds(2))
                }
                let full = try await poller.loadBoard(at: self.t0)
                #expect(board.entries == full.entries, "the board followed with since= differs from a full read")
                return polls
            }
            var total = 0
            for try await polls in group { total += polls }
            return total
        }
        #expect(polls > 1)
        // At least a version per write: a batch written from memory that found another commit between commits its
        // version with nothing else (PostgresStore+Ingest.swift).
        #expect(try await poller.dataVersion() >= before + Int64(8 * writesPerWriter))
        for (index, id) in ids.enumerated() {
            #expect(try await stores[index].heartbeats(ofJob: id, limit: 100, beforeID: nil).count == writesPerWriter)
        }
    }

    /// A client's retry of one `Heartbeat-Id` reaching two instances at the same moment is stored once.
    @Test func theSameHeartbeatIdThroughTwoInstancesAtOnceIsStoredOnce() async throws {
        let (_, stores) = try await instances(2)
        let id = try await stores[0].insert(job("nightly"))
        for round in 0..<10 {
            let heartbeat = beat(id, .completed, at: Double(round), delivery: "retry-\(round)")
            async let first = stores[0].insert([heartbeat])
            async let second = stores[1].insert([heartbeat])
            let outcomes = try await first + second
            #expect(outcomes.filter { $0 == .duplicate }.count == 1, "round \(round): \(outcomes)")
        }
        #expect(try await stores[1].heartbeats(ofJob: id, limit: 100, beforeID: nil).count == 10)
    }

    /// More alerts opened in one round than one statement can bind (10,000 jobs turning overdue opened 10,000,
    /// 70,000 values, past PostgreSQL's 65,535): they go in several statements, every alert in one of them, in
    /// order. (Checked on the statements: a real round of 12,000 alerts took a minute of the suite's two cores.)
    @Test func theAlertsOfARoundAreInsertedInStatementsTheServerAccepts() throws {
        let opened = (0..<12_000).map { index in
            Alert(kind: .monitorOutage, severity: .info, jobID: nil, message: "outage \(index)", openedAt: Date(timeIntervalSince1970: Double(index)))
        }
        let statements = PostgresStore.alertInserts(opened)
        #expect(statements.count == 3)
        #expect(statements.allSatisfy { $0.values.count <= 65_535 })
        #expect(statements.map(\.values.count).reduce(0, +) == opened.count * 7)
        #expect(statements.flatMap { $0.values.compactMap { $0 as? String }.filter { $0.hasPrefix("outage ") } } == opened.map(\.message))
    }

    /// A run started through one instance and completed through another is one run.
    @Test func aRunStartedOnOneInstanceAndCompletedOnAnotherIsOneRun() async throws {
        let (_, stores) = try await instances(2)
        let id = try await stores[0].insert(job("db"))
        try await stores[0].insert([beat(id, .started, at: 0, rid: "r1")])
        try await stores[1].insert([beat(id, .completed, at: 30, rid: "r1")])
        let runs = try await stores[0].runs(ofJob: id, limit: 10, before: nil)
        #expect(runs.count == 1)
        #expect(runs.first?.outcome == .completed)
        #expect(runs.first?.duration == 1_800)
        #expect(try await stores[1].activity(ofJob: id).recentRuns == runs)
    }

    /// A batch that waited for another instance's lock takes in what queued up meanwhile, in the same
    /// transaction: a known `Heartbeat-Id` among them is still a duplicate, a job the batch had not read is read,
    /// and a verification stops the taking (it needs its run read with its own batch).
    @Test func aBatchThatWaitedForTheLockTakesInWhatQueuedMeanwhile() async throws {
        let (_, stores) = try await instances(2)
        let a = try await stores[0].insert(job("a"))
        let b = try await stores[0].insert(job("b"))
        try await stores[0].insert([beat(a, .log, at: 0, delivery: "old")])
        let queued = Queued([
            beat(b, .completed, at: 2, delivery: "b1"), beat(a, .log, at: 2, delivery: "old"), beat(a, .completed, at: 3, rid: "r1", delivery: "a2"),
            beat(a, .verified, at: 4, delivery: "v"), beat(a, .log, at: 5, delivery: "late"),
        ])
        let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
        async let holder: Void = stores[1].write { _, _ in
            lockTaken.yield()
            try await Task.sleep(for: .milliseconds(300))
        }
        for await _ in locked { break }
        let outcomes = try await stores[0].insert([beat(a, .started, at: 1, rid: "r1", delivery: "a1")]) { accept in queued.take(accept) }
        try await holder
        #expect(queued.calls == 1)
        #expect(queued.left.map(\.deliveryID) == ["v", "late"])
        try #require(outcomes.count == 4)
        #expect(outcomes[2] == .duplicate)
        #expect([outcomes[0], outcomes[1], outcomes[3]].allSatisfy { if case .stored = $0 { true } else { false } })
        #expect(try await stores[1].heartbeats(ofJob: a, limit: 10, beforeID: nil).count == 3)
        #expect(try await stores[1].heartbeats(ofJob: b, limit: 10, beforeID: nil).count == 1)
        let runs = try await stores[1].runs(ofJob: a, limit: 10, before: nil)
        #expect(runs.count == 1 && runs.first?.outcome == .completed && runs.first?.duration == 120)
    }

    /// A batch of the jobs of the batch before, with no other commit between the two before it, is written from
    /// what that batch left (no read under the lock). A commit of another instance meanwhile, or a `Heartbeat-Id`
    /// stored before, sets that memory aside: the batch is read and written as usual, and what is stored is what
    /// reading would have stored.
    @Test func aBatchOfTheLastBatchsJobsIsWrittenFromMemoryUnlessAnotherWriterCameBetween() async throws {
        let (_, stores) = try await instances(2)
        let id = try await stores[0].insert(job("db"))
        func fromMemory() -> Int { stores[0].batchesFromMemory.load(ordering: .relaxed) }
        try await stores[0].insert([beat(id, .started, at: 0, rid: "r1", delivery: "d1")])
        try await stores[0].insert([beat(id, .log, at: 1, delivery: "d2")])
        #expect(fromMemory() == 0, "two batches read first: the second finds nothing between")
        try await stores[0].insert([beat(id, .log, at: 2, delivery: "d3")])
        #expect(fromMemory() == 1)
        // The other instance completes the run that store 0's memory still holds open.
        try await stores[1].insert([beat(id, .completed, at: 3, rid: "r1", delivery: "d4")])
        try await stores[0].insert([beat(id, .started, at: 4, rid: "r2", delivery: "d5")])
        try await stores[0].insert([beat(id, .log, at: 5, delivery: "d6")])
        #expect(fromMemory() == 1)
        // A retry of a heartbeat stored before, with the memory current: a duplicate, stored once, and no run of it
        // (the write from memory is committed whatever it found, so its guard must see the stored id).
        #expect(try await stores[0].insert([beat(id, .completed, at: 6, rid: "r9", delivery: "d2")]) == [.duplicate])
        #expect(fromMemory() == 1)
        // Read again (the memory was set aside), then from memory.
        try await stores[0].insert([beat(id, .log, at: 7, delivery: "d7")])
        try await stores[0].insert([beat(id, .completed, at: 8, rid: "r2", delivery: "d8")])
        #expect(fromMemory() == 2)

        let runs = try await stores[1].runs(ofJob: id, limit: 10, before: nil)
        #expect(runs.map(\.clientRunID) == ["r2", "r1"] && runs.allSatisfy { $0.outcome == .completed })
        #expect(runs.map(\.duration) == [240, 180])
        #expect(try await stores[1].heartbeats(ofJob: id, limit: 20, beforeID: nil).count == 8)
        #expect(try await stores[1].activity(ofJob: id).lastHeartbeatAt == at(8))
        #expect(try await stores[1].activity(ofJob: id).recentRuns == runs.reversed())
    }

    /// Two instances starting together on a new database migrate it once.
    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let url = try PostgresTestServer.freshDatabase()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating) }
            }
            try await group.waitForAll()
        }
        #expect(try PostgresTestServer.psql(url, "SELECT string_agg(identifier, ',' ORDER BY identifier) FROM backupboard_migrations") == "v1,v2-job-audit,v3-restore-tests,v4-leases")
    }

    /// Version 2 (the jobs' audit trail) on a database version 1 left, with a job in it.
    @Test func theAuditMigrationAddsItsTableToAVersionOneDatabase() async throws {
        let url = try PostgresTestServer.freshDatabase()
        let v1 = try #require(PostgresSchema.migrations.first { $0.identifier == "v1" })
        try PostgresTestServer.psql(url, PostgresSchema.migrationsTable)
        try PostgresTestServer.psql(url, v1.sql)
        try PostgresTestServer.psql(url, """
            INSERT INTO backupboard_migrations(identifier) VALUES ('v1');
            INSERT INTO jobs(slug, name, ping_key, key_hash, schedule_kind, schedule_interval, grace, kind, priority, created_at)
            VALUES ('db-prod', 'db-prod', 'key-db-prod-0000', '\\x00', 'interval', 86400, 3600, 'full', 'medium', 1700000000);
            INSERT INTO job_state(job_id) SELECT id FROM jobs;
            """)
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'job_audit'") == "0")
        let store = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating)
        let job = try #require(try await store.job(slug: "db-prod"))
        var paused = job
        paused.paused = true
        try await store.apply(JobsPlan(updates: [(job, paused)]), maintenanceWindows: nil, by: "ops", at: Date(timeIntervalSince1970: 1_700_000_100))
        #expect(try await store.auditTrail(slug: "db-prod", limit: 10).map(\.change) == ["paused: false → true"])
        #expect(try PostgresTestServer.psql(url, "SELECT string_agg(identifier, ',' ORDER BY identifier) FROM backupboard_migrations") == "v1,v2-job-audit,v3-restore-tests,v4-leases")
    }

    /// `v3-restore-tests` on a database `v1` made, with a job in it: the job reads back with no tests, and a
    /// restore test is stored with the jobs it proves.
    @Test func theRestoreTestsMigrationUpgradesAVersionOneDatabase() async throws {
        let url = try PostgresTestServer.freshDatabase()
        try PostgresTestServer.psql(url, PostgresSchema.migrationsTable)
        try PostgresTestServer.psql(url, PostgresSchema.migrations[0].sql)
        try PostgresTestServer.psql(url, """
            INSERT INTO backupboard_migrations(identifier) VALUES ('v1');
            INSERT INTO jobs(slug, name, ping_key, key_hash, schedule_kind, schedule_interval, grace, kind, priority, rto,
                             created_at)
            VALUES ('db-prod', 'db-prod', 'key-db-prod-0000', '\\x00', 'interval', 21600, 3600, 'full', 'high', 14400,
                    \(t0.timeIntervalSince1970));
            """)
        await #expect {
            _ = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .readOnly)
        } throws: { "\($0)".contains("needs an upgrade") }
        let store = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating)
        try await RestoreTestsMigration.check(store, createdAt: t0) {
            try await PostgresStore.open(PostgresLocation(url), password: nil, access: .readOnly)
        }
    }

    /// A schema a newer binary migrated is refused, with what to do; so is one never set up, read-only.
    @Test func aNewerOrMissingSchemaIsRefusedInOneSentence() async throws {
        let url = try PostgresTestServer.freshDatabase()
        await #expect {
            _ = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .readOnly)
        } throws: { "\($0)".contains("not set up yet") }
        _ = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating)
        try PostgresTestServer.psql(url, "INSERT INTO backupboard_migrations(identifier) VALUES ('v99-future')")
        for access in [PostgresStore.Access.readOnly, .existing, .migrating] {
            await #expect {
                _ = try await PostgresStore.open(PostgresLocation(url), password: nil, access: access)
            } throws: { error in
                "\(error)".contains("migrated by a newer version of backupboard") && "\(error)".contains("v99-future")
            }
        }
    }

    /// A read-only store writes nothing, with PostgreSQL's refusal in a sentence.
    @Test func aReadOnlyStoreRefusesWrites() async throws {
        let url = try PostgresTestServer.freshDatabase()
        _ = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .migrating)
        let readOnly = try await PostgresStore.open(PostgresLocation(url), password: nil, access: .readOnly)
        #expect(try await readOnly.jobs().isEmpty)
        await #expect { try await readOnly.insert(job("x")) } throws: { "\($0)".contains("read-only") }
    }

    /// Every session commits with synchronous_commit=on (a writer reads it back in each transaction).
    @Test func sessionsRunWithSynchronousCommitOn() async throws {
        let (url, stores) = try await instances(1)
        _ = try await stores[0].insert(job("a"))
        let settings = try PostgresTestServer.psql(
            url, "SELECT DISTINCT setting FROM pg_settings WHERE name = 'synchronous_commit'")
        #expect(settings == "on")
        #expect(try PostgresTestServer.psql(url, "SHOW fsync") == "on")
    }

    /// An unreachable server is one sentence that `serve` recognises as passing (it waits and tries again).
    @Test func anUnreachableServerIsASentenceThatMayHeal() async throws {
        let location = try PostgresLocation("postgres://postgres@127.0.0.1:9/nothing")
        await #expect {
            _ = try await PostgresStore.open(location, password: nil, access: .readOnly)
        } throws: { error in
            "\(error)".hasPrefix("Cannot use database at postgres://postgres@127.0.0.1:9/nothing: cannot connect")
                && PostgresStore.mayHeal(error)
        }
    }
}

@Suite struct PostgresLocationTests {
    @Test func aURLIsReadAndShownWithoutAPassword() throws {
        let location = try PostgresLocation("postgres://board@db.example:6543/backups?sslmode=require")
        #expect(location.user == "board")
        #expect(location.host == "db.example")
        #expect(location.port == 6543)
        #expect(location.database == "backups")
        #expect(location.tls == .require)
        #expect(location.description == "postgres://board@db.example:6543/backups?sslmode=require")
        #expect(try PostgresLocation("postgresql://u@h/d").port == 5432)
        #expect(try PostgresLocation("postgres://u@h/d").tls == .disable)
    }

    @Test func aPasswordInTheURLIsRefusedSayingWhereToPutIt() {
        #expect {
            try PostgresLocation("postgres://board:hunter2@127.0.0.1/backups")
        } throws: { error in
            let text = "\(error)"
            return !text.contains("hunter2") && text.contains("PGPASSWORD") && text.contains("~/.pgpass")
                && text.contains("db_password_file") && text.contains("postgres://board:***@127.0.0.1/backups")
        }
    }

    @Test func sslModesOtherThanTheThreeAreRefused() throws {
        for bad in ["prefer", "allow", "verify-ca", ""] {
            #expect { try PostgresLocation("postgres://u@h/d?sslmode=\(bad)") } throws: {
                "\($0)".contains("disable (the default), require or verify-full")
            }
        }
        #expect { try PostgresLocation("postgres://u@h/d?sslmode=verify-full") } throws: { "\($0)".contains("sslrootcert") }
        #expect { try PostgresLocation("postgres://u@h/d?sslrootcert=/ca.pem") } throws: { "\($0)".contains("verify-full") }
        #expect { try PostgresLocation("postgres://u@h/d?password=x") } throws: { "\($0)".contains("sslmode and sslrootcert only") }
        let full = try PostgresLocation("postgres://u@h/d?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(full.tls == .verifyFull)
        #expect(full.rootCertificate == "/etc/ca.pem")
    }

    @Test func missingPartsAreNamed() {
        #expect { try PostgresLocation("postgres://127.0.0.1/d") } throws: { "\($0)".contains("names no user") }
        #expect { try PostgresLocation("postgres://u@127.0.0.1") } throws: { "\($0)".contains("names no database") }
    }

    @Test func thePasswordComesFromTheEnvironmentThenThePassFileThenTheConfigFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let passFile = folder + "/pgpass"
        try "# comment\nother:5432:*:board:wrong\n127.0.0.1:5432:backups:board:from\\:pgpass\n".write(
            toFile: passFile, atomically: true, encoding: .utf8)
        let configFile = folder + "/password"
        try "from-config\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        let location = try PostgresLocation("postgres://board@127.0.0.1/backups")
        #expect(try location.password(environment: ["PGPASSWORD": "from-env", "PGPASSFILE": passFile]) == "from-env")
        #expect(try location.password(environment: ["PGPASSFILE": passFile], passwordFile: configFile) == "from:pgpass")
        #expect(try location.password(environment: ["PGPASSFILE": folder + "/none"], passwordFile: configFile) == "from-config")
        #expect(try location.password(environment: ["HOME": folder]) == nil)
        #expect { try location.password(environment: ["HOME": folder], passwordFile: folder + "/missing") } throws: {
            "\($0)".contains("Cannot read db_password_file")
        }
    }
}

/// A writer's queue, as the heartbeat writer hands it to `insert(_:joining:)`.
private final class Queued: Sendable {
    private let state: Mutex<(heartbeats: [Heartbeat], calls: Int)>

    init(_ heartbeats: [Heartbeat]) { state = Mutex((heartbeats, 0)) }

    func take(_ accept: (Heartbeat) -> Bool) -> [Heartbeat] {
        state.withLock { state in
            state.calls += 1
            let taken = Array(state.heartbeats.prefix(while: accept))
            state.heartbeats.removeFirst(taken.count)
            return taken
        }
    }

    var calls: Int { state.withLock { $0.calls } }
    var left: [Heartbeat] { state.withLock { $0.heartbeats } }
}
