import Foundation
import Testing
@testable import BoardModel

@Test func priorityOrdersCriticalFirst() {
    #expect(JobPriority.allCases.sorted() == [.critical, .high, .medium, .low])
}
