// libFuzzer entry point for the front end: bytes in, diagnostics out, never a crash or hang.
// Built by fuzz/run.sh together with the sources of Diagnostics, KeepalivedSyntax, LVSModel
// and LVSCheck (as one module, so no `import` of them here).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrontEnd(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let sources = SourceManager()
    let file = sources.add(path: "fuzz.conf", bytes: bytes)
    var options = ParseOptions(configID: nil)
    options.followIncludes = false
    options.maxGeneratedLines = 20_000
    // Parse, lower and check, then render every format: each stage must accept whatever the
    // previous produced.
    var lowering = Lowering(path: file.path, configID: nil)
    let parsed = ConfigParser(sources: sources, options: options).parse(file: file) { tree, roots in
        lowering.lower(roots, of: tree)
    }
    var checks = ConfigChecks(lowering.config)
    var diags = parsed.diagnostics.items + lowering.diags.items + checks.run().items
    if let first = parsed.conditionIDs.first {
        var o = options
        o.configID = first
        let again = ConfigParser(sources: sources, options: o).parse(file: file)
        diags += again.diagnostics.items
    }
    for format in DiagnosticFormat.allCases {
        _ = DiagnosticRenderer(sources: sources, rules: [], color: true, toolVersion: "fuzz").render(diags, format: format)
    }
    _ = ModelJSON(sources: sources).config(lowering.config).rendered()
    // The same bytes as a cluster.txt whose every director runs the config just read, through
    // the inventory and cluster rules.
    let inventory = InventoryParser.parse(sources.add(path: "fuzz-cluster.txt", bytes: bytes))
    let variant = ConfigVariant(configID: nil, config: lowering.config, diagnostics: DiagnosticBag())
    let directors = inventory.hosts.filter(\.isDirector).map { ClusterDirector(host: $0, configPath: "fuzz.conf", variant: variant) }
    let cluster = Cluster(name: "fuzz", inventory: inventory, directors: directors)
    let clusterDiags = ClusterLinter(sources: sources).lint(cluster).diagnostics
    _ = DiagnosticRenderer(sources: sources, rules: [], color: false, toolVersion: "fuzz").render(clusterDiags, format: .json)
    return 0
}
