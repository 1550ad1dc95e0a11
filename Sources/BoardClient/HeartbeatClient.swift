import Foundation

/// What `ping` and `run` use to send a heartbeat: first whatever the spool holds, oldest first and
/// with its original time, then the new heartbeat; whatever cannot be delivered goes to the spool.
package struct HeartbeatClient: Sendable {
    var sender: HeartbeatSender
    var spool: HeartbeatSpool
    /// How long to wait for another client that is sending from the same spool.
    var lockWait: TimeInterval = 30
    /// Where warnings go (standard error in the commands, an array in tests).
    var warn: @Sendable (String) -> Void

    package init(
        sender: HeartbeatSender, spool: HeartbeatSpool, lockWait: TimeInterval = 30, warn: @escaping @Sendable (String) -> Void
    ) {
        self.sender = sender
        self.spool = spool
        self.lockWait = lockWait
        self.warn = warn
    }

    /// How sending one new heartbeat ended.
    package enum Result: Equatable, Sendable {
        case delivered
        /// 404 from the server.
        case unknownKey
        /// Another 4xx from the server; the heartbeat is not kept.
        case refused(status: Int)
        /// Not delivered, kept in the spool file at `path`.
        case spooled(path: String, reason: String)
        /// Neither delivered nor spooled.
        case lost(reason: String)
    }

    /// Delivers the spool, then `delivery`. The spool is one queue per server: a server that cannot be
    /// reached holds back its own heartbeats only.
    package func deliver(_ delivery: HeartbeatDelivery, now: Date = Date()) async -> Result {
        var stalled: [String: String] = [:]
        do {
            if let lock = try await spool.lock(wait: lockWait) {
                stalled = await flush(now: now)
                lock.release()
            } else {
                warn("another backupboard is delivering the spool in \(spool.directory); sending this heartbeat without waiting")
            }
        } catch {
            warn("\(error); sending this heartbeat without it")
        }
        defer { if !stalled.isEmpty { warnWaiting(stalled) } }

        // This server's oldest spooled heartbeat just failed: this one goes behind it, in order, instead
        // of waiting through the same retries again.
        let reason: String
        if let held = stalled[delivery.server] {
            reason = held
        } else {
            switch await sender.send(delivery) {
            case .delivered: return .delivered
            case .unknownKey: return .unknownKey
            case .refused(let status): return .refused(status: status)
            case .unreachable(let why): reason = why
            }
        }
        do {
            let path = try spool.write(delivery)
            return .spooled(path: path, reason: reason)
        } catch {
            return .lost(reason: "\(reason), and \(error)")
        }
    }

    /// Sends the spooled heartbeats, oldest first per server, removing each one the server acknowledged.
    /// A server's queue stops at its first heartbeat that cannot be delivered; the other servers' go on.
    /// Answers, for each server whose queue stopped, why; `servers` limits the flush to those servers.
    package func flush(now: Date = Date(), servers: Set<String>? = nil) async -> [String: String] {
        let entries: [HeartbeatSpool.Entry]
        do { entries = try spool.entries() } catch {
            warn("\(error)")
            return [:]
        }
        var stalled: [String: String] = [:]
        for entry in entries {
            guard let delivery = entry.delivery else {
                let kept = spool.setAside(entry)
                warn("spooled heartbeat \(entry.path) cannot be read; set aside as \(kept)")
                continue
            }
            let server = delivery.server
            guard stalled[server] == nil, servers?.contains(server) ?? true else { continue }
            let made = HeartbeatDelivery.timestamp(delivery.createdAt)
            if HeartbeatSpool.isExpired(delivery, now: now) {
                spool.remove(entry)
                warn("dropped the heartbeat spooled at \(made) for \(Self.redacted(delivery.url)): older than 7 days, the server would not trust its time")
                continue
            }
            switch await sender.send(delivery, late: true) {
            case .delivered:
                spool.remove(entry)
            case .unknownKey:
                spool.remove(entry)
                warn("dropped the heartbeat spooled at \(made) for \(Self.redacted(delivery.url)): unknown ping key (the server answered 404)")
            case .refused(let status):
                spool.remove(entry)
                warn("dropped the heartbeat spooled at \(made) for \(Self.redacted(delivery.url)): the server refused it (\(Self.statusText(status)))")
            case .unreachable(let reason):
                stalled[server] = reason
            }
        }
        return stalled
    }

    /// One line per server whose heartbeats wait in the spool: how many, since when, and why.
    private func warnWaiting(_ stalled: [String: String]) {
        guard let entries = try? spool.entries() else { return }
        let waiting = Dictionary(grouping: entries.compactMap(\.delivery), by: \.server)
        for (server, deliveries) in waiting.sorted(by: { $0.key < $1.key }) {
            let oldest = deliveries.map(\.createdAt).min().map(HeartbeatDelivery.timestamp) ?? "?"
            let why = stalled[server].map { ": \($0)" } ?? ""
            let noun = deliveries.count == 1 ? "heartbeat waits" : "heartbeats wait"
            warn("\(deliveries.count) spooled \(noun) for \(server) (oldest \(oldest))\(why); `backupboard spool list` shows them")
        }
    }

    /// The URL with its ping key shortened, for messages that may land in shared logs.
    package static func redacted(_ url: String) -> String {
        guard let range = url.range(of: "/heartbeat/") else { return url }
        let key = url[range.upperBound...].prefix { $0 != "/" && $0 != "?" }
        guard key.count > 6 else { return url }
        return url.replacingCharacters(in: range.upperBound..<key.endIndex, with: key.prefix(4) + "…")
    }

    package static func statusText(_ status: Int) -> String {
        status == 0 ? "not an http(s) URL" : "HTTP \(status)"
    }
}
