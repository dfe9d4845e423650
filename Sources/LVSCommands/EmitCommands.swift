@_exported import LVSEmit
@_exported import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// Where a command finds its cluster: `--inventory FILE`, `-f FILE` (one director), or
/// ./cluster.txt.
public struct ClusterSource {
    public var inventory: String?
    public var file: String?
    public var host: String?
    public var force = false
    /// `--cluster NAME`: the cluster's name, over `# lvsc: cluster=` in cluster.txt.
    public var clusterName: String?
    /// Off when a whole-cluster command already linted (and printed) the cluster once.
    var lintGate = true

    public init() {}
}

/// A cluster that loaded and passed the lint gate (or was forced through it).
struct LoadedCluster {
    var cluster: Cluster
    var sources: SourceManager
    var director: ClusterDirector?
}

enum ClusterGate {
    /// Loads the cluster, lints it, and refuses (exit 1, findings printed) when it has errors,
    /// unless forced; picks the director named by --host (or the only one).
    static func load(_ src: ClusterSource, needDirector: Bool, out: inout CommandOutput) -> LoadedCluster? {
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
        let errors = result.diagnostics.filter { $0.severity == .error }
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
    static func forEveryDirector(_ src: ClusterSource, folder: String, suffix: String,
                                 _ each: (ClusterSource) -> CommandOutput) -> CommandOutput {
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

    static func renderNotes(_ notes: [EmitNote], _ sources: SourceManager, severity: String = "note") -> String {
        var out = ""
        var seen = Set<EmitNote>()
        // A note about a group's real server holds for every service the group expands to: once.
        for n in notes where seen.insert(n).inserted {
            if let s = n.span {
                let r = sources.resolve(s)
                out += "\(r.path):\(r.line):\(r.column): \(severity): \(n.message)\n"
            } else {
                out += "lvsc: \(severity): \(n.message)\n"
            }
        }
        return out
    }
}

/// `lvsc emit ipvsadm`
public enum EmitIPVSCommand {
    public static func run(_ src: ClusterSource, style: IPVSScript.Style, allInto folder: String? = nil) -> CommandOutput {
        if let folder {
            return ClusterGate.forEveryDirector(src, folder: folder, suffix: style == .restore ? ".ipvsadm" : ".ipvsadm.sh") { s in
                run(s, style: style)
            }
        }
        var out = CommandOutput()
        guard let loaded = ClusterGate.load(src, needDirector: true, out: &out), let d = loaded.director else { return out }
        var compiler = IPVSCompiler()
        let table = compiler.compile(d.config!)
        let header = "IPVS table of \(d.name) (\(loaded.cluster.name)), generated by lvsc \(lvscVersion) from \(d.configPath)\nre-running it deletes and re-adds each service, dropping its connections; `lvsc apply` changes only what differs"
        let text = IPVSScript.render(table, style: style, header: header)
        if style == .commands, let bad = Shell.unsafeLines(text).first {
            return ClusterGate.refuseUnsafe(bad, out)
        }
        out.stdout += text
        out.stderr += ClusterGate.renderNotes(compiler.notes + IPVSScript.notes(table, style: style), loaded.sources)
        return out
    }
}

/// `lvsc emit rc-final`
public enum EmitRCFinalCommand {
    public struct Options {
        public var all = false
        public var outDir: String?
        public var update: String?
        public var rc = RCFinal.Options()

        public init() {}
    }

    public static func run(_ src: ClusterSource, _ o: Options) -> CommandOutput {
        var out = CommandOutput()
        guard let loaded = ClusterGate.load(src, needDirector: false, out: &out) else { return out }
        var rc = RCFinal(cluster: loaded.cluster, options: o.rc)
        if o.all {
            guard let dir = o.outDir else {
                out.stderr += "lvsc: --all needs --out DIR\n"; out.exitCode = .usage; return out
            }
            if case .failure(let e) = SafeFiles.ensureFolder(dir) {
                out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
            }
            for h in rc.hostsWithRoles {
                guard let block = rc.block(for: h) else { continue }
                if let bad = Shell.unsafeLines(block).first { return ClusterGate.refuseUnsafe(bad, out) }
                // Not even --force writes a file whose name would leave the folder.
                if let problem = ValueSyntax.hostNameProblem(h.name.value) {
                    out.stderr += "lvsc: no file for \(Shown.text(h.name.value)): \(problem)\n"
                    out.exitCode = .usage
                    continue
                }
                let path = dir + "/" + h.name.value + ".rc.final"
                // Fresh files in the output folder: written in place (a rename per file doubles
                // the directory work for 40,000 hosts), never through a link.
                if case .failure(let e) = SafeFiles.writeFresh(path, Array(block.utf8)) {
                    out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
                }
                out.stdout += "\(path)\n"
            }
            // What was not written, and why: nothing is skipped without a word.
            out.stderr += EmitRCFinalCommand.skipped(rc, loaded.cluster)
        } else {
            guard let name = src.host else {
                out.stderr += "lvsc: name the host with --host NAME, or --all --out DIR\n"; out.exitCode = .usage; return out
            }
            guard let host = loaded.cluster.inventory.hosts.first(where: { $0.name.value == name }) else {
                out.stderr += "lvsc: no host \(name) in \(loaded.cluster.inventory.path)\n"; out.exitCode = .usage; return out
            }
            guard let block = rc.block(for: host) else {
                out.stderr += "lvsc: \(name) is neither a director nor a real server of any director: no rc.final block\n"; out.exitCode = .usage; return out
            }
            if let bad = Shell.unsafeLines(block).first { return ClusterGate.refuseUnsafe(bad, out) }
            if let path = o.update {
                let snapshot: SafeFiles.Snapshot?
                switch SafeFiles.readForReplace(path) {
                case .failure(let e): out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
                case .success(let s): snapshot = s
                }
                let existing = snapshot?.bytes ?? []
                let updated: [UInt8]
                switch RCFinal.updateReporting(existing, cluster: loaded.cluster.name, host: name, block: block) {
                case .failure(let e):
                    out.stderr += "lvsc: \(Shown.path(path)): \(e.message); the file is unchanged\n"; out.exitCode = .usage; return out
                case .success(let u):
                    updated = u.bytes
                    if let old = u.replacedCluster {
                        out.stderr += "lvsc: \(Shown.path(path)): replaced \(name)'s block written under cluster name '\(Shown.text(old))' with one under '\(loaded.cluster.name)'\n"
                    }
                }
                if updated != existing || snapshot == nil {
                    if case .failure(let e) = SafeFiles.replace(path, with: updated, snapshot: snapshot) {
                        out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
                    }
                    out.stderr += "lvsc: updated \(Shown.path(path))\n"
                } else {
                    out.stderr += "lvsc: \(Shown.path(path)) is up to date\n"
                }
            } else {
                out.stdout += block
            }
        }
        out.stderr += ClusterGate.renderNotes(rc.warnings, loaded.sources, severity: "warning")
        return out
    }

}

extension EmitRCFinalCommand {
    /// Inventory hosts with no block and real servers with no host line, one line each.
    static func skipped(_ rc: RCFinal, _ cluster: Cluster) -> String {
        var out = ""
        for h in cluster.inventory.hosts where rc.role(of: h) == nil {
            let why = h.isFloatingVIP ? "a floating VIP (the MASTER director holds it)" : "neither a director nor a real server of any director"
            out += "lvsc: no block for \(Shown.text(h.name.value)): \(why)\n"
        }
        let known = cluster.hostIndex()
        var seen = Set<IPAddress>()
        for d in cluster.directors where cluster.hasInventory {
            for vs in d.config?.virtualServers ?? [] {
                for rs in vs.realServers where known[rs.address.value] == nil && seen.insert(rs.address.value).inserted {
                    out += "lvsc: no block for real server \(rs.address.value) of \(d.name): it has no line in \(Shown.path(cluster.inventory.path))\n"
                }
            }
        }
        return out
    }
}

/// `lvsc emit systemd`
public enum EmitSystemdCommand {
    public static func run(_ src: ClusterSource, all: Bool, out folder: String, rc options: RCFinal.Options) -> CommandOutput {
        var out = CommandOutput()
        guard let loaded = ClusterGate.load(src, needDirector: false, out: &out) else { return out }
        var rc = RCFinal(cluster: loaded.cluster, options: options)
        var hosts: [InventoryHost] = []
        if all {
            hosts = rc.hostsWithRoles
        } else {
            guard let name = src.host, let h = loaded.cluster.inventory.hosts.first(where: { $0.name.value == name }) else {
                out.stderr += "lvsc: name a host of the inventory with --host NAME, or --all\n"; out.exitCode = .usage; return out
            }
            hosts = [h]
        }
        for h in hosts {
            if let problem = ValueSyntax.hostNameProblem(h.name.value) {
                out.stderr += "lvsc: no files for \(Shown.text(h.name.value)): \(problem)\n"; out.exitCode = .usage; continue
            }
            if let block = rc.block(for: h), let bad = Shell.unsafeLines(block).first { return ClusterGate.refuseUnsafe(bad, out) }
            guard let files = SystemdUnits.files(for: h, rc: &rc) else {
                out.stderr += "lvsc: \(Shown.text(h.name.value)) is neither a director nor a real server of any director: no files\n"; out.exitCode = .usage; continue
            }
            // One tree per host under --all (DIR/HOST/etc/…), the host's own root otherwise.
            let root = all ? folder + "/" + h.name.value : folder
            for f in files {
                let path = root + "/" + f.path
                let dir = String(path[..<path.lastIndex(of: "/")!])
                if case .failure(let e) = SafeFiles.ensureFolder(dir) { out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out }
                if case .failure(let e) = SafeFiles.writeFresh(path, Array(f.text.utf8)) { out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out }
                out.stdout += "\(path)\n"
            }
        }
        if all { out.stderr += EmitRCFinalCommand.skipped(rc, loaded.cluster) }
        out.stderr += ClusterGate.renderNotes(rc.warnings, loaded.sources, severity: "warning")
        return out
    }
}

/// `lvsc emit keepalived`
public enum EmitKeepalivedCommand {
    public static func run(_ src: ClusterSource, allInto folder: String? = nil) -> CommandOutput {
        if let folder {
            return ClusterGate.forEveryDirector(src, folder: folder, suffix: ".keepalived.conf") { s in run(s) }
        }
        var out = CommandOutput()
        guard let loaded = ClusterGate.load(src, needDirector: true, out: &out), let d = loaded.director else { return out }
        var emitter = KeepalivedEmitter(cluster: loaded.cluster, sources: loaded.sources)
        guard let text = emitter.emit(host: d.name) else {
            out.stderr += "lvsc: \(d.name)'s configuration could not be read\n"; out.exitCode = .usage; return out
        }
        out.stdout += text
        out.stderr += ClusterGate.renderNotes(emitter.notes, loaded.sources)
        return out
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
            let syntax = variants.flatMap { $0.diagnostics.items }.filter { $0.rule == .syntax || $0.rule == .notKeepalived }
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

/// `lvsc plan`
public enum PlanCommand {
    public enum Format: String, CaseIterable { case text, json }

    public struct Options {
        public var state: String?
        public var live = false
        public var format: Format = .text
        public var explain = false
        /// Print how long each phase took (for the benchmark: planning beyond parsing).
        public var timings = false

        public init() {}
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    }

    /// Current state from a file: lvsc's JSON state, or ipvsadm-save text.
    public static func readState(_ path: String) -> Result<DirectorState, ConfigParser.ReadError> {
        switch ConfigParser.readAll(path) {
        case .failure(let e): return .failure(e)
        case .success(let bytes):
            var k = 0
            while k < bytes.count, bytes[k] == 0x20 || bytes[k] == 0x0A || bytes[k] == 0x09 || bytes[k] == 0x0D { k += 1 }
            if k < bytes.count, bytes[k] == UInt8(ascii: "{") {
                return StateJSON.parse(bytes).mapError { ConfigParser.ReadError(message: $0.message) }
            }
            // `ipvsadm -L -n` is a listing for people; the rules it stands for are in -save's output.
            let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
            if text.contains("IP Virtual Server version") || text.contains("Prot LocalAddress:Port") {
                return .failure(ConfigParser.ReadError(message: "this is 'ipvsadm -L -n' output; give 'ipvsadm-save -n' output (the same table as rules lvsc can read)"))
            }
            // ipvsadm-save holds the table only: the plan leaves sysctls alone (and says so).
            return IPVSText.parse(String(decoding: bytes, as: UTF8.self)).map { DirectorState(table: $0) }
                .mapError { ConfigParser.ReadError(message: "not ipvsadm-save output: \($0)") }
        }
    }

    public static func run(_ src: ClusterSource, _ o: Options) -> CommandOutput {
        var out = CommandOutput()
        if o.live && o.state != nil {
            out.stderr = "lvsc: give --state FILE or --live, not both\n"
            out.exitCode = .usage
            return out
        }
        let t0 = now()
        guard let loaded = ClusterGate.load(src, needDirector: true, out: &out), let d = loaded.director else { return out }
        let t1 = now()
        var current = DirectorState(table: IPVSTable(), addresses: [], sysctls: [:])
        var notes: [EmitNote] = []
        let desired = DirectorState.desired(for: d, notes: &notes)
        // The same notes as emit ipvsadm: what the table cannot say (health checks above all).
        out.stderr += ClusterGate.renderNotes(notes, loaded.sources)
        let tc = now()
        if o.live {
            if let owner = TableOwner.running().first {
                out.stderr += "lvsc: note: \(owner.program) (pid \(owner.pid)) manages this table: the plan shows how far the kernel is from the configuration, including what its checkers changed\n"
            }
            do throws(KernelError) {
                current = try ApplyEngine(kernel: try NetlinkKernel()).live(desired: desired)
            } catch {
                out.fail(error)
                return out
            }
        } else if let path = o.state {
            switch readState(path) {
            case .failure(let e):
                out.stderr += "lvsc: cannot read state \(Shown.path(path)): \(e.message)\n"; out.exitCode = .usage; return out
            case .success(let s): current = s
            }
        }
        let t2 = now()
        let plan = Plan.make(from: current, to: desired)
        // Without a state the plan sets every sysctl; a state without sysctls (ipvsadm-save)
        // cannot say whether they are set, so the plan names them instead of leaving them out silently.
        if current.sysctls == nil, let want = desired.sysctls, !want.isEmpty {
            out.stderr += "lvsc: note: ipvsadm-save holds no sysctls, so the plan leaves them alone; the director needs \(want.keys.sorted().map { "\($0)=\(want[$0]!)" }.joined(separator: ", ")) (lvsc state --format json records them)\n"
        }
        let t3 = now()
        let render = PlanRender(sources: loaded.sources)
        switch o.format {
        case .text:
            out.stdout += render.text(plan, explain: o.explain)
            out.stderr += "\(plan.operations.count) operation\(plan.operations.count == 1 ? "" : "s")\(plan.isEmpty ? ": the state already matches \(d.name)'s configuration" : "")\n"
        case .json:
            out.stdout += render.json(plan)
        }
        if o.timings {
            func ms(_ x: Double) -> String { NumberParser.format((x * 10).rounded() / 10) }
            out.stderr += "timings: parse+lint \(ms(t1 - t0)) ms, read state \(ms(t2 - tc)) ms, compile+plan \(ms(tc - t1 + t3 - t2)) ms, render \(ms(now() - t3)) ms\n"
        }
        return out
    }
}
