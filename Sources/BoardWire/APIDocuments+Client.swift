import BoardModel
import Foundation

// The API's documents read back into the model, for the board on `--server`.

extension AlertDocument {
    /// The alert; nil when the server speaks of a kind or severity this board does not know.
    package var alert: Alert? {
        guard let kind = AlertKind(rawValue: kind), let severity = AlertSeverity(rawValue: severity) else { return nil }
        return Alert(
            id: id, kind: kind, severity: severity, jobID: jobID, message: message, openedAt: openedAt,
            acknowledgedAt: acknowledgedAt, acknowledgedBy: acknowledgedBy, acknowledgementNote: acknowledgementNote,
            resolvedAt: resolvedAt)
    }
}

extension MuteDocument {
    /// The mute; nil for a scope this board does not know.
    package var mute: Mute? {
        let scope: MuteScope
        switch (self.scope, target) {
        case ("job", let slug?): scope = .job(slug)
        case ("tag", let tag?): scope = .tag(tag)
        case ("fleet", _): scope = .fleet
        default: return nil
        }
        return Mute(id: id, scope: scope, until: until, createdBy: createdBy, reason: reason, createdAt: createdAt)
    }
}

/// `GET /api/v1/jobs/SLUG` as the board's detail view reads it: the definition fields the board document
/// leaves out, the last runs and the last heartbeat.
package struct JobDetailAnswer: Decodable {
    /// The definition's fields, under the keys the server writes them with (`JobDefinitionDocument`).
    struct Definition: Decodable {
        package var owner: String?
        package var escalation: String?
        package var protects: [String]
        package var description: String?
        package var chainParent: String?
        package var minSizeBytes: Int64?
        package var rtoS: Double?
        package var createdAt: Date

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: JobDefinitionDocument.CodingKeys.self)
            owner = try c.decodeIfPresent(String.self, forKey: .owner)
            escalation = try c.decodeIfPresent(String.self, forKey: .escalation)
            protects = try c.decode([String].self, forKey: .protects)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            chainParent = try c.decodeIfPresent(String.self, forKey: .chainParent)
            minSizeBytes = try c.decodeIfPresent(Int64.self, forKey: .minSizeBytes)
            rtoS = try c.decodeIfPresent(Double.self, forKey: .rtoS)
            createdAt = try c.decode(Date.self, forKey: .createdAt)
        }
    }

    let job: Definition
    let runs: [RunDocument]
    let heartbeats: [HeartbeatDocument]
    /// Absent from servers older than the jobs API.
    let audit: [JobAuditDocument]?

    /// The detail view's data, `job` completed with the definition.
    package func detail(of job: Job) -> JobDetail {
        var full = job
        full.owner = self.job.owner
        full.escalation = self.job.escalation
        full.protects = self.job.protects
        full.description = self.job.description
        full.chainParent = self.job.chainParent
        full.minSize = self.job.minSizeBytes
        full.rto = self.job.rtoS
        full.createdAt = self.job.createdAt
        let id = job.id ?? 0
        return JobDetail(
            jobID: id, runs: runs.map { $0.run(jobID: id) }, lastHeartbeat: heartbeats.first?.heartbeat, job: full,
            changes: (audit ?? []).map(\.entry))
    }
}

extension HeartbeatDocument: Decodable {
    /// What the detail view shows of a heartbeat: when and how it came, its status and text, the raw body.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let body = try c.decode(String.self, forKey: .body)
        let bytes = try c.decode(String.self, forKey: .bodyEncoding) == "base64"
            ? Array(Data(base64Encoded: body) ?? Data()) : Array(body.utf8)
        let report = HeartbeatReport(
            status: HeartbeatStatus(rawValue: try c.decode(String.self, forKey: .status)) ?? .log,
            statusText: try c.decodeIfPresent(String.self, forKey: .statusText),
            exitCode: try c.decodeIfPresent(Int.self, forKey: .exitCode),
            progress: try c.decodeIfPresent(Double.self, forKey: .progress),
            message: try c.decodeIfPresent(String.self, forKey: .message),
            output: try c.decodeIfPresent(String.self, forKey: .output),
            problems: try c.decode([String].self, forKey: .problems))
        heartbeat = Heartbeat(
            id: try c.decodeIfPresent(Int64.self, forKey: .id), jobID: 0,
            receivedAt: try c.decode(Date.self, forKey: .receivedAt), eventAt: try c.decode(Date.self, forKey: .eventAt),
            report: report, body: bytes, truncatedBytes: try c.decode(Int.self, forKey: .truncatedBytes),
            contentType: try c.decodeIfPresent(String.self, forKey: .contentType),
            method: try c.decode(String.self, forKey: .method), source: try c.decodeIfPresent(String.self, forKey: .source),
            userAgent: try c.decodeIfPresent(String.self, forKey: .userAgent))
    }
}
