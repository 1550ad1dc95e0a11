import BoardModel
import Foundation

/// The `/metrics` page in the Prometheus text format (version 0.0.4), written by hand: job states and
/// last runs from a board snapshot, ingest counters from `ServerMetrics`. Pure: tested on fixed data.
package enum MetricsPage {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The jobs as `report` judged them from `board` at `report.now`, and the ingest counters.
    package static func render(board: BoardSnapshot, report: FleetReport, ingest: ServerMetrics.Snapshot) -> String {
        var out = ""
        // About 700 bytes a job: sized once, the page is not copied as it grows.
        out.reserveCapacity(4_096 + report.jobs.count * 720)
        let slugs = report.jobs.map { escape($0.job.slug) }

        // 10 lines a job, most of the page: written from pieces made once, not interpolated line by line.
        header(&out, "backupboard_job_state", "gauge", "1 for the state each job is in at scrape time, 0 for the others.")
        let stateLabels = JobState.allCases.map { "\",state=\"\($0.rawValue)\"} " }
        for (job, slug) in zip(report.jobs, slugs) {
            for (state, label) in zip(JobState.allCases, stateLabels) {
                out += "backupboard_job_state{job=\""
                out += slug
                out += label
                out += job.status.state == state ? "1\n" : "0\n"
            }
        }
        header(&out, "backupboard_job_last_success_timestamp_seconds", "gauge", "End of the job's latest good run (Unix time).")
        for (job, slug) in zip(report.jobs, slugs) {
            if let good = job.status.lastGoodAt {
                out += "backupboard_job_last_success_timestamp_seconds{job=\""
                out += slug
                out += "\"} "
                out += number(good.timeIntervalSince1970)
                out += "\n"
            }
        }
        header(&out, "backupboard_job_last_duration_seconds", "gauge", "Duration of the job's latest finished run.")
        for (job, slug) in zip(report.jobs, slugs) {
            if let duration = job.status.lastFinishedRun?.duration {
                out += "backupboard_job_last_duration_seconds{job=\""
                out += slug
                out += "\"} "
                out += number(duration)
                out += "\n"
            }
        }
        header(&out, "backupboard_job_last_size_bytes", "gauge", "Size reported by the job's latest finished run.")
        for (job, slug) in zip(report.jobs, slugs) {
            if let size = job.status.lastFinishedRun?.sizeBytes {
                out += "backupboard_job_last_size_bytes{job=\""
                out += slug
                out += "\"} "
                out += String(size)
                out += "\n"
            }
        }

        header(&out, "backupboard_heartbeats_received_total", "counter", "Heartbeat requests since the server started, by outcome.")
        for outcome in ServerMetrics.Outcome.allCases {
            out += "backupboard_heartbeats_received_total{outcome=\"\(outcome.rawValue)\"} \(ingest.received[outcome, default: 0])\n"
        }
        header(&out, "backupboard_heartbeat_bodies_truncated_total", "counter", "Heartbeats whose body was longer than the 100 KB kept.")
        out += "backupboard_heartbeat_bodies_truncated_total \(ingest.truncatedBodies)\n"
        header(&out, "backupboard_unknown_key_sightings_dropped_total", "counter", "Pings to unknown keys not recorded (flood or database error).")
        out += "backupboard_unknown_key_sightings_dropped_total \(ingest.unknownKeysDropped)\n"
        header(&out, "backupboard_ingest_failed_batches_total", "counter", "Group-commit batches that could not be written (answered 503).")
        out += "backupboard_ingest_failed_batches_total \(ingest.failedBatches)\n"
        histogram(&out, "backupboard_ingest_batch_size", "Heartbeats per group commit.", ingest.batchSizes)
        histogram(&out, "backupboard_ingest_commit_seconds", "Time to write and commit one group-commit batch, busy retries included.", ingest.commitSeconds)

        header(&out, "backupboard_evaluator_last_tick_timestamp_seconds", "gauge", "When the evaluator last ran (absent if it never did).")
        if let tick = board.evaluatorLastTick {
            out += "backupboard_evaluator_last_tick_timestamp_seconds \(number(tick.timeIntervalSince1970))\n"
        }
        header(&out, "backupboard_unknown_keys", "gauge", "Distinct unknown keys pinged recently (at most 50 listed).")
        out += "backupboard_unknown_keys \(board.unknownKeys.count)\n"
        return out
    }

    static func header(_ out: inout String, _ name: String, _ type: String, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private static func histogram(_ out: inout String, _ name: String, _ help: String, _ histogram: Histogram) {
        header(&out, name, "histogram", help)
        for bucket in histogram.cumulativeBuckets {
            out += "\(name)_bucket{le=\"\(bucket.bound)\"} \(bucket.count)\n"
        }
        out += "\(name)_sum \(number(histogram.sum))\n"
        out += "\(name)_count \(histogram.count)\n"
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        // Slugs and tags almost never hold one: those are returned as they are.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
