import BoardModel
import Foundation
import Testing

// docs/openapi.json against a running `serve`: every operation called, every answer (errors included)
// validated by openapi-core from PyPI in a virtual environment the test makes
// (Tests/Fixtures/openapi/check_answers.py), and the served document is the file.

/// A virtual environment with openapi-core and requests from PyPI.
private func validatorEnvironment() async throws -> String {
    try await pythonEnvironment(
        "openapi-0.23.1", requirements: ["openapi-core==0.23.1", "requests==2.32.3"], probe: "import openapi_core, requests",
        purpose: "The OpenAPI test")
}

@Suite(.serialized) struct OpenAPIContractTests {
    @Test func realAnswersOfEveryOperationMatchTheDocument() async throws {
        let python = try await validatorEnvironment()
        let cli = try CommandLine()
        let database = cli.path("board.sqlite")
        let key = "openapi-contract-key-0123456789"
        let added = try await cli.run(["jobs", "add", "db-prod", "--every", "6h", "--key", key, "--db", database])
        #expect(added.code == 0, "\(added.err)")
        let port = try await StubHeartbeatServer.closedPort()
        let config = cli.path("serve.toml")
        try """
            listen = "127.0.0.1:\(port)"
            [tokens]
            admin = ["contract-admin-token"]
            read_only = ["contract-read-token"]
            [evaluator]
            interval = "1s"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let log = URL(fileURLWithPath: cli.path("serve.log"))
        let serve = try ServeProcess(arguments: ["--config", config, "--db", database], port: port, log: log)
        defer { serve.crash() }
        try await serve.waitUntilListening()
        let check = try await runToEnd([
            python, packageRoot.appendingPathComponent("Tests/Fixtures/openapi/check_answers.py").path,
            packageRoot.appendingPathComponent("docs/openapi.json").path, "http://127.0.0.1:\(port)/api/v1",
            "contract-admin-token", "contract-read-token", key,
        ], environment: ["NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"])
        #expect(check.code == 0, "\(check.output)\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(check.output.contains("operations called, 0 problems"), "\(check.output)")
    }
}
