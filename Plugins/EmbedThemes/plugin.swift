import Foundation
import PackagePlugin

/// Builds the package's `themes/*.toml` into the target as `EmbeddedThemes.files`, so the installed
/// binary carries every shipped theme and the folder stays the one copy of their text.
@main
struct EmbedThemes: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appendingPathComponent("themes")
        let themes = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "toml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedThemes.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(themes.count) themes from themes/",
                executable: try context.tool(named: "FileEmbedder").url,
                arguments: [output.path, "EmbeddedThemes"] + themes.map(\.path),
                inputFiles: themes,
                outputFiles: [output]
            )
        ]
    }
}
