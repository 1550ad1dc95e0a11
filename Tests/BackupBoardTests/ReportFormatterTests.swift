@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import Testing

@Suite struct ReportFormatterTests {
    @Test func aRateBelowOneNeverReadsAsAHundredPercent() {
        #expect(ReportFormatter.percent(nil) == "-")
        #expect(ReportFormatter.percent(1) == "100.0%")
        #expect(ReportFormatter.percent(0.947) == "94.7%")
        #expect(ReportFormatter.percent(0.9996) == "99.96%")
        #expect(ReportFormatter.percent(0.99999) == ">99.99%")
    }
}
