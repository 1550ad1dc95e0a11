import Foundation

// Writes EmbeddedThemes.swift: every theme file given, as a raw string literal keyed by its name.
// Run by the EmbedThemes build plugin: `ThemeEmbedder OUTPUT.swift themes/dark.toml themes/light.toml …`.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: ThemeEmbedder OUTPUT.swift THEME.toml…\n".utf8))
    exit(2)
}

var entries: [(name: String, text: String)] = []
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    do {
        entries.append((url.deletingPathExtension().lastPathComponent, try String(contentsOf: url, encoding: .utf8)))
    } catch {
        FileHandle.standardError.write(Data("ThemeEmbedder: cannot read \(path): \(error)\n".utf8))
        exit(1)
    }
}

/// A raw string literal that holds `text` exactly: more `#` than any run of them in the text.
func rawLiteral(_ text: String) -> String {
    var longest = 0
    var run = 0
    for character in text {
        run = character == "#" ? run + 1 : 0
        longest = max(longest, run)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    // A multi-line literal drops the newline before its closing delimiter: add one to keep the text exact.
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

var source = """
    // Generated at build time by the EmbedThemes plugin from themes/*.toml. Do not edit.

    /// The theme files shipped in `themes/`, built into the binary so it works without the folder.
    enum EmbeddedThemes {
        /// File text by theme name (the file name without `.toml`).
        static let files: [String: String] = [

    """
for entry in entries {
    source += "        \"\(entry.name)\": \(rawLiteral(entry.text)),\n"
}
if entries.isEmpty { source += "        :\n" }
source += "    ]\n}\n"

do {
    try source.write(toFile: output, atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("ThemeEmbedder: cannot write \(output): \(error)\n".utf8))
    exit(1)
}
