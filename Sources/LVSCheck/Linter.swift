import LVSModel

/// The result of linting one keepalived.conf (all its config-id variants).
public struct FileLintResult: Sendable {
    public var path: String
    public var variants: [ConfigVariant]
    public var diagnostics: [Diagnostic]
    /// Findings beyond the per-parse cap, by severity (they still decide the exit code).
    public var droppedErrors: Int
    public var droppedWarnings: Int
    public var dropped: Int
}

/// Runs the front end and every single-file rule, merging findings across config-id variants.
public struct Linter {
    public let sources: SourceManager

    public init(sources: SourceManager) { self.sources = sources }

    public func lint(file: SourceFile, configID: String?) -> FileLintResult {
        let variants = FrontEnd.read(file: file, sources: sources, configID: configID)
        var perVariant: [(String?, [Diagnostic])] = []
        var dropped = 0, droppedErrors = 0, droppedWarnings = 0
        for v in variants {
            var bag = v.diagnostics
            var checks = ConfigChecks(v.config)
            bag.append(contentsOf: checks.run())
            dropped = max(dropped, bag.dropped)
            droppedErrors = max(droppedErrors, bag.count(.error) - bag.items.filter { $0.severity == .error }.count)
            droppedWarnings = max(droppedWarnings, bag.count(.warning) - bag.items.filter { $0.severity == .warning }.count)
            perVariant.append((v.configID, bag.items))
        }
        var merged = Linter.merge(perVariant, variantCount: variants.count)
        if variants.count > 1 { merged += crossVariant(variants) }
        // Rules that compare values may repeat one read from the environment.
        let environment = variants.flatMap(\.environment)
        if !environment.isEmpty { merged = merged.map { $0.hidingEnvironment(environment) } }
        // The file, the files it included (registered after it) and any a finding points into.
        var fileIDs = Set(file.id..<sources.files.count)
        for d in merged { if let s = d.span { fileIDs.insert(Int(s.file)) } }
        merged = InlineSuppressions.apply(merged, files: fileIDs.sorted().map { sources[$0] }, sources: sources)
        return FileLintResult(path: file.path, variants: variants, diagnostics: sorted(merged),
                              droppedErrors: droppedErrors, droppedWarnings: droppedWarnings, dropped: dropped)
    }

    /// A finding reported under every variant is shown once without a variant label; one
    /// reported under some is labelled with those config ids.
    static func merge(_ perVariant: [(String?, [Diagnostic])], variantCount: Int) -> [Diagnostic] {
        if perVariant.count == 1 { return perVariant[0].1 }
        var order: [Diagnostic] = []
        var ids: [Diagnostic: [String]] = [:]
        for (id, diags) in perVariant {
            for d in diags {
                if ids[d] == nil { order.append(d); ids[d] = [] }
                if let id, !ids[d]!.contains(id) { ids[d]!.append(id) }
            }
        }
        return order.map { d in
            var out = d
            let found = ids[d] ?? []
            out.variants = found.count == variantCount ? [] : found
            return out
        }
    }

    /// The same instance under several config ids is one VRRP group seen from each director.
    func crossVariant(_ variants: [ConfigVariant]) -> [Diagnostic] {
        var byName: [String: [(VRRPInstance, String?)]] = [:]
        var order: [String] = []
        for v in variants {
            for i in v.config.instances {
                if byName[i.name.value] == nil { order.append(i.name.value) }
                byName[i.name.value, default: []].append((i, v.configID))
            }
        }
        var out: [Diagnostic] = []
        for name in order {
            out += ConfigChecks.compareMasters(byName[name]!).items
        }
        return out
    }

    public func sorted(_ diags: [Diagnostic]) -> [Diagnostic] {
        diags.enumerated().sorted { a, b in
            let sa = a.element.span, sb = b.element.span
            switch (sa, sb) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                if x.file != y.file { return x.file < y.file }
                if x.offset != y.offset { return x.offset < y.offset }
                return a.offset < b.offset
            }
        }.map(\.element)
    }
}
