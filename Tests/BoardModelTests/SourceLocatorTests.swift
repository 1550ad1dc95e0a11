import Testing
@testable import BoardModel

/// Finding the line of a TOML key or table, for `FILE:LINE:` messages (jobs file, serve config, themes).
@Suite struct SourceLocatorTests {
    @Test func keysAreFoundUnderTheirTablesAndMissingOnesAtTheNearestTable() {
        let locator = SourceLocator(text: """
            listen = "127.0.0.1:8470"

            [evaluator]
            interval = "10s"

            [notifications.channels."ops-slack"]
            type = "slack"
            """)
        #expect(locator.line(for: ["listen"]) == 1)
        #expect(locator.line(for: ["evaluator", "interval"]) == 4)
        #expect(locator.line(for: ["evaluator", "nothing"]) == 3)
        #expect(locator.line(for: ["notifications"]) == 6)
        #expect(locator.line(for: ["notifications", "channels", "ops-slack", "type"]) == 7)
        #expect(locator.line(for: ["nothing"]) == nil)
        #expect(locator.line(for: []) == nil)
        #expect(locator.tableHeader(at: 6) == ["notifications", "channels", "ops-slack"])
        #expect(locator.tableHeader(at: 7) == nil)
    }

    @Test func eachArrayTableIsNumbered() {
        let locator = SourceLocator(text: """
            [[maintenance]]
            name = "a"

            [[maintenance]]
            name = "b"
            """)
        #expect(locator.line(for: ["maintenance"]) == 1)
        #expect(locator.line(for: ["maintenance", "#0", "name"]) == 2)
        #expect(locator.line(for: ["maintenance", "#1"]) == 4)
        #expect(locator.line(for: ["maintenance", "#1", "name"]) == 5)
        #expect(locator.tableHeader(at: 1) == nil)
    }

    /// Every prefix of the header was once copied and stored: minutes and gigabytes for this 200 KB file.
    @Test func aHeaderOfAHundredThousandDottedPartsIsReadInOnePass() {
        let parts = Array(repeating: "k", count: 100_000)
        let text = "[\(parts.joined(separator: "."))]\nschedule = \"1h\"\n"
        let locator = SourceLocator(text: text)
        #expect(locator.line(for: parts + ["schedule"]) == 2)
        #expect(locator.line(for: parts + ["grace"]) == 1)
        #expect(locator.line(for: Array(parts.prefix(50_000))) == 1)
        #expect(locator.tableHeader(at: 1)?.count == 100_000)
    }
}
