import BoardModel
import Testing

/// The one backoff behind the outbox, the heartbeat sender and the board's polling.
@Suite struct RetryBackoffTests {
    @Test func waitsDoubleAreCappedAndJitteredDownToHalf() {
        let backoff = RetryBackoff(base: 5, cap: 60, jitter: 0.5)
        #expect(backoff.delay(afterFailures: 1, random: 0.999_999) > 4.99)
        #expect(backoff.delay(afterFailures: 2, random: 1) == 10)
        #expect(backoff.delay(afterFailures: 3, random: 0) == 10)
        #expect(backoff.delay(afterFailures: 10, random: 1) == 60)
        #expect(backoff.delay(afterFailures: 1_000, random: 0) == 30)
    }

    @Test func withoutJitterTheWaitsAreExact() {
        let backoff = RetryBackoff(base: 2, cap: 30, jitter: 0)
        #expect((1...6).map { backoff.delay(afterFailures: $0) } == [2, 4, 8, 16, 30, 30])
        #expect(backoff.delay(afterFailures: 3, random: 0) == 8)
    }

    @Test func randomJitterStaysWithinItsShare() {
        let backoff = RetryBackoff(base: 1, cap: 30, jitter: 0.5)
        for failures in 1...8 {
            let full = min(30, Double(1 << (failures - 1)))
            let wait = backoff.delay(afterFailures: failures)
            #expect(wait >= full / 2 && wait <= full)
        }
    }

    @Test func hugeCountsAndOutOfRangeRandomsStayWithinTheCap() {
        let backoff = RetryBackoff(base: 1e10, cap: 900, jitter: 0.5)
        #expect(backoff.delay(afterFailures: .max, random: 2) == 900)
        #expect(backoff.delay(afterFailures: 0, random: -1) == 450)
    }
}
