import Foundation
import Testing
@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
@testable import BoardModel

struct SparklineTests {
    @Test func scalesFromZeroToTheLargestValueShown() {
        let line = Sparkline([.value(1), .value(2), .value(4), .value(8)])
        #expect(line.text(width: 4, glyphs: .utf8) == "▂▃▅█")
        // A steady series is a flat line at the top, not noise blown up to the full height.
        #expect(Sparkline([.value(100), .value(98), .value(101)]).text(width: 3, glyphs: .utf8) == "███")
        #expect(Sparkline.level(of: 0, largest: 10, levels: 8) == 0)
        #expect(Sparkline.level(of: 10, largest: 10, levels: 8) == 7)
        #expect(Sparkline.level(of: 5, largest: 0, levels: 8) == 0)
    }

    @Test func missingRunsAreGapsAndZeroIsABar() {
        let line = Sparkline([.value(0), .missing, .value(5)])
        #expect(line.text(width: 3, glyphs: .utf8) == "▁ █")
        #expect(line.text(width: 3, glyphs: .ascii) == "_ @")
    }

    @Test func failedRunsAreMarkedInTheFailRole() {
        let cells = Sparkline([.value(5), .failed, .value(5, anomaly: true)]).cells(width: 3, glyphs: .utf8)
        #expect(String(cells.map(\.character)) == "█✖█")
        #expect(cells.map(\.style.role) == [.sparkline, .fail, .anomaly])
        #expect(Sparkline([.value(5), .failed]).text(width: 2, glyphs: .ascii) == "@x")
    }

    @Test func asciiRampHasEightLevels() {
        let line = Sparkline((0...7).map { .value(Double($0)) })
        #expect(line.text(width: 8, glyphs: .ascii) == "_.-=+*#@")
        #expect(line.text(width: 8, glyphs: .utf8) == "▁▂▃▄▅▆▇█")
    }

    @Test func showsTheLatestPointsRightAligned() {
        #expect(Sparkline([.value(1), .value(2)]).text(width: 5, glyphs: .ascii) == "   +@")
        // Only the points shown set the scale: the old peak no longer flattens the rest.
        let line = Sparkline([.value(100), .value(1), .value(2), .value(4)])
        #expect(line.text(width: 3, glyphs: .utf8) == "▃▅█")
        #expect(Sparkline([.value(3)]).text(width: 0, glyphs: .utf8) == "")
    }

    @Test func runsBecomePointsWithGapsFailuresAndAnomalies() {
        let job = BoardFixture.job(1, "db", "db", every: 24)
        let day = 86_400.0
        func run(_ daysAgo: Double, size: Int64?, outcome: RunOutcome = .completed) -> Run {
            let start = BoardFixture.now.addingTimeInterval(-daysAgo * day)
            return Run(jobID: 1, startedAt: start, endedAt: start.addingTimeInterval(600), lastHeartbeatAt: start,
                       outcome: outcome, sizeBytes: size)
        }
        let runs = [
            run(9, size: 100), run(8, size: 100), run(7, size: 104),
            // Days 6 and 5 never ran: two gaps.
            run(4, size: 98), run(3, size: nil, outcome: .failed), run(2, size: nil), run(1, size: 2),
            Run(jobID: 1, startedAt: BoardFixture.now, lastHeartbeatAt: BoardFixture.now, outcome: .running),
        ]
        let sizes = Sparkline.of(.size, runs: runs, job: job, period: day)
        #expect(sizes.points == [
            .value(100), .value(100), .value(104), .missing, .missing, .value(98), .failed, .missing,
            .value(2, anomaly: true),
        ])
        #expect(sizes.text(width: 9, glyphs: .utf8) == "███  █✖ ▁")
        let durations = Sparkline.of(.duration, runs: runs, job: job, period: day)
        #expect(durations.points.filter { $0 == .value(600) }.count == 6, "the running run is left out")
    }

    @Test func tooSmallRunsCountAsFailed() {
        let job = BoardFixture.job(1, "db", "db", every: 24, minSize: 1_000)
        let start = BoardFixture.now
        let run = Run(jobID: 1, startedAt: start, endedAt: start, lastHeartbeatAt: start, outcome: .completed, sizeBytes: 10)
        #expect(Sparkline.of(.size, runs: [run], job: job, period: 86_400).points == [.failed])
    }
}
