import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

extension DiagnosticFormat: ExpressibleByArgument {}

/// `lvsc lint`
public struct Lint: OutputCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Check keepalived.conf files (- reads standard input).",
        discussion: """
        Without --config-id, a file with @id lines is checked once per id it names, and each
        finding says under which ids it holds. With --inventory (or with no arguments where a
        cluster.txt is), every director's file is read with the director's name as config id
        and the cluster rules run across all of them.
        """)

    @Argument(help: "keepalived.conf files; - for standard input", completion: .file(extensions: ["conf"]))
    public var files: [String] = []

    @Option(help: "cluster.txt: lint every director it names (with its name as config id) and the cluster rules",
            completion: .file(extensions: ["txt"]))
    public var inventory: String?

    @Option(help: "Output format: text, json, sarif or github")
    public var format: DiagnosticFormat = .text

    @Option(name: .customLong("config-id"), help: "keepalived's -i: which @id lines apply")
    public var configID: String?

    @Flag(name: .customLong("find-inventory"), help: "Lint each file as part of the cluster whose cluster.txt is in its folder or above (for pre-commit)")
    public var findInventory = false

    @Flag(help: "Treat warnings as errors for the exit code")
    public var werror = false

    @Flag(name: .shortAndLong, help: "Hide notes")
    public var quiet = false

    public init() {}

    public func validate() throws {
        if files.isEmpty && LintCommand.defaultInventory(paths: files, inventory: inventory) == nil {
            throw ValidationError("give keepalived.conf files, --inventory cluster.txt, or run where a cluster.txt is")
        }
    }

    public func execute() -> CommandOutput { LintCommand.run(self) }
}

/// `lvsc lint FILE…`
public enum LintCommand {
    /// With neither files nor --inventory, a cluster.txt in the current folder is the cluster.
    public static func defaultInventory(paths: [String], inventory: String?) -> String? {
        if inventory != nil || !paths.isEmpty { return inventory }
        return access("cluster.txt", F_OK) == 0 ? "cluster.txt" : nil
    }

    /// The cluster.txt in a file's folder or the nearest one above it (relative paths stay
    /// below the current folder).
    static func nearestInventory(of path: String) -> String? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "cluster.txt" { return path }
        parts.removeLast()
        while true {
            let folder = parts.joined(separator: "/")
            let candidate = folder.isEmpty ? (path.hasPrefix("/") ? "/cluster.txt" : "cluster.txt") : folder + "/cluster.txt"
            if access(candidate, F_OK) == 0 { return candidate }
            if parts.isEmpty || (parts.count == 1 && parts[0].isEmpty) { return nil }
            parts.removeLast()
        }
    }

    static func realPath(_ p: String) -> String {
        guard let r = realpath(p, nil) else { return p }
        defer { free(r) }
        return String(cString: r)
    }

    static func run(_ lint: Lint) -> CommandOutput {
        var paths = lint.files
        let options = lint
        let color = lint.format == .text && isatty(1) != 0 && getenv("NO_COLOR") == nil
        var inventories: [String] = defaultInventory(paths: lint.files, inventory: lint.inventory).map { [$0] } ?? []
        if options.findInventory {
            for p in paths {
                if let inv = nearestInventory(of: p), !inventories.map(realPath).contains(realPath(inv)) { inventories.append(inv) }
            }
            // cluster.txt itself is linted as the inventory, not as a keepalived.conf.
            paths = paths.filter { !$0.hasSuffix("cluster.txt") }
        }
        var out = CommandOutput()
        let sources = SourceManager()
        let linter = Linter(sources: sources)
        var all: [Diagnostic] = []
        var unreadable = false
        var dropped = 0, droppedErrors = 0, droppedWarnings = 0
        var clusterFiles = Set<String>()
        for inventory in inventories {
            switch ClusterLoader.load(inventoryPath: inventory, sources: sources) {
            case .failure(let e):
                out.stderr += "lvsc: cannot read inventory \(Shown.path(inventory)): \(e.message)\n"
                unreadable = true
            case .success(let cluster):
                let result = ClusterLinter(sources: sources).lint(cluster)
                for f in sources.files { clusterFiles.insert(realPath(f.path)) }
                all += result.diagnostics
                out.retained.append(result)
                dropped += result.dropped
                droppedErrors += result.droppedErrors
                droppedWarnings += result.droppedWarnings
            }
        }
        // A file the clusters already read (with its director's config id) is not linted again.
        for path in paths where path == "-" || !clusterFiles.contains(realPath(path)) {
            switch ConfigParser.readAll(path) {
            case .failure(let e):
                out.stderr += "lvsc: cannot read \(path == "-" ? "standard input" : Shown.path(path)): \(e.message)\n"
                unreadable = true
            case .success(let bytes):
                let file = sources.add(path: path == "-" ? "<stdin>" : path, bytes: bytes)
                let result = linter.lint(file: file, configID: options.configID)
                all += result.diagnostics
                out.retained.append(result)
                dropped += result.dropped
                droppedErrors += result.droppedErrors
                droppedWarnings += result.droppedWarnings
            }
        }
        let renderer = DiagnosticRenderer(sources: sources, rules: RuleCatalog.all.map(\.descriptor),
                                          color: color, toolVersion: lvscVersion)
        let shown = options.quiet ? all.filter { $0.severity != .note } : all
        out.stdout = OutputBytes(renderer.render(shown, format: options.format))
        let errors = all.filter { $0.severity == .error }.count + droppedErrors
        let warnings = all.filter { $0.severity == .warning }.count + droppedWarnings
        if dropped > 0 {
            out.stderr += "lvsc: \(dropped) more findings not shown (\(droppedErrors) errors, \(droppedWarnings) warnings); each file shows its first 2000\n"
        }
        if options.format == .text {
            out.stderr += "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n"
        }
        if unreadable { out.exitCode = .usage }
        else if errors > 0 || (options.werror && warnings > 0) { out.exitCode = .findings }
        return out
    }
}
