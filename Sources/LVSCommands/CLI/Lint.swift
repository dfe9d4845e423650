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
        Without --config-id, a file with @id lines is checked once per id it names, and each \
        finding says under which ids it holds. With --inventory (or with no arguments where a \
        cluster.txt is), every director's file is read with the director's name as config id \
        and the cluster rules run across all of them.
        """)

    @Argument(help: "keepalived.conf files; - for standard input", completion: .file(extensions: ["conf"]))
    public var files: [String] = []

    @Option(help: ArgumentHelp("cluster.txt: lint every director it names (with its name as config id) and the cluster rules", valueName: "cluster.txt"),
            completion: .file(extensions: ["txt"]))
    public var inventory: String?

    @Option(help: ArgumentHelp("Output format: text, json, sarif or github", valueName: "format"))
    public var format: DiagnosticFormat = .text

    @Option(name: .customLong("config-id"), help: ArgumentHelp("keepalived's -i: which @id lines apply", valueName: "id"))
    public var configID: String?

    @Flag(name: .customLong("find-inventory"), help: "Lint each file as part of the cluster whose cluster.txt is in its folder or above, and skip files that no cluster names and that hold no keepalived keyword (for pre-commit)")
    public var findInventory = false

    @Flag(help: "Treat warnings as errors for the exit code")
    public var werror = false

    @Option(name: .customLong("disable"), help: ArgumentHelp("Do not report these rules (ids, comma-separated; repeatable)", valueName: "rule"))
    public var disable: [String] = []

    @Option(name: .customLong("error"), help: ArgumentHelp("Report these rules as errors", valueName: "rule"))
    public var raiseToError: [String] = []

    @Option(name: .customLong("warning"), help: ArgumentHelp("Report these rules as warnings", valueName: "rule"))
    public var setToWarning: [String] = []

    @Option(name: .customLong("note"), help: ArgumentHelp("Report these rules as notes (they never fail the run)", valueName: "rule"))
    public var lowerToNote: [String] = []

    @Option(name: .customLong("rules"), help: ArgumentHelp("Rule settings file (default: the .lvsc-rules in the current folder or the nearest one above)", valueName: "file"),
            completion: .file())
    public var rulesFile: String?

    @Flag(name: .shortAndLong, help: "Hide notes")
    public var quiet = false

    public init() {}

    public func validate() throws {
        if files.isEmpty && LintCommand.defaultInventory(paths: files, inventory: inventory) == nil {
            throw ValidationError("give keepalived.conf files, --inventory cluster.txt, or run where a cluster.txt is")
        }
        for list in disable + raiseToError + setToWarning + lowerToNote {
            if case .failure(let e) = RulePolicy.ruleIDs(list) { throw ValidationError(e.message) }
        }
    }

    /// The settings file, then the command line (which wins).
    func policy() -> Result<RulePolicy, RulePolicy.PolicyError> {
        var policy: RulePolicy
        switch LintCommand.settingsFile(rulesFile) {
        case .failure(let e): return .failure(e)
        case .success(let p): policy = p
        }
        for (verb, lists) in [("disable", disable), ("error", raiseToError), ("warning", setToWarning), ("note", lowerToNote)] {
            for list in lists {
                guard case .success(let ids) = RulePolicy.ruleIDs(list) else { continue }
                for id in ids { policy.set(verb, id) }
            }
        }
        return .success(policy)
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

    /// The rule settings file named, or the `.lvsc-rules` found from the current folder up
    /// (an empty policy when there is none).
    static func settingsFile(_ explicit: String?) -> Result<RulePolicy, RulePolicy.PolicyError> {
        var cwd = [CChar](repeating: 0, count: 4096)
        let here = getcwd(&cwd, cwd.count).map { _ in String(decoding: cwd.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) } ?? "."
        guard let path = explicit ?? RulePolicy.find(from: here) else { return .success(RulePolicy()) }
        switch ConfigParser.readAll(path) {
        case .failure(let e): return .failure(RulePolicy.PolicyError(message: "cannot read rule settings \(Shown.path(path)): \(e.message)"))
        case .success(let bytes): return RulePolicy.parse(bytes, path: path)
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
        let policy: RulePolicy
        switch lint.policy() {
        case .failure(let e):
            out.stderr = "lvsc: \(e.message)\n"
            out.exitCode = .usage
            return out
        case .success(let p): policy = p
        }
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
                // A pre-commit hook sees every *.conf of the repository: one that no cluster
                // names and that holds no keepalived keyword (an nginx site) is not ours.
                if options.findInventory, result.diagnostics.contains(where: { $0.rule == .notKeepalived && $0.span?.file == UInt32(file.id) }) {
                    out.stderr += "lvsc: skipped \(Shown.path(path)): no cluster.txt names it and it holds no keepalived keyword\n"
                    continue
                }
                all += result.diagnostics
                out.retained.append(result)
                dropped += result.dropped
                droppedErrors += result.droppedErrors
                droppedWarnings += result.droppedWarnings
            }
        }
        let renderer = DiagnosticRenderer(sources: sources, rules: RuleCatalog.all.map(\.descriptor),
                                          color: color, toolVersion: lvscVersion)
        // One finding per cause: a file read both in a cluster and on its own reports once.
        var seen = Set<Diagnostic>()
        all = policy.apply(all.filter { seen.insert($0).inserted })
        let shown = options.quiet ? all.filter { $0.severity != .note } : all
        out.stdout = OutputBytes(renderer.render(shown, format: options.format))
        let active = all.filter(\.isActive)
        let errors = active.filter { $0.severity == .error }.count + droppedErrors
        let warnings = active.filter { $0.severity == .warning }.count + droppedWarnings
        let suppressed = all.count - active.count
        if dropped > 0 {
            out.stderr += "lvsc: \(dropped) more findings not shown (\(droppedErrors) errors, \(droppedWarnings) warnings); each file shows its first 2000\n"
        }
        // Nothing could be read: the reason was said; a count of findings would suggest a check.
        let readSomething = !out.retained.isEmpty
        if options.format == .text, readSomething {
            let silenced = suppressed > 0 ? ", \(suppressed) suppressed by lvsc-ignore comments" : ""
            out.stderr += "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\(silenced)\n"
        }
        if unreadable { out.exitCode = .usage }
        else if errors > 0 || (options.werror && warnings > 0) { out.exitCode = .findings }
        return out
    }
}
