import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc fmt`
public struct Fmt: OutputCommand {
    public static let configuration = CommandConfiguration(abstract: "Format keepalived.conf files canonically (comments kept; same model).")

    @Argument(help: "keepalived.conf files; - for standard input", completion: .file(extensions: ["conf"]))
    public var files: [String] = []

    @Option(help: ArgumentHelp("Every keepalived.conf this cluster.txt names (conf=)", valueName: "file"), completion: .file(extensions: ["txt"]))
    public var inventory: String?

    @Flag(name: .shortAndLong, help: "Rewrite the files in place")
    public var write = false

    @Flag(help: "List files that are not formatted; exit 1 if any")
    public var check = false

    @Flag(help: "With --check: print what fmt would change, as a unified diff")
    public var diff = false

    public init() {}

    public func validate() throws {
        if files.isEmpty && inventory == nil { throw ValidationError("give files or --inventory cluster.txt") }
        if write && check { throw ValidationError("--write and --check exclude each other") }
        if diff && !check { throw ValidationError("--diff goes with --check") }
    }

    public func execute() -> CommandOutput {
        var paths = files
        if let inventory {
            switch FormatCommand.inventoryFiles(inventory) {
            case .success(let named): paths += named
            case .failure(let e):
                var out = CommandOutput()
                out.stderr = "lvsc: \(e.message)\n"
                out.exitCode = .usage
                return out
            }
        }
        return FormatCommand.run(paths: paths, mode: write ? .write : (check ? .check : .print), diff: diff)
    }
}

/// `lvsc fmt FILE…`
public enum FormatCommand {
    public enum Mode { case print, write, check }

    /// The files a cluster.txt names with conf=, each once, in inventory order.
    public static func inventoryFiles(_ path: String) -> Result<[String], SafeFiles.Failure> {
        let sources = SourceManager()
        switch ClusterLoader.load(inventoryPath: path, sources: sources) {
        case .failure(let e): return .failure(SafeFiles.Failure(message: "cannot read inventory \(Shown.path(path)): \(e.message)"))
        case .success(let cluster):
            var seen = Set<String>()
            let files = cluster.directors.map(\.configPath).filter { seen.insert($0).inserted }
            if let bad = cluster.diagnostics.items.first(where: { $0.rule == .inventoryConf }) {
                return .failure(SafeFiles.Failure(message: bad.message))
            }
            return .success(files)
        }
    }

    public static func run(paths: [String], mode: Mode, diff: Bool = false) -> CommandOutput {
        var out = CommandOutput()
        for path in paths {
            let bytes: [UInt8]
            var snapshot: SafeFiles.Snapshot?
            if mode == .write {
                guard path != "-" else {
                    out.stderr += "lvsc: --write needs files, not standard input\n"; out.exitCode = .usage; continue
                }
                switch SafeFiles.readForReplace(path) {
                case .failure(let e): out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; continue
                case .success(nil): out.stderr += "lvsc: cannot read \(Shown.path(path)): No such file or directory\n"; out.exitCode = .usage; continue
                case .success(let s?): snapshot = s; bytes = s.bytes
                }
            } else {
                switch ConfigParser.readAll(path) {
                case .failure(let e):
                    out.stderr += "lvsc: cannot read \(Shown.path(path)): \(e.message)\n"; out.exitCode = .usage; continue
                case .success(let b): bytes = b
                }
            }
            // A file keepalived misreads is not reformatted: its structure is not certain.
            let sources = SourceManager()
            let file = sources.add(path: path == "-" ? "<stdin>" : path, bytes: bytes)
            let variants = FrontEnd.read(file: file, sources: sources, configID: nil)
            let syntax = variants.flatMap { $0.diagnostics.items }.filter {
                $0.rule == .syntax || $0.rule == .notKeepalived || $0.message.contains(Lowering.braceIgnored)
            }
            if !syntax.isEmpty {
                let renderer = DiagnosticRenderer(sources: sources, rules: RuleCatalog.all.map(\.descriptor), color: false, toolVersion: lvscVersion)
                out.stderr += renderer.render(syntax, format: .text)
                out.stderr += "lvsc: \(Shown.path(path)) has syntax errors or is not a keepalived configuration (see above); not formatted\n"
                if out.exitCode == .clean { out.exitCode = .findings }
                continue
            }
            let formatted: [UInt8]
            switch KeepalivedFormatter.formatPreservingModel(bytes, path: path == "-" ? "<stdin>" : path) {
            case .success(let f): formatted = f
            case .failure(let refusal):
                out.stderr += "lvsc: \(Shown.path(path)): \(refusal.message)\n"
                if out.exitCode == .clean { out.exitCode = .findings }
                if mode == .print { out.stdout += bytes }
                continue
            }
            switch mode {
            case .print:
                out.stdout += formatted
            case .check:
                if formatted != bytes {
                    out.stdout += diff ? UnifiedDiff.render(bytes, formatted, path: path) : Array("\(path)\n".utf8)
                    if out.exitCode == .clean { out.exitCode = .findings }
                }
            case .write:
                if formatted != bytes {
                    if case .failure(let e) = SafeFiles.replace(path, with: formatted, snapshot: snapshot) {
                        out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; continue
                    }
                    out.stderr += "lvsc: formatted \(Shown.path(path))\n"
                }
            }
        }
        return out
    }
}
