import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

extension CommandOutput {
    /// A kernel failure: its sentence, and its exit status (decided by `KernelError.exitCode`).
    mutating func fail(_ e: KernelError) {
        stderr += "lvsc: \(e)\n"
        exitCode = e.exitCode == 4 ? .stateChanged : .system
    }
}

/// `lvsc state`
public enum StateCommand {
    public enum Format: String, CaseIterable { case ipvsadm, json }

    public static func run(format: Format) -> CommandOutput {
        var out = CommandOutput()
        do throws(KernelError) {
            let kernel = try NetlinkKernel()
            let table = try kernel.table()
            switch format {
            case .ipvsadm: out.stdout += IPVSText.save(table)
            case .json:
                // What the kernel reports, without labels: the state file keys addresses as the
                // kernel does.
                let addresses = try kernel.addresses().map { HostAddress(prefix: $0.prefix, interface: $0.interface) }
                var sysctls: [String: String] = [:]
                for n in ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"] { if let v = kernel.sysctl(n) { sysctls[n] = v } }
                let daemons = try kernel.syncDaemons().map { $0.normalized(like: []) }
                out.stdout += StateJSON.render(DirectorState(table: table, addresses: addresses, sysctls: sysctls, syncDaemons: daemons))
            }
        } catch {
            out.fail(error)
        }
        return out
    }
}

/// `lvsc apply`
public enum ApplyCommand {
    public struct Options {
        public var dryRun = false
        public var window = 256
        public var timings = false
        /// `--cache FILE`: plan against what the last apply left, reading only the services
        /// that change (nil: read the whole table every time).
        public var cache: String?
        /// `--take-over`: apply even though keepalived (or ldirectord) manages the table.
        public var takeOver = false

        public init() {}
    }

    public static func run(_ src: ClusterSource, _ o: Options) -> CommandOutput {
        var out = CommandOutput()
        let t0 = PlanCommand.now()
        guard let loaded = ClusterGate.load(src, needDirector: true, out: &out), let d = loaded.director else { return out }
        var notes: [EmitNote] = []
        let desired = DirectorState.desired(for: d, notes: &notes)
        out.stderr += ClusterGate.renderNotes(notes, loaded.sources)
        if !o.dryRun, let owner = TableOwner.running().first {
            if !o.takeOver {
                out.stderr += "lvsc: \(owner.refusal)\n"
                out.exitCode = .system
                return out
            }
            out.stderr += "lvsc: warning: --take-over: applying although \(owner.program) (pid \(owner.pid)) manages this table; its checkers may undo this apply, and this apply undoes what they did\n"
        }
        var marks: [(String, Double)] = [("parse+lint+compile", PlanCommand.now())]
        // Appended on every way out (a defer would run after the returned value was copied).
        func timed(_ out: CommandOutput) -> CommandOutput {
            guard o.timings else { return out }
            var out = out
            var line = "timings:"
            var last = t0
            for (name, t) in marks { line += " \(name) \(NumberParser.format(((t - last) * 10).rounded() / 10)) ms,"; last = t }
            out.stderr += String(line.dropLast()) + "\n"
            return out
        }
        let render = PlanRender(sources: loaded.sources)
        let cacheFile: ApplyCacheFile?
        do throws(ApplyCacheFile.Failure) {
            cacheFile = try o.cache.map { p throws(ApplyCacheFile.Failure) in try ApplyCacheFile(path: p, host: d.name) }
        } catch {
            out.stderr += "lvsc: \(error.message)\n"
            out.exitCode = .system
            return timed(out)
        }
        if cacheFile != nil { marks.append(("lock cache", PlanCommand.now())) }
        let kernel: NetlinkKernel
        do throws(KernelError) { kernel = try NetlinkKernel(window: o.window) } catch {
            out.fail(error)
            return timed(out)
        }
        marks.append(("open netlink", PlanCommand.now()))
        let report = ApplyEngine(kernel: kernel, clock: PlanCommand.now).apply(desired, cache: cacheFile, dryRun: o.dryRun)
        marks += report.phases.map { ($0.name, $0.at) }
        if let why = report.cacheNotUsed, let file = cacheFile {
            out.stderr += "lvsc: cache \(file.path): \(why); reading the whole table\n"
        }
        let how = report.servicesRead.map { "; read \($0) of \(report.totalServices) services, the rest as the cache says" } ?? ""
        let plan = report.plan
        let count = "\(plan.operations.count) operation\(plan.operations.count == 1 ? "" : "s")"
        let cacheWarning = report.cacheWarning.map { "lvsc: warning: \($0); " } ?? ""
        switch report.outcome {
        case .dryRun:
            out.stdout += render.text(plan, explain: false)
            out.stderr += "\(count) would be applied (dry run\(how))\n"
        case .unchanged:
            out.stderr += "nothing to do: \(d.name)'s kernel state already matches its configuration (0 netlink writes\(how))\n"
            if !cacheWarning.isEmpty { out.stderr += cacheWarning + "the cache is left as it was\n" }
        case .applied:
            out.stdout += render.text(plan, explain: false)
            out.stderr += "applied \(count) to \(d.name) (\(report.writes) netlink write\(report.writes == 1 ? "" : "s")\(how))\n"
            if !cacheWarning.isEmpty { out.stderr += cacheWarning + "the next apply reads the whole table\n" }
        case .failed(.cache(let message)):
            out.stderr += "lvsc: \(message)\n"
            out.exitCode = .system
        case .failed(.kernel(let e)):
            out.fail(e)
            if !plan.isEmpty {
                out.stderr += "lvsc: stopped after at most \(report.applied) of \(plan.operations.count) operations\n"
                if let rest = report.remaining {
                    out.stderr += "lvsc: the kernel now needs \(rest.operations.count) more operation\(rest.operations.count == 1 ? "" : "s"):\n" + render.text(rest, explain: false)
                }
            }
        }
        return timed(out)
    }
}
