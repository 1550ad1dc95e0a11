import Testing
@testable import BoardModel

@Test func generatedKeysAreLongAndDistinct() {
    let keys = (0..<100).map { _ in PingKey.generate() }
    #expect(Set(keys).count == 100)
    #expect(keys.allSatisfy { $0.count == 24 && PingKey.problem(with: $0) == nil && PingKey.warning(for: $0) == nil })
}

@Test func shortGivenKeysPassWithAWarning() {
    #expect(PingKey.problem(with: "db_backup_abc123") == nil)
    #expect(PingKey.warning(for: "db_backup_abc123")?.contains("short (16 characters)") == true)
    #expect(PingKey.problem(with: "a/b") == "a ping key may hold letters, digits and - _ . ~ only, not '/'")
    #expect(PingKey.problem(with: "") != nil)
}
