import ServiceLifecycle

/// Runs the evaluator loop as one of `serve`'s services: it starts after the ingest pieces and, on
/// SIGTERM, stops after the tick in progress and before the writer drains.
package struct EvaluatorService: Service {
    let evaluator: Evaluator

    package init(evaluator: Evaluator) {
        self.evaluator = evaluator
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await evaluator.run()
        }
    }
}
