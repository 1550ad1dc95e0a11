import Foundation
import Testing
@testable import BoardModel

@Test(arguments: [
    ("90", 90.0), ("90s", 90), ("15m", 900), ("6h", 21_600), ("1d", 86_400), ("1w", 604_800),
    ("1h30m", 5_400), ("2h 30m", 9_000), ("1.5h", 5_400), ("PT2H", 7_200), ("PT1H30M", 5_400),
    ("P1DT2H", 93_600), ("01:02:03", 3_723), ("02:03", 123), ("3 hours", 10_800), ("45 min", 2_700),
])
func durationsParse(text: String, seconds: Double) {
    #expect(HumanUnits.duration(text) == seconds)
}

@Test(arguments: ["", "abc", "h", "1x", "-5m", "1:2:3:4", "PT", "P1H", "9e307w 9e307w", "1e300", "inf", "nan"])
func nonsenseDurationsAreNil(text: String) {
    #expect(HumanUnits.duration(text) == nil)
}

@Test(arguments: [
    ("123", Int64(123)), ("12345 bytes", 12_345), ("45.2GB", 45_200_000_000), ("1.5 GiB", 1_610_612_736),
    ("10M", 10_000_000), ("2k", 2_000), ("1,234,567", 1_234_567), ("512 B", 512), ("3TB", 3_000_000_000_000),
])
func sizesParse(text: String, bytes: Int64) {
    #expect(HumanUnits.size(text) == bytes)
}

@Test func ratesAndRatiosParse() {
    #expect(HumanUnits.rate("25MB/s") == 25_000_000)
    #expect(HumanUnits.rate("1,234.56 bytes/sec") == 1_234.56)
    #expect(HumanUnits.rate("1 MiB/s") == 1_048_576)
    #expect(HumanUnits.ratio("3.2:1") == 3.2)
    #expect(HumanUnits.ratio("2.5x") == 2.5)
    #expect(HumanUnits.size("lots") == nil)
}

@Test func durationsAndSizesFormat() {
    #expect(HumanUnits.formatDuration(5_400) == "1h30m")
    #expect(HumanUnits.formatDuration(0) == "0s")
    #expect(HumanUnits.formatDuration(93_600) == "1d2h")
    #expect(HumanUnits.shortDuration(3_900) == "1h05m")
    #expect(HumanUnits.formatSize(45_200_000_000) == "45 GB")
    #expect(HumanUnits.formatSize(1_500_000) == "1.5 MB")
    #expect(HumanUnits.formatSize(512) == "512 B")
}
