import ArgumentParser
import LVSGraph
import LVSSimulate
#if canImport(Glibc)
import Glibc
#endif

extension GraphCommand.Format: ExpressibleByArgument {}

/// `lvsc graph`
public struct Graph: OutputCommand {
    public static let configuration = CommandConfiguration(
        abstract: "The cluster as a picture: directors, VRRP groups and their MASTER, VIPs, services, real servers, LANs.",
        discussion: """
            DOT and Mermaid come from lvsc itself; svg and png run Graphviz's dot (Debian's graphviz package). \
            Lint findings are counted on the director they concern. With failure options (as lvsc simulate takes \
            them) the picture shows the state after them: failed hosts and links in red, moved VIPs in blue.
            """)

    @OptionGroup public var cluster: ClusterOptions
    @OptionGroup public var failures: FailureOptions

    @Option(help: ArgumentHelp("dot, mermaid, svg or png", valueName: "format"))
    public var format: GraphCommand.Format = .dot

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output", valueName: "file"))
    public var out: String?

    public init() {}

    public func execute() -> CommandOutput { GraphCommand.run(self) }
}

public enum GraphCommand {
    public enum Format: String, CaseIterable { case dot, mermaid, svg, png }

    static func run(_ o: Graph) -> CommandOutput {
        var out = CommandOutput()
        var src = o.cluster
        src.lintGate = false
        guard let loaded = ClusterGate.load(src, needDirector: false, out: &out) else { return out }
        var findings: [(file: String, severity: Severity)] = []
        if let result = out.retained.last as? ClusterLintResult {
            for d in result.diagnostics where d.severity == .error || d.severity == .warning {
                if let span = d.span { findings.append((loaded.sources.resolve(span).path, d.severity)) }
            }
        }
        let model = SimulationModel.build(loaded.cluster)
        guard !model.directors.isEmpty else {
            out.stderr += "lvsc graph: no director's configuration could be read\n"
            out.exitCode = .usage
            return out
        }
        let sim = Simulator(model: model)
        let graph: ClusterGraph
        if o.failures.isEmpty {
            graph = ClusterGraph(model: model, cluster: loaded.cluster, snapshot: sim.snapshot(sim.baseline(), failedServers: []),
                                 findings: findings, title: "\(loaded.cluster.name): as configured")
        } else {
            guard let scenario = o.failures.scenario(model: model, cluster: loaded.cluster, command: "graph", out: &out) else { return out }
            let outcome = sim.run(scenario.failures)
            graph = ClusterGraph(model: model, cluster: loaded.cluster, snapshot: outcome.after, outcome: outcome, findings: findings,
                                 title: "\(loaded.cluster.name): after " + scenario.failures.map { $0.describe(model) }.joined(separator: ", "))
        }
        var bytes: [UInt8]
        switch o.format {
        case .dot: bytes = Array(DOTRenderer.render(graph).utf8)
        case .mermaid: bytes = Array(MermaidRenderer.render(graph).utf8)
        case .svg, .png:
            switch Graphviz.render(DOTRenderer.render(graph), format: o.format.rawValue) {
            case .success(let b): bytes = b
            case .failure(let e):
                out.stderr += "lvsc graph: \(e.message)\n"
                out.exitCode = e.missing ? .usage : .system
                return out
            }
        }
        if let path = o.out {
            if case .failure(let e) = SafeFiles.writeFresh(path, bytes) {
                out.stderr += "lvsc graph: \(e.message)\n"
                out.exitCode = .usage
                return out
            }
            out.stderr += "lvsc graph: wrote \(Shown.path(path)) (\(graph.nodes.count) nodes, \(graph.edges.count) edges)\n"
        } else {
            if o.format == .png && isatty(1) == 1 {
                out.stderr += "lvsc graph: PNG is binary; give --out FILE or redirect standard output\n"
                out.exitCode = .usage
                return out
            }
            out.stdout += bytes
        }
        return out
    }
}

/// Graphviz's `dot`, run on a file in a private temporary folder: lvsc passes no name of the
/// user's to it, and reads back only what it wrote.
enum Graphviz {
    struct Failure: Error {
        var message: String
        /// dot is not installed (a usage problem), as opposed to dot failing.
        var missing = false
    }

    static func render(_ dot: String, format: String) -> Result<[UInt8], Failure> {
        guard let tool = Tool.find("dot") else {
            return .failure(Failure(message: "Graphviz's dot is not installed (apt-get install graphviz); --format dot and mermaid need nothing", missing: true))
        }
        let folder: String
        switch Tool.temporaryFolder("lvsc-graph") {
        case .failure(let e): return .failure(Failure(message: e.message))
        case .success(let f): folder = f
        }
        let input = folder + "/graph.dot"
        defer { unlink(input); rmdir(folder) }
        if case .failure(let e) = SafeFiles.writeFresh(input, Array(dot.utf8)) { return .failure(Failure(message: e.message)) }
        switch Tool.run([tool, "-T" + format, input]) {
        case .failure(let e): return .failure(Failure(message: e.message))
        case .success(let r):
            guard r.status == 0 else { return .failure(Failure(message: "\(tool) -T\(format) failed (exit \(r.status)): \(r.stderr)")) }
            return .success(r.stdout)
        }
    }
}
