import Foundation
import TestSupport
import Testing

/// The failover proof (docs/high-availability.md): `scripts/pg-failover-test.sh` runs two real `serve` on one
/// PostgreSQL database under load and signals the evaluator's leader mid-load; it fails when an acknowledged
/// heartbeat is missing, one is stored twice, the other instance took more than 10 s to lead, a monitor
/// outage was recorded, a notification was lost, or (but after kill -9) one came twice.
@Suite(.serialized) struct FailoverTests {
    private func failover(_ signal: String, seconds: Int) async throws -> String {
        let url = try PostgresTestServer.freshDatabase()
        // The proof measures `serve`'s failover, not how two cores are shared with the hundreds of tests running
        // beside it: on CI (root) its processes run at a higher priority than theirs. Starved by the parallel
        // suite, the new leader's first round once came 5 s after its lease (10.2 s in all; 5.5 s alone).
        let priority = geteuid() == 0 ? ["nice", "-n", "-10"] : []
        let (status, output) = try await offThePool {
            PostgresTestServer.run(priority + [
                "bash", PostgresTestServer.repositoryRoot() + "/scripts/pg-failover-test.sh", "--binary", CommandLine.binary.path,
                "--signal", signal, "--seconds", String(seconds), "--postgres", url,
            ])
        }
        #expect(status == 0, "\(output)")
        // The figures (failover time, heartbeats, notifications) in the suite's log, passed or not.
        print(output)
        return output
    }

    @Test func killingTheLeaderLosesNothingAndAnotherLeadsWithinTenSeconds() async throws {
        let output = try await failover("KILL", seconds: 16)
        #expect(output.contains("stored twice 0") && output.contains("acknowledged but missing 0"))
    }

    @Test func aGracefulStopHandsOverWithoutADuplicateNotification() async throws {
        let output = try await failover("TERM", seconds: 12)
        #expect(output.contains(" 0 delivered twice"))
    }

    @Test func aLeaderStoppedFifteenSecondsWritesNothingStaleWhenItWakes() async throws {
        let output = try await failover("STOP", seconds: 24)
        #expect(output.contains("state transitions written twice: 0"))
    }
}
