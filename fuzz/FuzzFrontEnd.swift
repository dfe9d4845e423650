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
    // Every script line an emitter writes is a comment or plainly quoted words, whatever the
    // inventory and configuration hold (names with ; $ ` and quotes included).
    var rcOptions = RCFinal.Options()
    // Any path the CLI accepts for --config-path (absolute, no control characters).
    rcOptions.configPath = "/etc/" + String(decoding: bytes.prefix(40).filter { $0 >= 0x20 && $0 != 0x7F }, as: UTF8.self)
    for runtime in RCFinal.Runtime.allCases {
        rcOptions.runtime = runtime
        var rc = RCFinal(cluster: cluster, options: rcOptions)
        for h in rc.hostsWithRoles {
            guard let block = rc.block(for: h) else { continue }
            if let bad = Shell.unsafeLines(block).first { fatalError("unquoted rc.final line: \(bad)") }
            // rc.final --update keeps every byte outside the block and is idempotent.
            if case .success(let once) = RCFinal.update(bytes, cluster: cluster.name, host: h.name.value, block: block) {
                guard case .success(let twice) = RCFinal.update(once, cluster: cluster.name, host: h.name.value, block: block),
                      twice == once else { fatalError("rc.final update is not idempotent") }
                let begin = RCFinal.beginMarker(cluster.name, h.name.value), end = RCFinal.endMarker(cluster.name, h.name.value)
                if outsideBlock(once, begin, end) != outsideBlock(bytes, begin, end) { fatalError("rc.final update changed bytes outside its block") }
            }
        }
    }
    var keepalived = KeepalivedEmitter(cluster: cluster, sources: sources)
    keepalived.maxGeneratedLines = options.maxGeneratedLines
    for d in directors { _ = keepalived.emit(host: d.name) }
    // The emitters and the state readers take the same bytes: the formatter must be idempotent,
    // ipvsadm-save text and JSON state must parse or fail cleanly, and the compiled table must
    // print and plan.
    let formatted = KeepalivedFormatter.format(bytes)
    if KeepalivedFormatter.format(formatted) != formatted { fatalError("fmt is not idempotent") }
    // A file keepalived reads without syntax errors reads the same after fmt, under no config
    // id and every id it names (the CLI refuses any formatting that would not; here a refusal
    // would be a formatter bug).
    let clean = !diags.contains { $0.rule == .syntax || $0.rule == .notKeepalived || $0.rule == .include }
    if clean, formatted != bytes {
        let before = KeepalivedFormatter.readings(bytes, path: "fuzz.conf", ids: nil, followIncludes: false, maxGeneratedLines: options.maxGeneratedLines)
        if before.ids.count <= FrontEnd.maxVariants,
           KeepalivedFormatter.readings(formatted, path: "fuzz.conf", ids: before.ids, followIncludes: false, maxGeneratedLines: options.maxGeneratedLines).models != before.models {
            fatalError("fmt changes the model")
        }
    }
    var compiler = IPVSCompiler()
    let table = compiler.compile(lowering.config)
    _ = IPVSText.save(table)
    let script = IPVSScript.render(table, style: .commands, header: String(decoding: bytes.prefix(80), as: UTF8.self))
    if let bad = Shell.unsafeLines(script).first { fatalError("unquoted ipvsadm script line: \(bad)") }
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

/// The file without the host's block (marker lines compared as `update` does), without
/// trailing line ends: what an update must leave as it was.
func outsideBlock(_ b: [UInt8], _ begin: String, _ end: String) -> [UInt8] {
    var lines: [ArraySlice<UInt8>] = b.split(separator: 0x0A, omittingEmptySubsequences: false)
    func key(_ l: ArraySlice<UInt8>) -> [UInt8] {
        var s = l.startIndex, e = l.endIndex
        while s < e, l[s] == 0x20 || l[s] == 0x09 { s += 1 }
        while e > s, l[e - 1] == 0x20 || l[e - 1] == 0x09 || l[e - 1] == 0x0D { e -= 1 }
        return Array(l[s..<e])
    }
    if let i = lines.firstIndex(where: { key($0) == Array(begin.utf8) }),
       let j = lines[i...].firstIndex(where: { key($0) == Array(end.utf8) }) {
        lines.removeSubrange(i...j)
    }
    var out = Array(lines.joined(separator: [0x0A]))
    while let last = out.last, last == 0x0A || last == 0x0D { out.removeLast() }
    return out
}
