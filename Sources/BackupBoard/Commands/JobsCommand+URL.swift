import ArgumentParser
import BoardModel

extension JobsCommand {
    /// `jobs url SLUG`: the ping URL, with the calls a script makes.
    struct URL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job's ping URL.")

        @OptionGroup var target: JobsTarget

        @Argument(help: "The job.")
        var slug: String

        @OptionGroup var pingBase: PingBaseOptions

        func run() async throws {
            let key: String
            if let client = try target.client() {
                key = try await client.pingKey(slug: slug)
            } else {
                let store = try await target.database.open(.readOnly)
                guard let job = try await store.job(slug: slug) else { throw BoardError.unknownJob(slug) }
                key = job.pingKey
            }
            let url = pingBase.url(key: key)
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
