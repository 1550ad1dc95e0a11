import ArgumentParser
import BoardModel

extension JobsCommand {
    /// `jobs url SLUG`: the ping URL, with the calls a script makes.
    struct URL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job's ping URL.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The job.")
        var slug: String

        @Option(help: "Server base URL.")
        var server = PingURL.defaultServer

        func run() async throws {
            let store = try await database.open(.readOnly)
            guard let job = try await store.job(slug: slug) else { throw BoardError.unknownJob(slug) }
            let url = PingURL.url(server: server, key: job.pingKey)
            print(url)
            print("""

                A script reports with, for example:
                  curl -fsS -m 10 --retry 3 -X POST \(url) -d '{"status":"started"}'
                  curl -fsS -m 10 --retry 3 -X POST \(url) -d '{"status":"completed","duration":42,"size":"1.2GB"}'
                  curl -fsS -m 10 --retry 3 -X POST \(url)/fail -d 'pg_dump: connection refused'
                """)
        }
    }
}
