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
    // The emitters and the state readers take the same bytes: the formatter must be idempotent,
    // ipvsadm-save text and JSON state must parse or fail cleanly, and the compiled table must
    // print and plan.
    let formatted = KeepalivedFormatter.format(bytes)
    if KeepalivedFormatter.format(formatted) != formatted { fatalError("fmt is not idempotent") }
    var compiler = IPVSCompiler()
    let table = compiler.compile(lowering.config)
    _ = IPVSText.save(table)
    _ = IPVSScript.render(table, style: .commands, header: "fuzz")
    let text = String(decoding: bytes, as: UTF8.self)
    if case .success(let parsed) = IPVSText.parse(text) {
        let plan = Plan.make(from: DirectorState(table: parsed), to: DirectorState(table: table))
        let after = plan.apply(to: DirectorState(table: parsed))
        if IPVSText.sorted(after.table) != IPVSText.sorted(table) { fatalError("plan does not reach its target") }
    }
    if case .success(let state) = StateJSON.parse(bytes) { _ = StateJSON.render(state) }
    // The apply cache: read or refused, and compared with the compiled table without a trap;
    // a cache of the compiled table itself finds nothing changed.
    if case .success(let cache) = ApplyCache.parse(bytes) {
        _ = cache.changes(to: table)
        guard case .success(let again) = ApplyCache.parse(cache.render()), again.records == cache.records,
              again.identity == cache.identity else { fatalError("apply cache does not read back") }
    }
    let own = ApplyCache(identity: .init(host: "h", netns: "n", boot: "b"), table: table)
    if case .success(let back) = ApplyCache.parse(own.render()), let c = back.changes(to: table) {
        if !c.changed.isEmpty || !c.removed.isEmpty { fatalError("a table differs from its own cache") }
    } else { fatalError("a table's own cache is refused") }
    return 0
}
