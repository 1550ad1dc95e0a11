import BoardModel
import Foundation

extension MetricsPage {
    /// The restore series (docs/restore-tests.md), for the jobs with a restore state only: each job's verdict,
    /// its latest successful restore and how long it took, its RTO, and the fleet's jobs by verdict.
    static func restoreSeries(_ out: inout String, report: FleetReport) {
        let restore = report.restoreStates
        let jobs = report.jobs.compactMap { entry in restore[entry.job].map { (slug: escape(entry.job.slug), state: $0) } }
            .sorted { $0.slug < $1.slug }
        header(&out, "backupboard_job_restore_state", "gauge",
               "1 for the restore verdict each job with an RTO or a restore test is in, 0 for the others.")
        for job in jobs {
            for verdict in RestoreState.Verdict.allCases {
                out += "backupboard_job_restore_state{job=\"\(job.slug)\",verdict=\"\(verdict.rawValue)\"} \(job.state.verdict == verdict ? 1 : 0)\n"
            }
        }
        header(&out, "backupboard_job_last_restore_timestamp_seconds", "gauge", "End of the job's latest successful restore test (Unix time).")
        for job in jobs {
            if let at = job.state.lastRestoredAt {
                out += "backupboard_job_last_restore_timestamp_seconds{job=\"\(job.slug)\"} \(number(at.timeIntervalSince1970))\n"
            }
        }
        header(&out, "backupboard_job_last_restore_duration_seconds", "gauge", "How long the job's latest successful restore took.")
        for job in jobs {
            if let duration = job.state.restoreDuration {
                out += "backupboard_job_last_restore_duration_seconds{job=\"\(job.slug)\"} \(number(duration))\n"
            }
        }
        header(&out, "backupboard_job_rto_seconds", "gauge", "The job's recovery time objective.")
        for job in jobs {
            if let rto = job.state.rto { out += "backupboard_job_rto_seconds{job=\"\(job.slug)\"} \(number(rto))\n" }
        }
        header(&out, "backupboard_restore_jobs", "gauge", "Jobs by restore verdict (proved, untested, overdue, rto_breach, failed).")
        var counts: [RestoreState.Verdict: Int] = [:]
        for job in jobs { counts[job.state.verdict, default: 0] += 1 }
        for verdict in RestoreState.Verdict.allCases {
            out += "backupboard_restore_jobs{verdict=\"\(verdict.rawValue)\"} \(counts[verdict, default: 0])\n"
        }
    }
}
