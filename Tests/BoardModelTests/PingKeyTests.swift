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
    #expect(PingKey.problem(with: "abcd/efgh") == "a ping key is 8 to 128 letters, digits, '-' or '_'")
    #expect(PingKey.problem(with: "short") != nil)
    #expect(PingKey.problem(with: String(repeating: "k", count: 129)) != nil)
}
