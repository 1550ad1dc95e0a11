import Foundation
import PackagePlugin

/// Builds the package's `docs/openapi.json` into the target as `EmbeddedAPIDocument.files["openapi"]`, so
/// `serve` answers `GET /api/v1/openapi.json` with the document kept in the repo, the one copy of its text.
@main
struct EmbedAPIDocument: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let document = context.package.directoryURL.appendingPathComponent("docs/openapi.json")
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedAPIDocument.swift")
        return [
            .buildCommand(
                displayName: "Embedding docs/openapi.json",
                executable: try context.tool(named: "FileEmbedder").url,
                arguments: [output.path, "EmbeddedAPIDocument", document.path],
                inputFiles: [document],
                outputFiles: [output]
            )
        ]
    }
}
