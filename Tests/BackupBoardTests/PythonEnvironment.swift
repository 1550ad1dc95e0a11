import BoardModel
import Foundation
import TestSupport

// Python clients from PyPI, in virtual environments the tests make (Debian 12 refuses a system-wide pip install).

/// The package's folder.
let packageRoot = CommandLine.binary.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `arguments` to the end, its standard output and error in one text.
func runToEnd(_ arguments: [String], environment: [String: String] = [:]) async throws -> (code: Int32, output: String) {
    try await offThePool {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-run-\(UUID().uuidString).out")
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

/// The python of a virtual environment named `name` holding `requirements` (pinned, from PyPI), made once per machine:
/// when `probe` (Python code) already runs in it, it is taken as it is. `purpose` names the test in failures.
func pythonEnvironment(_ name: String, requirements: [String], probe: String, purpose: String) async throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backupboard-\(name)-venv").path
    let python = folder + "/bin/python"
    if try await runToEnd([python, "-c", probe]).code == 0 { return python }
    let made = try await runToEnd(["python3", "-m", "venv", "--clear", folder])
    guard made.code == 0 else {
        throw BoardError.invalidValue(
            "\(purpose) needs Python's venv module: install it with 'sudo apt-get install -y python3-venv' (\(made.output))")
    }
    let installed = try await runToEnd([python, "-m", "pip", "install", "-q"] + requirements)
    guard installed.code == 0 else {
        throw BoardError.invalidValue(
            "\(purpose) could not install \(requirements.joined(separator: " ")) from PyPI with pip: \(installed.output)")
    }
    return python
}
