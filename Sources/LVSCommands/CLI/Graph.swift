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

    static func executable() -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where dir.hasPrefix("/") {
            let candidate = "\(dir)/dot"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static func render(_ dot: String, format: String) -> Result<[UInt8], Failure> {
        guard let tool = executable() else {
            return .failure(Failure(message: "Graphviz's dot is not installed (apt-get install graphviz); --format dot and mermaid need nothing", missing: true))
        }
        var template = Array("/tmp/lvsc-graph-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return .failure(Failure(message: "cannot make a temporary folder: \(String(cString: strerror(errno)))")) }
        let folder = String(cString: made)
        let input = folder + "/graph.dot", output = folder + "/graph." + format
        defer { unlink(input); unlink(output); rmdir(folder) }
        if case .failure(let e) = SafeFiles.writeFresh(input, Array(dot.utf8)) { return .failure(Failure(message: e.message)) }
        let argv = [tool, "-T" + format, "-o", output, input]
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dot's own complaints go to lvsc's standard error; its standard input is empty.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, &cargs, environ)
        guard spawned == 0 else { return .failure(Failure(message: "cannot run \(tool): \(String(cString: strerror(spawned)))")) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        guard exited == 0 else { return .failure(Failure(message: "\(tool) -T\(format) failed (exit \(exited))")) }
        let fd = open(output, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return .failure(Failure(message: "\(tool) wrote nothing")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return .success(bytes)
    }
}
