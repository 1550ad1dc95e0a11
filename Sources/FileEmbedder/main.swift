import Foundation

// Writes OUTPUT.swift: an enum TYPE whose `files` holds every file given, as a raw string literal keyed by its
// name without extension. Run by the build plugins that embed the package's own files in its targets:
// `FileEmbedder OUTPUT.swift EmbeddedThemes themes/dark.toml themes/light.toml …` (EmbedThemes),
// `FileEmbedder OUTPUT.swift EmbeddedAPIDocument docs/openapi.json` (EmbedAPIDocument).

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: FileEmbedder OUTPUT.swift TYPE FILE…\n".utf8))
    exit(2)
}
let output = arguments[0]
let typeName = arguments[1]

var entries: [(name: String, text: String)] = []
for path in arguments.dropFirst(2).sorted() {
    let url = URL(fileURLWithPath: path)
    do {
        entries.append((url.deletingPathExtension().lastPathComponent, try String(contentsOf: url, encoding: .utf8)))
    } catch {
        FileHandle.standardError.write(Data("FileEmbedder: cannot read \(path): \(error)\n".utf8))
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
    // Generated at build time by FileEmbedder from files of the package. Do not edit.

    /// Files of the package, built into the binary so it works without them.
    enum \(typeName) {
        /// File text by name (the file name without its extension).
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
    FileHandle.standardError.write(Data("FileEmbedder: cannot write \(output): \(error)\n".utf8))
    exit(1)
}
