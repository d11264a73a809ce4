// swift-tools-version:6.0
// Vantage: an Internet outage observatory. See README.md (ARCHITECTURE) for the layering.
import PackageDescription

let package = Package(
    name: "Vantage",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vantage", targets: ["vantage"]),
        .library(name: "BGPWire", targets: ["BGPWire"]),
        .library(name: "ArchiveIO", targets: ["ArchiveIO"]),
        .library(name: "VantageCore", targets: ["VantageCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Wire codec: MRT (RFC 6396, 8050) and BGP-4 messages/attributes. Standard library only.
        .target(name: "BGPWire"),
        // Streaming decompression (gzip, bzip2 in parallel, plain) and MRT record framing.
        .systemLibrary(name: "CBZip2", path: "Sources/CBZip2"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "ArchiveIO", dependencies: ["CBZip2", "CZlib", "BGPWire"]),
        // Domain, no I/O: prefix tries, registry, routing state, signals, detectors, reports.
        .target(name: "VantageCore", dependencies: ["BGPWire"]),
        // Scenario simulation: a synthetic (or real-RIB-based) world, scenario events, archive writing.
        .target(name: "VantageSim", dependencies: ["BGPWire", "ArchiveIO", "VantageCore", "Yams"]),
        // The fuzz harness: compiled into each libFuzzer target by scripts/fuzz.sh, and replayed by tests.
        .target(name: "FuzzTargets", dependencies: ["BGPWire", "ArchiveIO"]),
        // Embedded store: signals per bin, events, upstreams, alert log (SQLite through GRDB) behind a protocol.
        .target(name: "VantageStore", dependencies: ["VantageCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // Webhook alerts: YAML rules, JSON / Slack bodies, delivery with retries (FoundationNetworking).
        .target(name: "VantageAlerts", dependencies: ["VantageCore", "VantageStore", "Yams"]),
        // HTTP: JSON API + OpenAPI, dashboard (server-rendered HTML + SVG), /metrics. Read-only over a store.
        .target(
            name: "VantageServer",
            dependencies: [
                "VantageCore", "VantageStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Command implementations (library so tests can run them in-process).
        .target(
            name: "VantageCLI",
            dependencies: [
                "BGPWire", "ArchiveIO", "VantageCore", "VantageSim", "VantageStore", "VantageAlerts", "VantageServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "vantage",
            dependencies: ["VantageCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Helpers shared by the test targets (external tools such as bgpdump, gzip, awk).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BGPWireTests", dependencies: ["BGPWire", "FuzzTargets"]),
        .testTarget(name: "ArchiveIOTests", dependencies: ["ArchiveIO"]),
        .testTarget(name: "VantageSimTests", dependencies: ["VantageSim", "VantageCore", "BGPWire", "ArchiveIO", "TestSupport"]),
        .testTarget(name: "VantageCoreTests", dependencies: ["VantageCore", "BGPWire", "TestSupport"]),
        .testTarget(name: "VantageStoreTests", dependencies: ["VantageStore", "VantageCore"]),
        .testTarget(
            name: "VantageServerTests",
            dependencies: [
                "VantageServer", "VantageStore", "VantageAlerts", "VantageCLI", "VantageCore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "VantageCLITests", dependencies: ["VantageCLI", "BGPWire", "ArchiveIO", "FuzzTargets", "TestSupport"]),
    ]
)
