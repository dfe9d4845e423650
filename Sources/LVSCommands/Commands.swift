@_exported import LVSCheck
@_exported import LVSModel
#if canImport(Glibc)
import Glibc
#endif

public let lvscVersion = "0.1.0"

/// Exit codes every lvsc command uses.
public enum ExitCode: Int32 {
    /// No errors (and no warnings under --werror).
    case clean = 0
    /// Findings at error severity (or warnings under --werror).
    case findings = 1
    /// Usage errors, unreadable input.
    case usage = 2
    /// The system cannot do it: no IPVS in the kernel, no privileges, a missing scheduler module
    /// or interface.
    case system = 3
    /// The kernel's state changed while applying (an object appeared or vanished): run again.
    case stateChanged = 4
}

/// What a command prints on standard output, as bytes: a file lvsc reformats or regenerates
/// keeps every byte it had (a Latin-1 `auth_pass`, a NUL in a comment), which a String built
/// from those bytes would not.
public struct OutputBytes: Equatable, ExpressibleByStringLiteral {
    public var bytes: [UInt8] = []

    public init() {}
    public init(_ text: String) { bytes = Array(text.utf8) }
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(stringLiteral value: String) { self.init(value) }

    public var isEmpty: Bool { bytes.isEmpty }
    /// For tests and messages: the bytes as text (invalid UTF-8 shown as U+FFFD).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public static func += (lhs: inout OutputBytes, rhs: String) { lhs.bytes += rhs.utf8 }
    public static func += (lhs: inout OutputBytes, rhs: [UInt8]) { lhs.bytes += rhs }
}

/// What a command prints and how it ends; the CLI only writes it out.
public struct CommandOutput {
    public var stdout = OutputBytes()
    public var stderr = ""
    public var exitCode: ExitCode = .clean
    /// What the command built (models, lint results) and no longer needs. A library caller
    /// drops it with the output; the `lvsc` executable keeps it until it exits, because freeing a
    /// model of 50,000 objects costs a tenth of a one-shot run and gains nothing.
    public var retained: [Any] = []

    public init() {}
}

public struct LintOptions {
    public var paths: [String]
    /// cluster.txt: lint every director it names and the cluster rules.
    public var inventory: String?
    /// Lint each file as part of the cluster whose cluster.txt is in its folder or above
    /// (the pre-commit hook: a change to one director's file re-checks its whole cluster).
    public var findInventory = false
    public var format: DiagnosticFormat = .text
    public var configID: String?
    public var werror = false
    public var color = false
    public var quiet = false

    public init(paths: [String]) { self.paths = paths }
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

    public static func run(_ options: LintOptions) -> CommandOutput {
        var options = options
        var inventories: [String] = options.inventory.map { [$0] } ?? []
        if options.findInventory {
            for p in options.paths {
                if let inv = nearestInventory(of: p), !inventories.map(realPath).contains(realPath(inv)) { inventories.append(inv) }
            }
            // cluster.txt itself is linted as the inventory, not as a keepalived.conf.
            options.paths = options.paths.filter { !$0.hasSuffix("cluster.txt") }
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
        for path in options.paths where path == "-" || !clusterFiles.contains(realPath(path)) {
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
                                          color: options.color, toolVersion: lvscVersion)
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

/// `lvsc explain ID` — a rule, or a keyword from the grammar table.
public enum ExplainCommand {
    public static func run(_ id: String) -> CommandOutput {
        var out = CommandOutput()
        if let rule = RuleCatalog.rule(named: id) {
            out.stdout += "\(rule.id) (\(rule.severity.name)): \(rule.summary)\n\n\(rule.explanation)\n"
            return out
        }
        let specs = KeywordTable.shared.all(named: id)
        if !specs.isEmpty {
            for s in specs {
                out.stdout += "\(s.name) in \(s.context): \(s.summary)\n"
                if let a = s.aliasOf { out.stdout += "  alias of: \(a)\(s.deprecatedAlias ? " (deprecated spelling)" : "")\n" }
                if let lo = s.min, let hi = s.max { out.stdout += "  range: \(NumberParser.format(lo))..\(NumberParser.format(hi))\n" }
                if let d = s.defaultValue { out.stdout += "  default: \(d)\n" }
                switch s.status {
                case .deprecated(let why): out.stdout += "  deprecated: \(why)\n"
                case .removed(let why): out.stdout += "  removed: \(why)\n"
                case .untyped: out.stdout += "  kept but not modelled by lvsc yet\n"
                case .current: break
                }
                if let v = s.since { out.stdout += "  since keepalived \(v)\n" }
            }
            return out
        }
        out.stderr = "lvsc: no rule or keyword named '\(id)'. Rules: \(RuleCatalog.all.map(\.id.rawValue).joined(separator: ", "))\n"
        out.exitCode = .usage
        return out
    }

    public static func list() -> CommandOutput {
        var out = CommandOutput()
        for r in RuleCatalog.all {
            out.stdout += r.id.rawValue.padding(24) + r.severity.name.padding(9) + r.summary + "\n"
        }
        return out
    }
}

/// `lvsc dump FILE` — the model as JSON, one object per config-id variant.
public enum DumpCommand {
    public static func run(path: String, configID: String?) -> CommandOutput {
        var out = CommandOutput()
        let sources = SourceManager()
        switch ConfigParser.readAll(path) {
        case .failure(let e):
            out.stderr = "lvsc: cannot read \(Shown.path(path)): \(e.message)\n"
            out.exitCode = .usage
        case .success(let bytes):
            let file = sources.add(path: path == "-" ? "<stdin>" : path, bytes: bytes)
            let variants = FrontEnd.read(file: file, sources: sources, configID: configID)
            let json = ModelJSON(sources: sources, environment: variants.flatMap(\.environment))
            out.stdout += JSON.array(variants.map { json.config($0.config) }).rendered() + "\n"
            if variants.contains(where: { $0.diagnostics.hasErrors }) {
                out.stderr = "lvsc: the file has errors (run lvsc lint); the model shows what was understood\n"
                out.exitCode = .findings
            }
        }
        return out
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
