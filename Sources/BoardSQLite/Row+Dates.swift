import Foundation
internal import GRDB

/// Times are stored as seconds since 1970 (REAL); these read a nullable one back.
extension Row {
    func date(_ column: String) -> Date? {
        (self[column] as Double?).map(Date.init(timeIntervalSince1970:))
    }

    func date(_ index: Int) -> Date? {
        (self[index] as Double?).map(Date.init(timeIntervalSince1970:))
    }
}
