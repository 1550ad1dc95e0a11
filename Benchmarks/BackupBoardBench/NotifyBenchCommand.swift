import ArgumentParser
import BoardModel
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import BoardSQLite
import BoardServe

/// `backupboard-bench notify`: notification throughput through the outbox — N webhook notifications
/// enqueued in a file database, then delivered by `OutboxWorker` to a receiver on loopback (a Hummingbird server
/// in the same process that answers 200 and counts). Figures are reported, never asserted.
struct NotifyBenchCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Time notifications through the outbox to a loopback webhook receiver (for Benchmarks/README.md).",
        shouldDisplay: false
    )

    @Option(help: "Notifications to enqueue and deliver.")
    var notifications = 10_000

    @Option(help: "Deliveries in flight at once.")
    var concurrency = 8

    package func validate() throws {
        guard notifications > 0, concurrency > 0 else { throw ValidationError("--notifications and --concurrency must be positive") }
    }

    package func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try BoardStore(path: directory.appendingPathComponent("board.sqlite").path)

        let received = Atomic<Int>(0)
        let router = Router()
        router.post("hook") { _, _ -> HTTPResponse.Status in
            received.add(1, ordering: .relaxed)
            return .ok
        }
        let logger = Logger(label: "notify-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let receiver = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [receiver], logger: logger))
        let serving = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BoardError.invalidValue("the receiver did not start") }

        let enqueueStart = Date()
        for index in 0..<notifications {
            let event = NotificationEvent(
                id: "bench-\(index)", event: "failed", action: .trigger, severity: .critical, alertID: Int64(index),
                alertKind: .failed, jobSlug: "job-\(index % 1_000)", message: "backup failed", occurredAt: enqueueStart)
            try await store.enqueue(OutboxMessage(
                eventID: event.id, channel: "hook", alertID: event.alertID, payload: event.encoded(), createdAt: enqueueStart))
        }
        let enqueueSeconds = Date().timeIntervalSince(enqueueStart)

        var worker = OutboxWorker(
            store: store,
            channels: ["hook": NotificationChannel(name: "hook", kind: .webhook(WebhookChannel(url: URL(string: "http://127.0.0.1:\(port)/hook")!)))],
            sender: ChannelSender(),
            logger: Logger(label: "backupboard.notify-bench", factory: { label in StreamLogHandler.standardError(label: label) }))
        worker.concurrency = concurrency
        let deliverStart = Date()
        while try await worker.deliverDue(at: Date()) > 0 {}
        let deliverSeconds = Date().timeIntervalSince(deliverStart)
        let health = try await store.outboxHealth()

        print("backupboard-bench notify: \(notifications) webhook notifications, \(concurrency) in flight, loopback receiver")
        print(String(format: "enqueue (one transaction each): %.2f s, %.0f/s", enqueueSeconds, Double(notifications) / enqueueSeconds))
        print(String(format: "delivery: %.2f s, %.0f/s; receiver counted %d, outbox pending %d, given up %d",
            deliverSeconds, Double(notifications) / deliverSeconds, received.load(ordering: .relaxed),
            health.map(\.pending).reduce(0, +), health.map(\.failed).reduce(0, +)))
        await group.triggerGracefulShutdown()
        try await serving.value
    }
}
