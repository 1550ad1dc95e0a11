@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import BoardModel
import Foundation
import Testing

// The access rules of docs/architecture.md §9 and the answers BoardAPI wraps around its endpoints, without a socket.
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

    @Test func accessIsDecidedBeforeTheEndpoint() async throws {
        let store = try BoardStore.inMemory()
        let api = BoardAPI(
            store: store, fleet: LiveFleet(store: store), access: APIAccess(adminTokens: ["a-secret"], readOnlyTokens: []), evaluatorInterval: 10,
            logger: quietLogger)
        var called = false
        let refused = await api.handle(APIRequest(method: "GET", path: "/api/v1/nothing")) { request in
            called = true
            return BoardAPI.noSuchRoute(request.path)
        }
        #expect(refused.status == 401 && !called)
        #expect(refused.headers.contains { $0.name == "WWW-Authenticate" && $0.value == "Bearer realm=\"backupboard\"" })

        let missing = await api.handle(APIRequest(method: "GET", path: "/api/v1/nothing", authorization: "Bearer a-secret")) {
            BoardAPI.noSuchRoute($0.path)
        }
        #expect(missing.status == 404)
        #expect(String(decoding: missing.body, as: UTF8.self)
            == "{\"error\":\"no such API route: /api/v1/nothing (see GET /api/v1/openapi.json for every route)\"}\n")
    }

    @Test func headHasNoBodyAndFailuresAreJSONErrors() async throws {
        let store = try BoardStore.inMemory()
        let api = BoardAPI(
            store: store, fleet: LiveFleet(store: store), access: APIAccess(adminTokens: [], readOnlyTokens: []), evaluatorInterval: 10,
            logger: quietLogger)
        let head = await api.handle(APIRequest(method: "HEAD", path: "/api/v1/alerts/1/ack")) { _ in BoardAPI.notAllowed("POST") }
        #expect(head.status == 405 && head.body.isEmpty)
        #expect(head.headers.contains { $0.name == "Allow" && $0.value == "POST" })
        let get = await api.handle(APIRequest(method: "GET", path: "/api/v1/alerts/1/ack")) { _ in BoardAPI.notAllowed("POST") }
        #expect(String(decoding: get.body, as: UTF8.self) == "{\"error\":\"method not allowed here; use POST\"}\n")

        let bad = await api.handle(APIRequest(method: "GET", path: "/api/v1/alerts/x/ack")) { _ in
            APIReply(status: 200, body: Array("\(try BoardAPI.alertID("x"))".utf8))
        }
        #expect(bad.status == 400)
        #expect(String(decoding: bad.body, as: UTF8.self) == "{\"error\":\"alert id must be a positive number, not 'x'\"}\n")
        #expect(throws: BoardAPI.Failure.self) { try BoardAPI.alertID("0") }
        #expect(try BoardAPI.alertID("12") == 12)

        let broken = await api.handle(APIRequest(method: "GET", path: "/api/v1/board?format=2")) { _ in
            throw BoardError.database(path: "board.sqlite", reason: "disk I/O error")
        }
        #expect(broken.status == 503)
        #expect(String(decoding: broken.body, as: UTF8.self) == "{\"error\":\"database unavailable: disk I/O error\"}\n")
    }

    private func statusOf(_ decision: APIAccess.Decision) -> Int? {
        if case .refused(let status, _) = decision { return status }
        return nil
    }
}
