// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lrsweep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lrsweep", targets: ["lrsweep"]),
        .library(name: "SweepKit", targets: ["SweepKit"]),
        .library(name: "Training", targets: ["Training"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // libzmq from Debian's libzmq3-dev; the header lives in /usr/include, so no pkg-config name
        // (pkg-config's libzmq pulls an -isystem flag from krb5 that SwiftPM refuses).
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        // zlib reads the datasets' .gz files (Foundation on Linux has no gzip decoder).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "SweepKit", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Training", dependencies: ["CBLAS", "CZlib", "SweepKit"]),
        .target(name: "Wire", dependencies: ["CZeroMQ", "SweepKit",
                                             .product(name: "Logging", package: "swift-log")]),
        .target(name: "SweepCoordinator", dependencies: [
            "Wire", "SweepKit",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SweepWorker", dependencies: [
            "Wire", "Training", "SweepKit",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Reports", dependencies: ["SweepKit", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "LRController", dependencies: [
            "Training", "SweepKit", "SweepCoordinator", "SweepWorker", "Reports",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Dashboard", dependencies: [
            "Reports", "SweepKit",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SweepTesting", dependencies: ["SweepKit", "Wire", "Training"]),
        .executableTarget(name: "lrsweep", dependencies: [
            "SweepKit", "Training", "Wire", "SweepCoordinator", "SweepWorker", "Reports", "LRController", "Dashboard",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SweepKitTests", dependencies: ["SweepKit", "SweepTesting", "Training"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "SweepKit"]),
        .testTarget(name: "LRControllerTests", dependencies: ["LRController", "Training", "SweepKit"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "SweepKit", "SweepTesting"]),
        .testTarget(name: "SweepCoordinatorTests", dependencies: ["SweepCoordinator", "SweepKit", "SweepTesting", "Wire",
                                                                 "SweepWorker"]),
        .testTarget(name: "SweepWorkerTests", dependencies: ["SweepWorker", "SweepKit", "Training", "Wire"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "SweepKit", "SweepCoordinator",
                                                        .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Reports", "SweepKit", "SweepCoordinator",
                                                          .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                          .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "IntegrationTests", dependencies: ["lrsweep", "SweepKit", "Wire",
                                                            .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
