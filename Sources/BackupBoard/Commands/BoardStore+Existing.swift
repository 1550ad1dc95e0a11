import BoardModel
import Foundation
import BoardSQLite

extension BoardStore {
    /// Opens a database that must already exist, for writing: commands that change one job never create
    /// an empty database by accident.
    static func existing(path: String) throws -> BoardStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BoardError.database(
                path: path,
                reason: BoardStore.missingDatabaseReason)
        }
        return try BoardStore(path: path)
    }
}
