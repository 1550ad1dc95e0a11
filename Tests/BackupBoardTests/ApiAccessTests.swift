@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import Foundation
import Testing

// The access rules of docs/architecture.md §9, without a socket.
struct ApiAccessTests {
    @Test func noTokensMeansReadOnlyAndDirectOnly() {
        let access = APIAccess(adminTokens: [], readOnlyTokens: [])
        #expect(access.decide(.read, authorization: nil, proxied: false) == .allowed)
        #expect(access.decide(.read, authorization: "Bearer anything", proxied: false) == .allowed)
        guard case .refused(403, _) = access.decide(.write, authorization: nil, proxied: false) else {
            Issue.record("a write without tokens must be 403")
            return
        }
        guard case .refused(403, _) = access.decide(.read, authorization: nil, proxied: true) else {
            Issue.record("a proxied read without tokens must be 403")
            return
        }
    }

    @Test func tokensDecideByKind() {
        let access = APIAccess(adminTokens: ["a-secret"], readOnlyTokens: ["r-secret"])
        #expect(access.decide(.write, authorization: "Bearer a-secret", proxied: true) == .allowed)
        #expect(access.decide(.read, authorization: "Bearer r-secret", proxied: true) == .allowed)
        #expect(access.decide(.read, authorization: "BEARER  a-secret ", proxied: false) == .allowed)
        #expect(statusOf(access.decide(.write, authorization: "Bearer r-secret", proxied: false)) == 403)
        #expect(statusOf(access.decide(.read, authorization: nil, proxied: false)) == 401)
        #expect(statusOf(access.decide(.read, authorization: "Bearer a-secre", proxied: false)) == 401)
        #expect(statusOf(access.decide(.read, authorization: "Bearer ", proxied: false)) == 401)
        #expect(statusOf(access.decide(.read, authorization: "a-secret", proxied: false)) == 401)
    }

    @Test func muteEndsAreDurationsOrFutureTimes() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2030-01-01T00:00:00Z"))
        #expect(try BoardAPI.muteEnd("4h", now: now) == now.addingTimeInterval(4 * 3_600))
        #expect(try BoardAPI.muteEnd("2030-01-02T00:00:00Z", now: now) == now.addingTimeInterval(86_400))
        #expect(throws: BoardAPI.Failure.self) { try BoardAPI.muteEnd("2029-12-31T00:00:00Z", now: now) }
        #expect(throws: BoardAPI.Failure.self) { try BoardAPI.muteEnd("later", now: now) }
    }

    @Test func judgedTagsChangeWithTheVersionAndTheMinute() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2030-01-01T00:00:10Z"))
        #expect(BoardAPI.judgedTag(7, at: now) == BoardAPI.judgedTag(7, at: now.addingTimeInterval(40)))
        #expect(BoardAPI.judgedTag(7, at: now) != BoardAPI.judgedTag(8, at: now))
        #expect(BoardAPI.judgedTag(7, at: now) != BoardAPI.judgedTag(7, at: now.addingTimeInterval(60)))
    }

    private func statusOf(_ decision: APIAccess.Decision) -> Int? {
        if case .refused(let status, _) = decision { return status }
        return nil
    }
}
