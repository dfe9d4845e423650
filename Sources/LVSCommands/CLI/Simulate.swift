import ArgumentParser
import LVSSimulate

extension SimulateCommand.Format: ExpressibleByArgument {}

/// `lvsc simulate`
public struct Simulate: OutputCommand {
    public static let configuration = CommandConfiguration(
        abstract: "What happens when directors, links, scripts or real servers fail: the directors' own VRRP engines on a simulated LAN.",
        discussion: """
            Every director starts at once and settles; then the failures happen together. Exit status: 0 when \
            nothing is lost, 1 when a VIP is left without a MASTER (or with two), a service without a real \
            server or director, or a sync group splits; with --all-single-failures, 1 when any single failure \
            does that. 2 for bad options or a cluster that cannot be read.
            """)

    @OptionGroup public var cluster: ClusterOptions

    @OptionGroup public var failures: FailureOptions

    @Flag(help: "Then the failed parts come back: does the old MASTER preempt, or does the other keep the VIPs?")
    public var recover = false

    @Flag(help: "Every single director, link and real-server failure, and a table of the single points of failure")
    public var allSingleFailures = false

    @Option(help: ArgumentHelp("text or json", valueName: "format"))
    public var format: SimulateCommand.Format = .text

    @Flag(help: "Print how long each phase took (on standard error)")
    public var timings = false

    public init() {}

    public func validate() throws {
        if allSingleFailures && (!failures.isEmpty || recover) {
            throw ValidationError("--all-single-failures tries every failure itself: give no failure options with it")
        }
    }

    public func execute() -> CommandOutput { SimulateCommand.run(self) }
}

public enum SimulateCommand {
    public enum Format: String, CaseIterable { case text, json }

    static func run(_ o: Simulate) -> CommandOutput {
        var out = CommandOutput()
        let t0 = MonotonicClock.milliseconds()
        var src = o.cluster
        // The simulation answers for the files as written, lint errors included (a unicast
        // peer mismatch is exactly what it should show); the findings are counted on stderr.
        src.lintGate = false
        guard let loaded = ClusterGate.load(src, needDirector: false, out: &out) else { return out }
        if let result = out.retained.last as? ClusterLintResult {
            let errors = result.diagnostics.filter { $0.severity == .error }.count + result.droppedErrors
            if errors > 0 {
                out.stderr += "lvsc simulate: the cluster has \(errors) lint error\(errors == 1 ? "" : "s") (lvsc lint lists them); simulated as written\n"
            }
        }
        let t1 = MonotonicClock.milliseconds()
        let model = SimulationModel.build(loaded.cluster)
        let t2 = MonotonicClock.milliseconds()
        func timings(_ what: String) {
            guard o.timings else { return }
            let t3 = MonotonicClock.milliseconds()
            func ms(_ v: Double) -> String { String(Int(v.rounded())) }
            out.stderr += "lvsc simulate: timings: load and lint \(ms(t1 - t0)) ms, model (VRRP plans, IPVS tables) \(ms(t2 - t1)) ms, \(what) \(ms(t3 - t2)) ms\n"
        }
        guard !model.directors.isEmpty else {
            out.stderr += "lvsc simulate: no director's configuration could be read\n"
            out.exitCode = .usage
            return out
        }
        let sources = loaded.sources
        let report = SimulationReport(model: model, clusterName: loaded.cluster.name) { span in
            let r = sources.resolve(span)
            return "\(r.path):\(r.line):\(r.column)"
        }
        let sim = Simulator(model: model)
        if o.allSingleFailures {
            let sweep = SingleFailureSweep(sim)
            timings("\(sweep.failures.count) single failures")
            out.stdout += o.format == .json ? report.json(sweep).rendered() + "\n" : report.text(sweep)
            if !sweep.singlePointsOfFailure.isEmpty { out.exitCode = .findings }
            return out
        }
        guard let scenario = o.failures.scenario(model: model, cluster: loaded.cluster, command: "simulate", out: &out) else { return out }
        let outcome = sim.run(scenario.failures, recover: o.recover)
        timings("simulation")
        out.stdout += o.format == .json ? report.json(outcome).rendered() + "\n" : report.text(outcome)
        if !report.losses(outcome).isEmpty { out.exitCode = .findings }
        return out
    }
}

/// The failures `lvsc simulate` and `lvsc graph` take.
public struct FailureOptions: ParsableArguments {
    @Option(name: .customLong("down"), help: ArgumentHelp("A director dies (no priority-0 advert)", valueName: "host"))
    public var down: [String] = []

    @Option(name: .customLong("stop"), help: ArgumentHelp("A director stops cleanly (its MASTERs resign with priority 0)", valueName: "host"))
    public var stop: [String] = []

    @Option(name: .customLong("link-down"), help: ArgumentHelp("A director's link goes down (all its VRRP interfaces, or one)", valueName: "host[:iface]"))
    public var linkDown: [String] = []

    @Option(name: .customLong("script-fails"), help: ArgumentHelp("A vrrp_script fails on a director", valueName: "host:script"))
    public var scriptFails: [String] = []

    @Option(name: .customLong("real-server-down"), help: ArgumentHelp("A real server fails its checks (address or inventory name)", valueName: "server"))
    public var realServerDown: [String] = []

    public init() {}

    public var isEmpty: Bool { (down + stop + linkDown + scriptFails + realServerDown).isEmpty }

    /// The scenario, or nil with the reason on stderr and exit status 2.
    func scenario(model: SimulationModel, cluster: Cluster, command: String, out: inout CommandOutput) -> SimScenario? {
        switch SimScenario.parse(model: model, cluster: cluster, down: down, stop: stop, linkDown: linkDown,
                                 scriptFails: scriptFails, realServerDown: realServerDown) {
        case .failure(let p):
            out.stderr += "lvsc \(command): \(p.message)\n"
            out.exitCode = .usage
            return nil
        case .success(let s): return s
        }
    }
}
