import ArgumentParser
import BoardModel

extension JobsCommand {
    /// `jobs remove SLUG…`: deletes jobs with their history.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove jobs and their history.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The jobs to remove.")
        var slugs: [String]

        func run() async throws {
            let store = try BoardStore.existing(path: database.resolvedPath)
            for slug in slugs {
                try store.removeJob(slug: slug)
                print("Removed \(slug).")
            }
        }
    }

    /// `jobs pause SLUG…`: shown as paused, never alerts.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause jobs: shown as paused, never alerting.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The jobs to pause.")
        var slugs: [String]

        func run() async throws {
            let store = try BoardStore.existing(path: database.resolvedPath)
            for slug in slugs {
                try store.pause(slug: slug)
                print("Paused \(slug).")
            }
        }
    }

    /// `jobs resume SLUG…`: judged and alerting again.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume paused jobs.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The jobs to resume.")
        var slugs: [String]

        func run() async throws {
            let store = try BoardStore.existing(path: database.resolvedPath)
            for slug in slugs {
                try store.resume(slug: slug)
                print("Resumed \(slug).")
            }
        }
    }

    /// `jobs url SLUG`: the ping URL, with the calls a script makes.
    struct URL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job's ping URL.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The job.")
        var slug: String

        @Option(help: "Server base URL.")
        var server = PingURL.defaultServer

        func run() async throws {
            let store = try BoardStore.existing(path: database.resolvedPath)
            guard let job = try store.job(slug: slug) else { throw BoardError.unknownJob(slug) }
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
