import Foundation

/// Where commands write what is not their result: errors and warnings go to standard error.
enum CommandOutput {
    /// `backupboard: <sentence>` on standard error, never a Swift trace.
    static func error(_ error: any Error) {
        standardError("backupboard: \(error)")
    }

    /// `warning: <sentence>` on standard error.
    static func warning(_ message: String) {
        standardError("warning: \(message)")
    }

    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
