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
        // Command implementations (library so tests can run them in-process).
        .target(
            name: "VantageCLI",
            dependencies: [
                "BGPWire", "ArchiveIO", "VantageCore", "VantageSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "vantage", dependencies: ["VantageCLI"]),
        // Helpers shared by the test targets (external tools such as bgpdump, gzip, awk).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BGPWireTests", dependencies: ["BGPWire", "FuzzTargets"]),
        .testTarget(name: "ArchiveIOTests", dependencies: ["ArchiveIO"]),
        .testTarget(name: "VantageSimTests", dependencies: ["VantageSim", "VantageCore", "BGPWire", "ArchiveIO", "TestSupport"]),
        .testTarget(name: "VantageCoreTests", dependencies: ["VantageCore", "BGPWire", "TestSupport"]),
        .testTarget(name: "VantageCLITests", dependencies: ["VantageCLI", "BGPWire", "ArchiveIO", "FuzzTargets", "TestSupport"]),
    ]
)
