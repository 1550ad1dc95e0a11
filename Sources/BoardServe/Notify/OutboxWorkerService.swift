import ServiceLifecycle

/// Runs the outbox worker as one of `serve`'s services; on SIGTERM it stops after the deliveries in flight,
/// whose outcome is recorded (an undelivered notification stays in the outbox for the next start).
package struct OutboxWorkerService: Service {
    let worker: OutboxWorker

    package init(worker: OutboxWorker) {
        self.worker = worker
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await worker.run()
        }
    }
}
