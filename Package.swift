// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "BackupBoard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "backupboard", targets: ["BackupBoard"]),
        .executable(name: "board-bench", targets: ["BoardBench"]),
        .executable(name: "backupboard-bench", targets: ["BackupBoardBench"]),
        .library(name: "BoardModel", targets: ["BoardModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        // The traits are named so that SwiftPM stops reordering the default traits' compiler flags, which
        // recompiled Hummingbird for nothing about half the time (docs/architecture.md §11); ConfigurationSupport is not used.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        // gzip for the API's answers.
        .package(url: "https://github.com/adam-fowler/compress-nio", exact: "1.5.0"),
        // STARTTLS for email notifications.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        // Every HTTP client of the binary (BoardHTTP), without FoundationNetworking and libcurl.
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
    ],
    // Targets by ring (docs/architecture.md §2): a wrong import does not compile.
    targets: [
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
        // The pure domain: no I/O, `now` is a parameter.
        .target(name: "BoardModel", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        // The SQLite store: the only target that depends on GRDB.
        .target(name: "BoardSQLite", dependencies: ["BoardModel", .product(name: "GRDB", package: "GRDB.swift")]),
        // The PostgreSQL store: the only target that depends on PostgresNIO.
        .target(
            name: "BoardPostgres",
            dependencies: [
                "BoardModel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The judged fleet kept live from a store, and the evaluator's tick.
        .target(name: "BoardLive", dependencies: ["BoardModel"]),
        // The JSON documents of the API, shared by the server and the clients.
        .target(name: "BoardWire", dependencies: ["BoardModel"]),
        // The one HTTP transport of every client: API, remote board, ping/run, notifiers.
        .target(
            name: "BoardHTTP",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // `serve`: HTTP ingest, the API, the evaluator loop, the outbox and its notifiers.
        .target(
            name: "BoardServe",
            dependencies: [
                "BoardModel", "BoardLive", "BoardWire", "BoardHTTP", "BoardProcess",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            plugins: ["EmbedAPIDocument"]
        ),
        // The HTTP clients: `ping` and `run`, the remote board's source.
        .target(name: "BoardClient", dependencies: ["BoardModel", "BoardWire", "BoardTerminal", "BoardHTTP", "BoardProcess"]),
        // Starting other programs with nothing of ours but standard input, output and error.
        .target(name: "BoardProcess"),
        // The terminal UI: state, a pure renderer into a buffer, and the one type that calls ncurses.
        .target(
            name: "BoardTerminal",
            dependencies: ["BoardModel", "BoardWire", "CNCurses", .product(name: "TOMLKit", package: "TOMLKit")],
            plugins: ["EmbedThemes"]
        ),
        // The executable: thin ArgumentParser commands.
        .executableTarget(
            name: "BackupBoard",
            dependencies: [
                "BoardModel", "BoardSQLite", "BoardPostgres", "BoardLive", "BoardWire", "BoardServe", "BoardClient",
                "BoardTerminal", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Turns files of the package into Swift source at build time: themes/*.toml (see themes/README.md) and
        // docs/openapi.json (docs/api.md).
        .executableTarget(name: "FileEmbedder"),
        .plugin(name: "EmbedThemes", capability: .buildTool(), dependencies: ["FileEmbedder"]),
        .plugin(name: "EmbedAPIDocument", capability: .buildTool(), dependencies: ["FileEmbedder"]),
        // Benchmarks, outside the shipping binary (Benchmarks/README.md), over a generated fleet.
        .target(name: "BenchFleet", dependencies: ["BoardModel"], path: "Benchmarks/BenchFleet"),
        .executableTarget(
            name: "BoardBench",
            dependencies: ["BoardModel", "BoardSQLite", "BoardPostgres", "BoardLive", "BenchFleet"],
            path: "Benchmarks/BoardBench"
        ),
        .executableTarget(
            name: "BackupBoardBench",
            dependencies: [
                "BoardModel", "BoardSQLite", "BoardLive", "BoardServe", "BoardTerminal", "BenchFleet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/BackupBoardBench"
        ),
        // The PostgreSQL server of the tests: an env var's, or a private cluster (docs/postgresql.md).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "BoardModelTests",
            dependencies: ["BoardModel", "BoardSQLite", "BoardPostgres", "BoardLive", "TestSupport"]
        ),
        .testTarget(
            name: "BackupBoardTests",
            dependencies: [
                "BackupBoard", "BoardModel", "BoardSQLite", "BoardPostgres", "BoardLive", "BoardWire", "BoardServe",
                "BoardClient", "BoardTerminal", "BoardHTTP", "CNCurses", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
