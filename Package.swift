// swift-tools-version:6.0
import PackageDescription

// The front end's parser state is confined to the thread that parses (the lowering thread gets
// chunks handed over, never shared); dynamic exclusivity checks on it cost a fifth of the lint
// time in release builds and guard against nothing here.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
// Targets written after the Swift 6 switch are checked with strict concurrency.
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "lvsc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lvsc", targets: ["lvsc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The runtime's event loops (docs/architecture.md: the event-loop decision).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // lvsc run's log (one line per event; the handler is lvsc's, the API the ecosystem's).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Source locations, the diagnostic type and its renderers.
        .target(name: "Diagnostics"),
        // Value types every layer shares: IP addresses and prefixes, what names may look like.
        // Its generic parsers run on every address the front end reads: cross-module
        // optimisation lets the model specialise and inline them (without it, lint of 10,000
        // services took twice as long, through unspecialised generic calls).
        .target(name: "LVSCore", swiftSettings: hotPath + swift6 + crossModule),
        // Byte-level lexer, preprocessor (include, $VAR, @id, ~SEQ/~LST) and block tree.
        .target(name: "KeepalivedSyntax", dependencies: ["Diagnostics"], swiftSettings: hotPath),
        // The typed model and its lowering from the block tree.
        .target(name: "LVSModel", dependencies: ["KeepalivedSyntax", "LVSCore"], swiftSettings: hotPath),
        // What a director's kernel holds (IPVS table, addresses, sysctls, sync daemons), the plan
        // between two such states, the apply cache, the Kernel protocol, the apply engine and a
        // simulated kernel. Knows nothing of keepalived.conf.
        .target(name: "LVSKernel", dependencies: ["Diagnostics", "LVSCore"], swiftSettings: swift6),
        // Lint rules: one rule, one id, one explanation.
        .target(name: "LVSCheck", dependencies: ["LVSModel"]),
        // Outputs: ipvsadm scripts, rc.final blocks, keepalived.conf, the desired kernel state.
        .target(name: "LVSEmit", dependencies: ["LVSModel", "LVSKernel"]),
        // The commands behind the CLI, as a library so tests can drive them in-process.
        .target(name: "LVSCommands", dependencies: [
            "LVSCheck", "LVSEmit", "LVSKernel", "LVSNetlink", "LVSRuntime", "LVSSimulate", "LVSGraph", "LVSDiff",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "lvsc", dependencies: [
            "LVSCommands",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Reads Grammar/keywords.md and renders the parser's keyword tables.
        .target(name: "GrammarGen"),
        .executableTarget(name: "lvsc-grammar", dependencies: ["GrammarGen"]),
        // libnl-3 / libnl-genl-3 for the netlink layer.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev"])]
        ),
        // The privileged layer: the real Kernel (IPVS generic netlink, rtnetlink addresses,
        // sysctls); owns every socket and message.
        .target(name: "LVSNetlink", dependencies: ["CNetlink", "LVSKernel"], swiftSettings: swift6),
        // VRRP: the advert codec, the receive checks, the state machine (pure, on an injected
        // clock) with sync groups and a simulated LAN, the raw-socket transport on swift-nio.
        .target(name: "VRRP", dependencies: [
            "LVSKernel",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: swift6),
        // lvsc run: the VRRP engine wired to sockets, netlink and gratuitous ARP on one event
        // loop, and the plan (with refusals) that maps a director's configuration onto it.
        .target(name: "LVSRuntime", dependencies: [
            "LVSModel", "VRRP", "LVSNetlink",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift6),
        .target(name: "LVSSimulate", dependencies: ["LVSModel", "LVSEmit", "LVSKernel", "LVSRuntime", "VRRP", "Diagnostics"], swiftSettings: swift6),
        .target(name: "LVSDiff", dependencies: ["LVSSimulate", "LVSModel", "LVSEmit", "LVSKernel", "VRRP", "Diagnostics"], swiftSettings: swift6),
        .target(name: "LVSGraph", dependencies: ["LVSSimulate", "LVSModel", "LVSKernel", "VRRP", "Diagnostics"], swiftSettings: swift6),
        .testTarget(name: "VRRPTests", dependencies: [
            "VRRP", "LVSNetlink",
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ], swiftSettings: swift6),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"]),
        .testTarget(name: "KeepalivedSyntaxTests", dependencies: ["KeepalivedSyntax", "GrammarGen"]),
        .testTarget(name: "LVSModelTests", dependencies: ["LVSModel", "LVSKernel", "LVSNetlink"]),
        .testTarget(name: "LVSKernelTests", dependencies: ["LVSKernel"], swiftSettings: swift6),
        .testTarget(name: "LVSCheckTests", dependencies: ["LVSCheck", "LVSCommands"]),
        .testTarget(name: "LVSEmitTests", dependencies: ["LVSEmit", "LVSKernel", "LVSCommands"]),
        .testTarget(name: "CLITests", dependencies: ["LVSCommands", "LVSModel", "LVSRuntime", "LVSSimulate", "LVSGraph", .product(name: "Logging", package: "swift-log")]),
    ],
    // Swift 5 mode for the targets written before the switch (the front end, the checks, the
    // emitters, the commands); new targets opt into Swift 6 above.
    swiftLanguageModes: [.v5]
)
