import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

extension PlanCommand.Format: ExpressibleByArgument {}

/// `lvsc plan`
public struct PlanCmd: OutputCommand {
    public static let configuration = CommandConfiguration(commandName: "plan", abstract: "The netlink operations that turn the current state into a director's compiled one.")

    @OptionGroup public var cluster: ClusterOptions

    @Option(help: ArgumentHelp("Current state: ipvsadm-save -n output or lvsc's JSON state (default: empty)", valueName: "file"), completion: .file())
    public var state: String?

    @Flag(help: "Read the current state from the kernel through netlink")
    public var live = false

    @Option(help: ArgumentHelp("text or json", valueName: "format"))
    public var format: PlanCommand.Format = .text

    @Flag(help: "Say for each operation which configuration line caused it")
    public var explain = false

    @Flag(help: "Print how long each phase took")
    public var timings = false

    public init() {}

    public func validate() throws {
        if live && state != nil { throw ValidationError("give --state FILE or --live, not both") }
    }

    public func execute() -> CommandOutput { PlanCommand.run(self) }
}

/// `lvsc plan`
public enum PlanCommand {
    public enum Format: String, CaseIterable { case text, json }

    static func now() -> Double { MonotonicClock.milliseconds() }

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

    static func run(_ o: PlanCmd) -> CommandOutput {
        var out = CommandOutput()
        let src = o.cluster
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
