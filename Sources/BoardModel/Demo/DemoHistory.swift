import Foundation

/// Lays out one demo job's runs relative to `now`, newest first, then writes their heartbeats.
///
/// Times are offsets from `now` in seconds (never positive once written): the latest run is placed
/// first according to the job's scenario, and earlier runs step back one period at a time with a
/// little start jitter, well inside the grace.
struct DemoHistory {
    /// How far back the history goes: five weeks, six for weekly jobs so they too have 30+ days of runs.
    var depth: TimeInterval {
        profile.cadence.period >= Self.week ? 6 * Self.week : 5 * Self.week
    }
    static let week: TimeInterval = 604_800

    let profile: DemoJobProfile
    let now: Date
    var random: SeededRandom
    private var events: [DemoEvent] = []

    init(profile: DemoJobProfile, now: Date, random: SeededRandom) {
        self.profile = profile
        self.now = now
        self.random = random
    }

    /// How a planned run ends.
    enum Outcome {
        case completed
        /// Completed, then `verified` with `matches_expected: false`.
        case verificationFailed
        /// "Completed" with a tiny file: the failed dump gzip hid.
        case collapsed
        /// Failed `fraction` of the way through.
        case failed(DemoFailure, fraction: Double)
        /// Still running at `now`.
        case open
    }

    struct RunPlan {
        var start: TimeInterval = 0
        var duration: TimeInterval
        var size: Double
        var outcome: Outcome = .completed
    }

    /// The job's heartbeats, oldest first.
    mutating func write() -> [DemoEvent] {
        guard profile.scenario != .neverReported else { return [] }
        for plan in planRuns().reversed() {
            emit(plan)
        }
        return events
    }

    // MARK: Planning

    private mutating func planRuns() -> [RunPlan] {
        var latest = measured(age: 0)
        switch profile.scenario {
        case .running:
            // The usual duration, so "40% of the way" is what the history says it is.
            latest.duration = profile.baseDuration
            latest.outcome = .open
        case .sizeCollapse:
            latest.size = random.uniform(700...1_600).rounded()
            latest.duration = random.uniform(3...9).rounded()
            latest.outcome = .collapsed
        case .latestFailed:
            latest.outcome = .failed(profile.failures[0], fraction: random.uniform(0.3...0.6))
        case .verificationFailed:
            latest.outcome = .verificationFailed
        case .healthy, .overdue, .paused, .neverReported:
            break
        }

        let starts = startOffsets(latestDuration: latest.duration)
        guard let first = starts.first else { return [] }
        latest.start = first
        var plans = [latest]
        for start in starts.dropFirst() {
            var plan = measured(age: -start)
            plan.start = start
            plans.append(plan)
        }

        // Scattered failures stay clear of the last three runs, so the job's current state is its scenario's.
        var candidates = plans.count > 3 ? Array(3..<plans.count) : []
        for _ in 0..<min(profile.scatteredFailures, candidates.count) {
            let index = candidates.remove(at: random.integer(0...(candidates.count - 1)))
            let failure = profile.failures[random.integer(0...(profile.failures.count - 1))]
            plans[index].outcome = .failed(failure, fraction: random.uniform(0.15...0.8))
        }
        return plans
    }

    /// Size and duration of a run `age` seconds ago: sizes grow a few percent a week, durations follow
    /// the size and jitter ±15%.
    private mutating func measured(age: TimeInterval) -> RunPlan {
        let trend = pow(1 + profile.weeklyGrowth, -age / Self.week)
        let size = profile.baseSize * trend * (1 + profile.sizeNoise * random.symmetric())
        let ratio = size / profile.baseSize
        let duration = profile.baseDuration * (0.25 + 0.75 * ratio) * (1 + 0.15 * random.symmetric())
        return RunPlan(duration: duration.rounded(), size: size.rounded())
    }

    /// Start offsets, newest first, back to `depth`.
    private mutating func startOffsets(latestDuration: TimeInterval) -> [TimeInterval] {
        switch profile.cadence {
        case .every(let interval):
            let latest = latestStart(interval: interval, duration: latestDuration)
            let jitter = min(0.1 * interval, 0.25 * profile.grace, 2_700) / 2
            var starts = [latest]
            var k = 1.0
            while true {
                let start = latest - k * interval + jitter * random.symmetric()
                guard start >= -depth else { break }
                starts.append(start.rounded(.down))
                k += 1
            }
            return starts
        case .daily(let hour, let minute, let zone):
            return fireOffsets(hour: hour, minute: minute, weekday: nil, zone: zone)
                .map { ($0 + random.uniform(15...90)).rounded(.down) }
        case .weekly(let weekday, let hour, let minute, let zone):
            return fireOffsets(hour: hour, minute: minute, weekday: weekday, zone: zone)
                .map { ($0 + random.uniform(15...90)).rounded(.down) }
        }
    }

    /// Where the scenario puts the latest start of an interval job.
    private mutating func latestStart(interval: TimeInterval, duration: TimeInterval) -> TimeInterval {
        let start: TimeInterval
        switch profile.scenario {
        case .running:
            start = -(0.4 * duration + random.uniform(30...150))
        case .overdue:
            start = -(interval + profile.grace + random.uniform(14 * 3_600...30 * 3_600))
        case .paused:
            start = -random.uniform(9 * 86_400...12 * 86_400)
        case .healthy, .latestFailed, .verificationFailed, .sizeCollapse, .neverReported:
            // Finished (and verified) a little before now, and started less than one interval ago,
            // so the next run is not yet due.
            let tail = duration + (usesVerification ? Self.maxVerifyDelay(duration) : 0) + 300
            let slack = max(0, interval - tail - 600)
            start = -(tail + random.unit() * slack)
        }
        return start.rounded(.down)
    }

    /// Fire times of a daily or weekly cron cadence in its zone, as offsets from `now`, newest first.
    /// Computed from the calendar here so the demo does not depend on `CronExpression.nextFire`.
    private func fireOffsets(hour: Int, minute: Int, weekday: Int?, zone: String) -> [TimeInterval] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = DemoJobProfile.Cadence.timeZone(zone)
        var offsets: [TimeInterval] = []
        for back in 0...Int(depth / 86_400) + 1 {
            guard let day = calendar.date(byAdding: .day, value: -back, to: now) else { continue }
            var parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let weekday, parts.weekday != weekday { continue }
            parts.weekday = nil
            parts.hour = hour
            parts.minute = minute
            parts.second = 0
            guard let fire = calendar.date(from: parts) else { continue }
            let offset = fire.timeIntervalSince(now)
            if offset <= 0, offset >= -depth {
                offsets.append(offset)
            }
        }
        return offsets
    }

    private var usesVerification: Bool {
        profile.verifies || profile.scenario == .verificationFailed
    }

    /// The verification step runs after the backup: a couple of minutes plus a read of the artifact.
    private static func maxVerifyDelay(_ duration: TimeInterval) -> TimeInterval {
        210 + 0.05 * duration
    }

    // MARK: Heartbeats

    private mutating func emit(_ plan: RunPlan) {
        let start = plan.start
        let runID = profile.sendsRunID ? random.hex(12) : nil
        let end: TimeInterval
        switch plan.outcome {
        case .failed(_, let fraction): end = start + (fraction * plan.duration).rounded()
        case .open: end = .infinity
        case .completed, .verificationFailed, .collapsed: end = start + plan.duration
        }

        add(started(runID: runID, at: start), at: start)
        if let step = profile.progressStep, plan.duration >= 600 {
            for percent in stride(from: step, to: 100, by: step) {
                let at = start + (Double(percent) / 100 * plan.duration).rounded()
                guard at < end else { break }
                var payload = DemoPayload(.progress)
                payload.runID(runID)
                payload.progress(percent)
                add(payload, at: at)
            }
        }

        switch plan.outcome {
        case .completed, .collapsed:
            add(completed(plan, runID: runID, at: end), at: end)
            if profile.verifies {
                add(verified(plan, matches: true, runID: runID), at: end + verifyDelay(plan.duration))
            }
        case .verificationFailed:
            add(completed(plan, runID: runID, at: end), at: end)
            add(verified(plan, matches: false, runID: runID), at: end + verifyDelay(plan.duration))
        case .failed(let failure, _):
            var payload = DemoPayload(.failed)
            payload.runID(runID)
            payload.error(failure.message, exitCode: failure.exitCode)
            if profile.style.reportsDurationOnFailure {
                payload.duration(end - start)
            }
            add(payload, at: end)
        case .open:
            break
        }
    }

    private mutating func verifyDelay(_ duration: TimeInterval) -> TimeInterval {
        (90 + 0.05 * duration + random.uniform(0...120)).rounded()
    }

    /// Keeps only what has happened by `now`: a cron run still going at `now` shows as running.
    private mutating func add(_ payload: DemoPayload, at offset: TimeInterval) {
        let offset = offset.rounded(.down)
        guard offset <= 0 else { return }
        events.append(payload.event(slug: profile.slug, at: now.addingTimeInterval(offset)))
    }

    private func started(runID: String?, at offset: TimeInterval) -> DemoPayload {
        var payload = DemoPayload(.started)
        payload.runID(runID)
        switch profile.style {
        case .postgres(let database), .mysql(let database):
            payload.field("database", database)
            payload.field("host", profile.host)
        case .mongo:
            payload.field("host", profile.host)
        case .mssql(let database):
            payload.field("database", database)
        case .rsync(let source, let destination):
            payload.field("source", source)
            payload.field("destination", destination)
        case .tar(let source):
            payload.field("source", source)
            payload.field("host", profile.host)
        case .zfs(let dataset):
            payload.field("dataset", dataset)
        case .s3(let bucket):
            payload.field("timestamp", Int(now.addingTimeInterval(offset).timeIntervalSince1970))
            payload.field("bucket", bucket)
        case .archive(let source):
            payload.field("backup_type", "archive")
            payload.field("source", source)
            payload.field("compression", "zstd")
            payload.field("encryption", "AES256")
        case .incremental(let tool):
            payload.field("backup_type", "incremental")
            payload.field("tool", tool)
        case .restoreDrill(let tool):
            payload.field("drill", "restore")
            payload.field("tool", tool)
        }
        return payload
    }

    private mutating func completed(_ plan: RunPlan, runID: String?, at offset: TimeInterval) -> DemoPayload {
        var payload = DemoPayload(.completed)
        payload.runID(runID)
        let bytes = Int64(plan.size)
        let files = profile.baseFiles.map { max(1, Int64((Double($0) * plan.size / profile.baseSize).rounded())) }
        let rate = Self.sizeText(plan.size / max(plan.duration, 1)) + "/s"
        switch profile.style {
        case .postgres:
            payload.duration(plan.duration)
            payload.size(text: Self.sizeText(plan.size))
            payload.field("wal_end_lsn", String(format: "%X/%08X", random.integer(0x30...0x4F), UInt32(truncatingIfNeeded: random.next())))
            payload.field("consistency_check", "passed")
        case .mysql:
            payload.duration(plan.duration)
            payload.size(bytes: bytes)
            payload.field("compressed", true)
            payload.field("binlog_position", "mysql-bin.\(String(format: "%06d", random.integer(4_000...4_999))):\(random.integer(4...99_999_999))")
        case .mongo:
            payload.duration(plan.duration)
            payload.size(text: Self.sizeText(plan.size))
            payload.field("oplog_ts", "Timestamp(\(Int(now.addingTimeInterval(offset).timeIntervalSince1970)), \(random.integer(1...40)))")
        case .mssql(let database):
            payload.duration(plan.duration)
            payload.size(text: Self.sizeText(plan.size))
            payload.field("dbcc_checkdb", "CHECKDB found 0 allocation errors and 0 consistency errors in database '\(database)'")
        case .rsync:
            let transferred = plan.size * random.uniform(0.004...0.012)
            payload.duration(plan.duration)
            if let files { payload.files(files, key: "total_files") }
            payload.size(text: Self.sizeText(plan.size), key: "total_size")
            payload.field("transferred", Self.sizeText(transferred))
            payload.rate(Self.sizeText(transferred / max(plan.duration, 1)) + "/s", key: "speed")
        case .tar:
            payload.duration(plan.duration)
            if let files { payload.files(files) }
            payload.size(bytes: bytes)
            payload.rate(rate)
        case .zfs(let dataset):
            payload.duration(plan.duration)
            payload.size(text: Self.sizeText(plan.size))
            payload.field("snapshot", "\(dataset)@auto-\(Self.stamp(now.addingTimeInterval(plan.start), dashed: true))")
            payload.rate(rate)
        case .s3:
            payload.field("timestamp", Int(now.addingTimeInterval(offset).timeIntervalSince1970))
            payload.duration(plan.duration + random.unit(), decimals: true)
            if let files { payload.files(files, key: "total_files") }
            payload.size(text: "\(bytes) bytes", key: "total_size")
        case .archive:
            payload.duration(plan.duration)
            if let files { payload.files(files, key: "total_files") }
            payload.size(text: Self.sizeText(plan.size), key: "total_size")
            payload.rate(rate)
            payload.ratio(String(format: "%.1f:1", random.uniform(2.8...3.6)))
            payload.hash("sha256:" + random.hex(64), key: "verification_hash")
        case .incremental:
            payload.duration(plan.duration)
            if let files { payload.files(files) }
            payload.size(text: Self.sizeText(plan.size))
            payload.field("backup_type", "incremental")
        case .restoreDrill:
            // What `backupboard run` sends for a drill: its measured duration is the restore time.
            payload.duration(plan.duration)
            payload.size(text: Self.sizeText(plan.size))
            payload.field("exit_code", 0)
        }
        return payload
    }

    private mutating func verified(_ plan: RunPlan, matches: Bool, runID: String?) -> DemoPayload {
        var payload = DemoPayload(matches ? .verified : .verificationFailed, word: "verified")
        payload.runID(runID)
        let hash = "sha256:" + random.hex(64)
        payload.hash(hash)
        payload.field("matches_expected", matches)
        if !matches {
            payload.field("expected_hash", "sha256:" + random.hex(64))
        }
        payload.field("backup_path", "/backups/\(profile.slug)/\(profile.slug)-\(Self.stamp(now.addingTimeInterval(plan.start), dashed: false)).\(artifactExtension)")
        return payload
    }

    private var artifactExtension: String {
        switch profile.style {
        case .postgres: "dump"
        case .mysql: "sql.gz"
        case .mongo: "archive.gz"
        case .mssql: "bak"
        case .rsync: "manifest"
        case .tar, .s3: "tar.gz"
        case .zfs: "zfs"
        case .archive: "tar.zst"
        case .incremental: "incr"
        case .restoreDrill: "restore.log"
        }
    }

    /// Sizes as scripts print them: `45.2GB`, `2.14TB`, `812KB`.
    static func sizeText(_ bytes: Double) -> String {
        switch bytes {
        case 1e12...: String(format: "%.2fTB", bytes / 1e12)
        case 1e9...: String(format: "%.1fGB", bytes / 1e9)
        case 1e6...: String(format: "%.1fMB", bytes / 1e6)
        case 1e3...: String(format: "%.1fKB", bytes / 1e3)
        default: "\(Int(bytes))B"
        }
    }

    /// `20250312-0400` (UTC), as backup scripts name their files; `2025-03-12_0400` when dashed.
    static func stamp(_ date: Date, dashed: Bool) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let format = dashed ? "%04d-%02d-%02d_%02d%02d" : "%04d%02d%02d-%02d%02d"
        return String(format: format, p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0)
    }
}
