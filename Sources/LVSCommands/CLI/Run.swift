import ArgumentParser
import Dispatch
import LVSKernel
import LVSNetlink
import LVSRuntime
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc run`: the director's VRRP, in place of keepalived's VRRP process.
public struct Run: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run a director's VRRP instances (a drop-in peer for keepalived's VRRP).",
        discussion: """
        Lints first and refuses to start on errors, and refuses, by name and line, every \
        keyword it does not implement yet. Health checks are not implemented yet: a file \
        with virtual_server blocks needs --vrrp-only (as keepalived -P). SIGTERM or SIGINT: \
        each MASTER resigns with priority 0, the VIPs are removed, notify_stop runs, exit 0. SIGUSR1: \
        each instance's state, priority and dropped packets by reason to the log. SIGHUP: \
        read and lint again; on errors keep running and log why, otherwise apply the \
        difference (unchanged instances keep their state, changed ones restart). Examples: lvsc run \
        --host lvs01 --vrrp-only; lvsc run -f /etc/keepalived/keepalived.conf
        """)

    @OptionGroup public var cluster: ClusterOptions

    @Flag(name: .customLong("vrrp-only"), help: "Run VRRP only; leave the virtual servers to keepalived -C or lvsc apply")
    public var vrrpOnly = false

    public init() {}

    /// Reads, lints and plans the configuration (at start and on SIGHUP): the plan, or what
    /// went wrong in `out`.
    func makePlan(_ out: inout CommandOutput) -> VRRPRuntimePlan? {
        guard let loaded = ClusterGate.load(cluster, needDirector: true, out: &out), let d = loaded.director, let config = d.config else {
            return nil
        }
        let host: [HostAddress]
        do { host = try AddressNetlink().list() } catch {
            out.stderr += "lvsc: cannot read this host's addresses: \(error)\n"
            out.exitCode = .system
            return nil
        }
        let vips = Set(config.instances.flatMap { $0.virtualIPs.map(\.prefix.address) })
        switch VRRPRuntimePlan.make(config, vrrpOnly: vrrpOnly, primaryAddress: { iface, family in
            host.first { h in
                guard h.interface == iface, !vips.contains(h.prefix.address) else { return false }
                // RFC 5798 §5.1.2.1: IPv6 adverts come from the interface's link-local address.
                let a = h.prefix.address
                return a.family == family && (family == .inet || a.isLinkLocal)
            }?.prefix.address
        }, isLocal: { address, iface in
            host.contains { $0.interface == iface && $0.prefix.address == address }
        }) {
        case .success(let p): return p
        case .failure(let refused):
            let refusals = refused.items
            // In file order, as an operator fixes them.
            let located = refusals.map { r in (r, r.span.map { loaded.sources.resolve($0) }) }
                .sorted { a, b in
                    guard let x = a.1 else { return false }
                    guard let y = b.1 else { return true }
                    return (x.path, x.line, x.column) < (y.path, y.line, y.column)
                }
            for (r, p) in located {
                let at = p.map { "\($0.path):\($0.line):\($0.column): " } ?? ""
                out.stderr += "\(at)lvsc run: '\(r.keyword)': \(r.why)\n"
            }
            out.stderr += "lvsc: \(refusals.count) setting\(refusals.count == 1 ? "" : "s") lvsc run cannot run here (above); run keepalived for this director meanwhile\n"
            out.exitCode = .usage
            return nil
        }
    }

    public func run() throws {
        var out = CommandOutput()
        guard let plan = makePlan(&out) else {
            out.stderr += "lvsc: not started\n"
            throw ExitCode(OutputWriter.write(out))
        }
        _ = OutputWriter.write(out)
        // One lvsc run per network namespace (a second would fight the first over every VIP).
        switch SingleInstance.claim() {
        case .claimed(let fd): _ = fd   // held open until exit
        case .heldBy(let pid):
            _ = OutputWriter.writeAll(2, Array("lvsc: lvsc run is already running in this network namespace\(pid.map { " (pid \($0))" } ?? ""); not started\n".utf8))
            throw ExitCode(ExitStatus.usage.rawValue)
        case .failed(let why):
            _ = OutputWriter.writeAll(2, Array("lvsc: cannot make sure lvsc run is not already running here: \(why); not started\n".utf8))
            throw ExitCode(ExitStatus.system.rawValue)
        }
        LoggingSystem.bootstrap { _ in LineLogHandler() }
        let daemon = VRRPDaemon(plan: plan, logger: Logger(label: "lvsc.run"))
        do { try daemon.start() } catch {
            daemon.log("cannot start: \(error)", .error)
            daemon.shutdown()
            throw ExitCode(ExitStatus.system.rawValue)
        }
        // Signals arrive on a dispatch queue, not in a handler: the shutdown sends adverts and
        // talks netlink, which a signal handler must not.
        for s in [SIGTERM, SIGINT] { signal(s, SIG_IGN) }
        var sources: [DispatchSourceSignal] = []
        for s in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: s, queue: .main)
            source.setEventHandler {
                SystemdNotify.send("STOPPING=1")
                daemon.shutdown()
                daemon.log("stopped (signal \(s))")
                Glibc.exit(0)
            }
            source.resume()
            sources.append(source)
        }
        // SIGUSR1: the instances' states and drop counters to the log (keepalived has its
        // statistics on a signal too).
        signal(SIGUSR1, SIG_IGN)
        let statistics = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .main)
        statistics.setEventHandler { daemon.logStatistics() }
        statistics.resume()
        sources.append(statistics)
        // SIGHUP: read and lint again; on any error keep running what runs and say why.
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .main)
        reload.setEventHandler {
            SystemdNotify.reloading()
            defer { SystemdNotify.send("READY=1\nSTATUS=running") }
            var again = CommandOutput()
            guard let new = makePlan(&again) else {
                for line in again.stderr.split(separator: "\n") { daemon.log("reload: \(line)") }
                daemon.log("reload refused: still running the previous configuration", .warning)
                return
            }
            do { daemon.log("reloaded: \(try daemon.reload(new))") } catch {
                daemon.log("reload failed: \(error); still running the previous configuration", .error)
            }
        }
        reload.resume()
        sources.append(reload)
        // Ready only now: the instances have started and the signals are handled.
        SystemdNotify.send("READY=1\nSTATUS=running")
        withExtendedLifetime(sources) { dispatchMain() }
    }
}
