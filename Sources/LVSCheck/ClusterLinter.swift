import LVSModel

/// The result of linting a cluster: every director's file, the inventory, and the rules
/// that relate them.
public struct ClusterLintResult: Sendable {
    public var cluster: Cluster
    public var diagnostics: [Diagnostic]
    public var droppedErrors: Int
    public var droppedWarnings: Int
    public var dropped: Int
}

/// Runs the one-file rules on each director's configuration (read with the director's config
/// id), the inventory rules, and the cluster rules.
public struct ClusterLinter {
    public let sources: SourceManager

    public init(sources: SourceManager) { self.sources = sources }

    public func lint(_ cluster: Cluster) -> ClusterLintResult {
        var all: [Diagnostic] = []
        var dropped = 0, droppedErrors = 0, droppedWarnings = 0
        func take(_ bag: DiagnosticBag) {
            all += bag.items
            dropped += bag.dropped
            droppedErrors += bag.count(.error) - bag.items.filter { $0.severity == .error }.count
            droppedWarnings += bag.count(.warning) - bag.items.filter { $0.severity == .warning }.count
        }
        // Directors sharing one file (the @id pattern) are that file's variants.
        var byFile: [String: [ClusterDirector]] = [:]
        var fileOrder: [String] = []
        for d in cluster.directors where d.variant != nil {
            if byFile[d.configPath] == nil { fileOrder.append(d.configPath) }
            byFile[d.configPath, default: []].append(d)
        }
        for path in fileOrder {
            let directors = byFile[path]!
            var perVariant: [(String?, [Diagnostic])] = []
            for d in directors {
                var bag = d.variant!.diagnostics
                var checks = ConfigChecks(d.variant!.config)
                bag.append(contentsOf: checks.run())
                dropped += bag.dropped
                droppedErrors += bag.count(.error) - bag.items.filter { $0.severity == .error }.count
                droppedWarnings += bag.count(.warning) - bag.items.filter { $0.severity == .warning }.count
                perVariant.append((d.host.configID, bag.items))
            }
            all += Linter.merge(perVariant, variantCount: directors.count)
        }
        take(cluster.inventory.diagnostics)
        take(cluster.diagnostics)
        var inventoryChecks = InventoryChecks(cluster.inventory)
        take(inventoryChecks.run())
        var clusterChecks = ClusterChecks(cluster)
        take(clusterChecks.run())
        // A file shared by two directors yields the same cluster finding once per director.
        var seen = Set<Diagnostic>()
        all = all.filter { seen.insert($0).inserted }
        let environment = cluster.directors.flatMap { $0.variant?.environment ?? [] }
        if !environment.isEmpty { all = all.map { $0.hidingEnvironment(environment) } }
        all = InlineSuppressions.apply(all, files: sources.files, sources: sources)
        return ClusterLintResult(cluster: cluster, diagnostics: Linter(sources: sources).sorted(all),
                                 droppedErrors: droppedErrors, droppedWarnings: droppedWarnings, dropped: dropped)
    }
}
