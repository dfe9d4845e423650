// swift-tools-version:6.0
import PackageDescription

// The front end is single-threaded; dynamic exclusivity checks on its parser state cost a
// fifth of the lint time in release builds and guard against nothing here.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "lvsc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lvsc", targets: ["lvsc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Source locations, the diagnostic type and its renderers.
        .target(name: "Diagnostics"),
        // Byte-level lexer, preprocessor (include, $VAR, @id, ~SEQ/~LST) and block tree.
        .target(name: "KeepalivedSyntax", dependencies: ["Diagnostics"], swiftSettings: hotPath),
        // Address value types, the typed model and its lowering from the block tree.
        .target(name: "LVSModel", dependencies: ["KeepalivedSyntax"], swiftSettings: hotPath),
        // Lint rules: one rule, one id, one explanation.
        .target(name: "LVSCheck", dependencies: ["LVSModel"]),
        // Outputs: ipvsadm scripts, rc.final blocks, keepalived.conf, the apply plan.
        .target(name: "LVSEmit", dependencies: ["LVSModel"]),
        // The commands behind the CLI, as a library so tests can drive them in-process.
        .target(name: "LVSCommands", dependencies: ["LVSCheck", "LVSEmit", "LVSNetlink"]),
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
        // IPVS generic netlink and rtnetlink addresses; owns every socket and message.
        .target(name: "LVSNetlink", dependencies: ["CNetlink", "LVSModel"]),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"]),
        .testTarget(name: "KeepalivedSyntaxTests", dependencies: ["KeepalivedSyntax", "GrammarGen"]),
        .testTarget(name: "LVSModelTests", dependencies: ["LVSModel", "LVSNetlink"]),
        .testTarget(name: "LVSCheckTests", dependencies: ["LVSCheck", "LVSCommands"]),
        .testTarget(name: "LVSEmitTests", dependencies: ["LVSEmit", "LVSCommands"]),
        .testTarget(name: "CLITests", dependencies: ["LVSCommands"]),
    ],
    // Swift 5 mode: the front end is single-threaded and talks to libc's stdio; strict
    // concurrency checking of C globals buys nothing here.
    swiftLanguageModes: [.v5]
)
