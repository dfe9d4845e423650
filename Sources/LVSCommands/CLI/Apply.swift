import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc apply`
public struct Apply: OutputCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Plan against the kernel's live state and apply it through netlink.",
        discussion: "Never flushes, never deletes a service the configuration still has; a second apply makes no netlink writes.")

    @OptionGroup public var cluster: ClusterOptions

    @Flag(name: .customLong("dry-run"), help: "Print the plan and change nothing")
    public var dryRun = false

    @Option(help: ArgumentHelp("Requests sent before their acknowledgements are read", valueName: "count"))
    public var window: Int = 256

    @Flag(help: "Print how long each phase took")
    public var timings = false

    @Option(help: ArgumentHelp("Remember what was applied in FILE; the next apply reads only the services the configuration changes (plus a spot check of three others), not the whole table", valueName: "FILE"),
            completion: .file())
    public var cache: String?

    @Flag(name: .customLong("take-over"), help: "Apply even though keepalived (not -P) or ldirectord manages this director's IPVS table")
    public var takeOver = false

    public init() {}

    public func execute() -> CommandOutput { ApplyCommand.run(self) }
}

/// `lvsc apply`
public enum ApplyCommand {
    static func run(_ o: Apply) -> CommandOutput {
        var out = CommandOutput()
        let src = o.cluster
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
        do throws(KernelError) { kernel = try NetlinkKernel(window: max(1, o.window)) } catch {
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
