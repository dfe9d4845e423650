@_exported import LVSEmit
@_exported import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// A cluster that loaded and passed the lint gate (or was forced through it).
struct LoadedCluster {
    var cluster: Cluster
    var sources: SourceManager
    var director: ClusterDirector?
}

enum ClusterGate {
    /// Loads the cluster, lints it, and refuses (exit 1, findings printed) when it has errors,
    /// unless forced; picks the director named by --host (or the only one).
    static func load(_ src: ClusterOptions, needDirector: Bool, out: inout CommandOutput) -> LoadedCluster? {
        let sources = SourceManager()
        var cluster: Cluster
        if let file = src.file {
            switch ConfigParser.readAll(file) {
            case .failure(let e):
                out.stderr += "lvsc: cannot read \(Shown.path(file)): \(e.message)\n"; out.exitCode = .usage; return nil
            case .success(let bytes):
                cluster = ClusterLoader.single(path: file, bytes: bytes, name: src.host, sources: sources)
            }
        } else {
            guard let inv = src.inventory ?? (access("cluster.txt", F_OK) == 0 ? "cluster.txt" : nil) else {
                out.stderr += "lvsc: give --inventory cluster.txt, -f keepalived.conf, or run where a cluster.txt is\n"
                out.exitCode = .usage
                return nil
            }
            switch ClusterLoader.load(inventoryPath: inv, sources: sources) {
            case .failure(let e):
                out.stderr += "lvsc: cannot read inventory \(Shown.path(inv)): \(e.message)\n"; out.exitCode = .usage; return nil
            case .success(let c): cluster = c
            }
        }
        if let name = src.clusterName {
            if let problem = ValueSyntax.clusterNameProblem(name) {
                out.stderr += "lvsc: --cluster: \(problem)\n"; out.exitCode = .usage; return nil
            }
            cluster.name = name
        }
        let result = ClusterLinter(sources: sources).lint(cluster)
        out.retained.append(result)
        // The gate judges as `lvsc lint` does: the repository's rule settings and lvsc-ignore
        // comments apply.
        let policy: RulePolicy
        switch LintCommand.settingsFile(nil) {
        case .failure(let e): out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return nil
        case .success(let p): policy = p
        }
        let errors = policy.apply(result.diagnostics).filter { $0.severity == .error && $0.isActive }
        if src.lintGate, !errors.isEmpty || result.droppedErrors > 0 {
            let renderer = DiagnosticRenderer(sources: sources, rules: RuleCatalog.all.map(\.descriptor), color: false, toolVersion: lvscVersion)
            out.stderr += renderer.render(errors, format: .text)
            if !src.force {
                let n = errors.count + result.droppedErrors
                out.stderr += "lvsc: the cluster has \(n) lint error\(n == 1 ? "" : "s"); nothing emitted (fix \(n == 1 ? "it" : "them"), or --force)\n"
                out.exitCode = .findings
                return nil
            }
            let n = errors.count + result.droppedErrors
            out.stderr += "lvsc: --force: emitting despite \(n) lint error\(n == 1 ? "" : "s") (shown above); what \(n == 1 ? "it affects" : "they affect") may be wrong or missing\n"
        }
        var loaded = LoadedCluster(cluster: cluster, sources: sources, director: nil)
        if needDirector {
            let directors = cluster.directors.filter { $0.config != nil }
            if let host = src.host {
                guard let d = directors.first(where: { $0.name == host }) else {
                    out.stderr += "lvsc: \(host) is not a director of the cluster (directors: \(directors.map(\.name).joined(separator: ", ")))\n"
                    out.exitCode = .usage
                    return nil
                }
                loaded.director = d
            } else if directors.count == 1 {
                loaded.director = directors[0]
            } else {
                out.stderr += "lvsc: the cluster has \(directors.count) directors; name one with --host (\(directors.map(\.name).joined(separator: ", ")))\n"
                out.exitCode = .usage
                return nil
            }
        }
        return loaded
    }

    /// `--all --out DIR`: the command once per director, each output in DIR/HOST+suffix; the
    /// cluster's lint gate applies once, and nothing is skipped without a line saying why.
    static func forEveryDirector(_ src: ClusterOptions, folder: String, suffix: String,
                                 _ each: (ClusterOptions) -> CommandOutput) -> CommandOutput {
        var out = CommandOutput()
        guard let loaded = load(src, needDirector: false, out: &out) else { return out }
        if case .failure(let e) = SafeFiles.ensureFolder(folder) {
            out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
        }
        for d in loaded.cluster.directors {
            guard d.config != nil else {
                out.stderr += "lvsc: no file for \(Shown.text(d.name)): its configuration could not be read\n"
                out.exitCode = .usage
                continue
            }
            if let problem = ValueSyntax.hostNameProblem(d.name) {
                out.stderr += "lvsc: no file for \(Shown.text(d.name)): \(problem)\n"; out.exitCode = .usage; continue
            }
            var one = src
            one.host = d.name
            // The gate already ran (and --force was decided) for the whole cluster.
            one.lintGate = false
            let r = each(one)
            out.stderr += r.stderr
            guard r.exitCode == .clean || r.exitCode == .findings else { out.exitCode = r.exitCode; continue }
            let path = folder + "/" + d.name + suffix
            if case .failure(let e) = SafeFiles.writeFresh(path, r.stdout.bytes) {
                out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
            }
            out.stdout += "\(path)\n"
        }
        return out
    }

    /// A script line that quoting should have made impossible: a bug in lvsc, and nothing is
    /// written rather than a line root would run.
    static func refuseUnsafe(_ line: String, _ out: CommandOutput) -> CommandOutput {
        var out = out
        out.stdout = OutputBytes()
        out.stderr += "lvsc: internal error: a generated line is not plainly quoted; nothing written (please report): \(Shown.text(line))\n"
        out.exitCode = .usage
        return out
    }

    static func renderNotes(_ notes: [EmitNote], _ sources: SourceManager) -> String {
        var out = ""
        var seen = Set<EmitNote>()
        // A note about a group's real server holds for every service the group expands to: once.
        for n in notes where seen.insert(n).inserted {
            if let s = n.span {
                let r = sources.resolve(s)
                out += "\(r.path):\(r.line):\(r.column): \(n.severity.name): \(n.message) [\(n.rule)]\n"
            } else {
                out += "lvsc: \(n.severity.name): \(n.message) [\(n.rule)]\n"
            }
        }
        return out
    }
}
