import BoardModel

/// The compact board's rows written by hand (`JSONOutput`), the keys and values `Codable` gives them, so that
/// `serve` writes 10,000 rows without a tree for each; and read back by hand (`JSONInput`), so that a remote
/// board reads them without one either.
extension BoardRowDocument {
    /// Appends the row as a JSON object; it reads back with `JSONDecoder` as the same row.
    func write(to out: inout JSONOutput) throws {
        out.openObject()
        out.key("id"); out.value(id)
        out.key("version"); out.value(version)
        out.key("slug"); out.value(slug)
        out.key("name"); out.value(name)
        out.key("state"); out.value(state)
        out.key("evaluated_state"); out.value(evaluatedState)
        out.key("conditions"); out.value(conditions)
        out.key("priority"); out.value(priority)
        out.key("muted"); out.value(muted)
        out.key("paused"); out.value(paused)
        out.key("kind"); out.value(kind)
        out.key("tags"); out.value(tags)
        out.key("schedule"); out.value(schedule)
        out.key("grace_s"); try out.value(graceS)
        out.key("max_runtime_s"); try out.value(maxRuntimeS)
        out.key("rpo_s"); try out.value(rpoS)
        out.key("rto_s"); try out.value(rtoS)
        out.key("tests"); out.value(tests)
        out.key("require_restore_test"); out.value(requireRestoreTest)
        out.key("min_size_bytes"); out.value(minSizeBytes)
        out.key("created_at"); out.value(createdAt)
        out.key("next_due_at"); out.value(nextDueAt)
        out.key("deadline_at"); out.value(deadlineAt)
        out.key("missed_periods"); out.value(missedPeriods)
        out.key("last_good_at"); out.value(lastGoodAt)
        out.key("success_rate"); try out.value(successRate)
        out.key("last_heartbeat_at"); out.value(lastHeartbeatAt)
        out.key("last_problems"); out.value(lastProblems)
        out.key("last_run"); try lastRun.write(to: &out)
        out.key("last_finished_run"); try lastFinishedRun.write(to: &out)
        out.key("open_run"); try openRun.write(to: &out)
        out.key("runs")
        out.openArray()
        for run in runs { try run.write(to: &out) }
        out.closeArray()
        out.closeObject()
    }
}

extension BoardRunPoint {
    /// Appends the point as its array, nulls at the end left out (as `encode(to:)` writes it).
    func write(to out: inout JSONOutput) throws {
        out.openArray()
        // How many fields up to the last that is not null (the outcome always is not).
        let count = progress != nil ? 9 : verification != nil ? 8 : sizeBytes != nil ? 7 : durationS != nil ? 6
            : lastHeartbeatAt != nil ? 5 : endedAt != nil ? 4 : startedAt != nil ? 3 : 2
        out.value(id)
        out.value(outcome)
        if count > 2 { out.value(startedAt) }
        if count > 3 { out.value(endedAt) }
        if count > 4 { out.value(lastHeartbeatAt) }
        if count > 5 { try out.value(durationS) }
        if count > 6 { out.value(sizeBytes) }
        if count > 7 { out.value(verification.map(Int64.init)) }
        if count > 8 { try out.value(progress) }
        out.closeArray()
    }
}

extension Optional<BoardRunReference> {
    /// Appends the reference: an index, a point, or null.
    func write(to out: inout JSONOutput) throws {
        switch self {
        case nil: out.null()
        case .index(let index)?: out.value(index)
        case .point(let point)?: try point.write(to: &out)
        }
    }
}

extension BoardRunPoint {
    /// Reads the point's array that starts at `input`: a null or a field past the end is nil.
    init(reading input: inout JSONInput) throws {
        var id: Int64?, outcome: Int64?, startedAt: Int64?, endedAt: Int64?, lastHeartbeatAt: Int64?, durationS: Double?
        var sizeBytes: Int64?, verification: Int64?, progress: Double?
        var field = 0
        try input.elements { input in
            switch field {
            case 0: id = try input.optionalInteger()
            case 1: outcome = try input.optionalInteger()
            case 2: startedAt = try input.optionalInteger()
            case 3: endedAt = try input.optionalInteger()
            case 4: lastHeartbeatAt = try input.optionalInteger()
            case 5: durationS = try input.optionalDouble()
            case 6: sizeBytes = try input.optionalInteger()
            case 7: verification = try input.optionalInteger()
            case 8: progress = try input.optionalDouble()
            default: try input.skipValue()
            }
            field += 1
        }
        self.id = id
        self.outcome = outcome.map { Int($0) } ?? 0
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.durationS = durationS
        self.sizeBytes = sizeBytes
        self.verification = verification.map { Int($0) }
        self.progress = progress
    }
}

extension BoardRunReference {
    /// Reads a reference — an index, a point's array — or nil at a `null`.
    static func read(_ input: inout JSONInput) throws -> BoardRunReference? {
        if try input.null() { return nil }
        if try input.isArray() { return .point(try BoardRunPoint(reading: &input)) }
        return .index(try input.int())
    }
}
