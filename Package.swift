// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "BackupBoard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "backupboard", targets: ["BackupBoard"]),
        .executable(name: "board-bench", targets: ["BoardBench"]),
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
        // STARTTLS for email notifications.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
        .target(
            name: "BoardModel",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "BackupBoard",
            dependencies: [
                "BoardModel",
                "CNCurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            plugins: ["EmbedThemes"]
        ),
        // Turns themes/*.toml into Swift source at build time (see themes/README.md).
        .executableTarget(name: "ThemeEmbedder"),
        .plugin(name: "EmbedThemes", capability: .buildTool(), dependencies: ["ThemeEmbedder"]),
        .executableTarget(
            name: "BoardBench",
            dependencies: ["BoardModel"],
            path: "Benchmarks/BoardBench"
        ),
        .testTarget(name: "BoardModelTests", dependencies: ["BoardModel"]),
        .testTarget(
            name: "BackupBoardTests",
            dependencies: [
                "BackupBoard", "BoardModel", "CNCurses",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
