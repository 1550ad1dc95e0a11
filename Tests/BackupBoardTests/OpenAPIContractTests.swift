import BoardModel
import Foundation
import Testing

// docs/openapi.json against a running `serve`: every operation called, every answer (errors included)
// validated by openapi-core from PyPI in a virtual environment the test makes
// (Tests/Fixtures/openapi/check_answers.py), and the served document is the file.

/// The package's folder.
private let packageRoot = CommandLine.binary.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `arguments` to the end, its standard output and error in one text.
private func runToEnd(_ arguments: [String], environment: [String: String] = [:]) async throws -> (code: Int32, output: String) {
    try await offThePool {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-openapi-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}

/// A virtual environment with openapi-core and requests from PyPI, made once per machine and version.
private func validatorEnvironment() async throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-openapi-venv-0.23.1").path
    let python = folder + "/bin/python"
    if try await runToEnd([python, "-c", "import openapi_core, requests"]).code == 0 { return python }
    let made = try await runToEnd(["python3", "-m", "venv", "--clear", folder])
    guard made.code == 0 else {
        throw BoardError.invalidValue(
            "The OpenAPI test needs Python's venv module: install it with 'sudo apt-get install -y python3-venv' (\(made.output))")
    }
    let installed = try await runToEnd([python, "-m", "pip", "install", "-q", "openapi-core==0.23.1", "requests==2.32.3"])
    guard installed.code == 0 else {
        throw BoardError.invalidValue("The OpenAPI test could not install openapi-core from PyPI with pip: \(installed.output)")
    }
    return python
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
