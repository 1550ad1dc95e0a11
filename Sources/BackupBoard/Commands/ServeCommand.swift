import ArgumentParser
import BoardModel
import Foundation
import Logging
import BoardServe

/// `backupboard serve`: the HTTP server that stores heartbeats (and, beside it, the evaluator).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive heartbeats over HTTP and store them.",
        discussion: """
            Backup scripts POST, GET or HEAD /heartbeat/KEY (or /ping/KEY), optionally with /start, /fail, /log or \
            /EXIT-CODE. A heartbeat is answered 200 only once it is committed to the database; an unknown key gets \
            404, a database that cannot be written 503. With a server ping key ([ping_keys.NAME] in the config \
            file), /ping/PING-KEY/SLUG pings a job by its slug, and ?create=1 creates it from [auto_create]. /healthz and /metrics (Prometheus) are served too, and the JSON API under /api/v1 (reads; writes with an \
            admin token). \
            Tokens for the JSON API come from the config file's [tokens] table or $BACKUPBOARD_TOKEN, never from \
            the command line. SIGTERM or SIGINT stop the server after in-flight heartbeats are stored.

            A client has 10 s to send a request's header, 60 s for its body, and a kept-alive connection with no \
            request is closed after 75 s; past 1000 open connections every request but /healthz gets 503. The \
            config file's [http] table changes them (header_timeout, body_timeout, idle_timeout, max_connections).
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Address and port to listen on. Default: 127.0.0.1:8470 (this machine only).", valueName: "host:port"))
    var listen: String?

    @OptionGroup var database: DatabaseOptions

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy (IP address or CIDR range) whose X-Forwarded-For is believed for client addresses; repeatable. "
                + "Added to the config file's trusted_proxies. Without an API token, proxied API requests are refused "
                + "even from these.",
            valueName: "cidr"))
    var trustedProxies: [String] = []

    @Option(name: .long, help: ArgumentHelp("A TOML config file (listen, db, trusted_proxies, [evaluator], [tokens], [ping_keys.NAME], [auto_create]).", valueName: "file"))
    var config: String?

    /// The ingest benchmark's ceiling (scripts/bench-ingest.sh): the real route and parser, no store.
    @Flag(
        name: .long,
        help: ArgumentHelp("Benchmark only: parse every heartbeat, store nothing, answer 200.", visibility: .hidden))
    var decodeOnly = false

    func validate() throws {
        if let listen, ListenAddress(listen) == nil {
            throw ValidationError("--listen must be HOST:PORT, such as 127.0.0.1:8470 or [::1]:8470, not '\(listen)'.")
        }
        for text in trustedProxies where AddressRange(text) == nil {
            throw ValidationError("--trusted-proxy must be an IP address or a CIDR range such as 10.0.0.0/8, not '\(text)'.")
        }
    }

    /// The config file, then the command line, then the environment.
    func resolvedConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServeConfiguration {
        var configuration = try config.map { try ServeConfiguration.load(file: DataPaths.expandingTilde($0)) } ?? ServeConfiguration()
        if let listen, let address = ListenAddress(listen) { configuration.listen = address }
        for range in trustedProxies.compactMap(AddressRange.init) where !configuration.trustedProxies.contains(range) {
            configuration.trustedProxies.append(range)
        }
        if let path = database.path {
            configuration.databasePath = DataPaths.expandingTilde(path)
        } else if configuration.databasePath == nil {
            configuration.databasePath = database.resolvedPath
        }
        configuration.applyEnvironment(environment)
        return configuration
    }

    /// Opens the database for `serve`. A failure that may heal by itself (a read-only mount or file, a full disk,
    /// a lock) is logged and tried again every `retry` until it works, so `serve` recovers once the cause is
    /// fixed instead of exiting (or answering 503 for ever); any other failure is thrown at once.
    func openStore(
        at path: String, passwordFile: String? = nil, logger: Logger, retry: Duration = .seconds(5)
    ) async throws -> any BoardDatabase {
        var logged: String?
        let shown = StoreOpening.shown(path)
        while true {
            let isNew = !StoreOpening.exists(path)
            do {
                let store = try await StoreOpening.open(path, .serving, passwordFile: passwordFile, logger: logger)
                if isNew { logger.notice("created a new, empty database at \(shown)") }
                if logged != nil { logger.notice("the database at \(shown) can be written now: starting") }
                return store
            } catch where StoreOpening.mayHeal(error) {
                let sentence = "\(error)"
                if sentence != logged {
                    logger.error("\(sentence); trying again every \(retry.components.seconds) s until it can be written")
                    logged = sentence
                }
                try await Task.sleep(for: retry)
            }
        }
    }

    func run() async throws {
        let logger = Logger(label: "backupboard.serve", factory: { label in StreamLogHandler.standardError(label: label) })
        let configuration: ServeConfiguration
        let store: any BoardDatabase
        do {
            configuration = try resolvedConfiguration()
            store = try await openStore(
                at: configuration.databasePath ?? database.resolvedPath, passwordFile: configuration.databasePasswordFile,
                logger: logger)
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
        if !configuration.listen.isLoopback {
            CommandOutput.warning(
                "listening on \(configuration.listen): the server is reachable from other machines; ping keys travel in clear text unless a TLS proxy sits in front")
        }
        logger.info("serve: \(configuration)")
        do {
            if decodeOnly {
                CommandOutput.warning("--decode-only: heartbeats are parsed and answered 200 but NOT stored (benchmark ceiling)")
            }
            let server = try await BoardServer(configuration: configuration, store: store, logger: logger, decodeOnly: decodeOnly)
            let notifications = configuration.notifications
            let evaluator = Evaluator(
                store: store, interval: .milliseconds(Int64(configuration.evaluatorInterval * 1_000)),
                notifications: notifications.isEnabled ? NotificationPlanner(routing: notifications.routing) : nil,
                fleet: server.fleet, leadership: server.leadership, logger: logger)
            // The worker runs even with no routes: notifications enqueued before a config change still go out, or
            // are given up with a clear error if their channel is gone.
            var worker = OutboxWorker(
                store: store, channels: notifications.channels, sender: ChannelSender(), backoff: notifications.backoff,
                maxAttempts: notifications.maxAttempts, logger: logger)
            worker.leadership = server.leadership
            let receipts = server.receipts
            worker.onDelivered = { message, receipt in receipts.record(message.eventID, receipt) }
            try await server.run(services: [EvaluatorService(evaluator: evaluator), OutboxWorkerService(worker: worker)])
        } catch {
            CommandOutput.error(error)
            throw ExitCode.failure
        }
        // Every write checks the file before it commits, so this holds even when the file went: then heartbeats
        // were answered 503 from the moment it did, and the stop says so.
        if let problem = await store.storageProblem() {
            logger.error("stopped: \(problem); heartbeats answered 200 were stored before it happened, later ones were refused")
        } else {
            logger.info("stopped: every acknowledged heartbeat is stored")
        }
    }
}
