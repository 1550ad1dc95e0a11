import ArgumentParser
import BoardClient
import BoardModel
import Foundation

/// `backupboard spool list|retry|drop`: the heartbeats `ping` and `run` keep while a server cannot be
/// reached, one queue per server (docs/clients.md, "The spool").
struct SpoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "Show, deliver now or drop the heartbeats waiting in the spool, per server.",
        subcommands: [List.self, Retry.self, Drop.self],
        defaultSubcommand: List.self
    )

    /// The spooled heartbeats, grouped by server in the order of each server's oldest.
    static func queues(_ spool: HeartbeatSpool) throws -> [(server: String, deliveries: [HeartbeatDelivery])] {
        var order: [String] = []
        var queues: [String: [HeartbeatDelivery]] = [:]
        for delivery in try spool.entries().compactMap(\.delivery) {
            if queues[delivery.server] == nil { order.append(delivery.server) }
            queues[delivery.server, default: []].append(delivery)
        }
        return order.map { ($0, queues[$0] ?? []) }
    }

    /// The server named by `--server`, in the form the spool groups by.
    static func server(_ url: String) throws -> String {
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
            throw ValidationError("--server '\(url)' is not an http:// or https:// URL")
        }
        return HeartbeatDelivery.server(of: url)
    }

    /// Takes the sender's lock, so nothing is sent or dropped twice by a `ping` running meanwhile.
    static func lock(_ spool: HeartbeatSpool) async throws -> HeartbeatSpool.Lock {
        guard let lock = try await spool.lock(wait: 30) else {
            throw ValidationError("another backupboard has been delivering the spool in \(spool.directory) for 30 s; try again")
        }
        return lock
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the spooled heartbeats, per server, oldest first.")

        @OptionGroup var folder: SpoolFolderOptions

        func run() async throws {
            let spool = folder.folder
            let queues = try SpoolCommand.queues(spool)
            guard !queues.isEmpty else {
                print("No heartbeat waits in \(spool.directory).")
                return
            }
            let now = Date()
            for (index, queue) in queues.enumerated() {
                if index > 0 { print("") }
                let noun = queue.deliveries.count == 1 ? "heartbeat" : "heartbeats"
                print("\(queue.server): \(queue.deliveries.count) \(noun)")
                for delivery in queue.deliveries {
                    let age = HumanUnits.shortDuration(max(0, now.timeIntervalSince(delivery.createdAt)))
                    let status = delivery.statusWord.padding(toLength: 12, withPad: " ", startingAt: 0)
                    print("  \(HeartbeatDelivery.timestamp(delivery.createdAt))  \(age.leftPadded(to: 6)) ago  \(status) \(HeartbeatClient.redacted(delivery.url))")
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver the spooled heartbeats now (one attempt per server).",
            discussion: "Exit status: 0 when nothing waits afterwards, 1 when some server still cannot be reached."
        )

        @Option(help: ArgumentHelp("Only this server's heartbeats.", valueName: "url"))
        var server: String?

        @OptionGroup var folder: SpoolFolderOptions

        func validate() throws {
            if let server { _ = try SpoolCommand.server(server) }
        }

        func run() async throws {
            let spool = folder.folder
            let servers = try server.map { Set([try SpoolCommand.server($0)]) }
            let before = try SpoolCommand.queues(spool)
            let client = HeartbeatClient(
                sender: HeartbeatSender(policy: .init(retries: 0)), spool: spool, warn: { CommandOutput.warning($0) }
            )
            let lock = try await SpoolCommand.lock(spool)
            let stalled = await client.flush(servers: servers)
            lock.release()
            let after = Dictionary(uniqueKeysWithValues: try SpoolCommand.queues(spool).map { ($0.server, $0.deliveries.count) })
            for queue in before where servers?.contains(queue.server) ?? true {
                let left = after[queue.server] ?? 0
                let sent = queue.deliveries.count - left
                if let reason = stalled[queue.server] {
                    print("\(queue.server): \(sent) delivered, \(left) still waiting (\(reason))")
                } else {
                    print("\(queue.server): \(sent) delivered or dropped, \(left) waiting")
                }
            }
            if before.isEmpty { print("No heartbeat waits in \(spool.directory).") }
            if !stalled.isEmpty { throw ExitCode(1) }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove spooled heartbeats without sending them.")

        @Option(help: ArgumentHelp("Drop this server's heartbeats.", valueName: "url"))
        var server: String?

        @Flag(help: "Drop every spooled heartbeat.")
        var all = false

        @OptionGroup var folder: SpoolFolderOptions

        func validate() throws {
            guard (server != nil) != all else { throw ValidationError("say which heartbeats to drop: --server URL or --all") }
            if let server { _ = try SpoolCommand.server(server) }
        }

        func run() async throws {
            let spool = folder.folder
            let target = try server.map(SpoolCommand.server)
            let lock = try await SpoolCommand.lock(spool)
            defer { lock.release() }
            var dropped = 0
            for entry in try spool.entries() {
                guard let delivery = entry.delivery, target == nil || delivery.server == target else { continue }
                spool.remove(entry)
                dropped += 1
            }
            print("Dropped \(dropped) spooled \(dropped == 1 ? "heartbeat" : "heartbeats")\(target.map { " for \($0)" } ?? "").")
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
