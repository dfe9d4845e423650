#if canImport(Glibc)
import Glibc
#endif

/// A director's kernel, as lvsc reads and changes it: the IPVS table, the connection-sync
/// daemons, interface addresses and sysctls. `NetlinkKernel` (LVSNetlink) is the real one;
/// `SimulatedKernel` holds the same state in memory for tests.
///
/// A kernel is confined to one thread at a time: it owns sockets whose replies are read in
/// order, so two callers interleaving would read each other's answers. It is not Sendable;
/// a daemon keeps it on the one thread (event loop) that drives it.
public protocol Kernel: AnyObject {
    /// Writes sent over this kernel's life (the no-op apply reports zero).
    var writes: Int { get }

    /// The whole IPVS table: every service and its destinations.
    func table() throws(KernelError) -> IPVSTable
    /// One service and its destinations, or nil when the kernel has no such service.
    func service(_ key: IPVSServiceKey) throws(KernelError) -> IPVSService?
    /// Sends IPVS writes in order; stops at the first failure and throws it.
    func send(_ requests: [IPVSRequest]) throws(KernelError)

    func syncDaemons() throws(KernelError) -> [SyncDaemon]
    func startSyncDaemon(_ daemon: SyncDaemon) throws(KernelError)
    func stopSyncDaemon(_ daemon: SyncDaemon) throws(KernelError)

    /// Every address of every interface.
    func addresses() throws(KernelError) -> [HostAddress]
    func addAddress(_ address: HostAddress) throws(KernelError)
    func deleteAddress(_ address: HostAddress) throws(KernelError)

    /// A sysctl's value (`net.ipv4.ip_forward`), nil when the kernel has no such sysctl.
    func sysctl(_ name: String) -> String?
    func setSysctl(_ name: String, _ value: String) throws(KernelError)

    /// What tells this kernel from another: the boot, and the network namespace.
    func identity() -> KernelIdentity
}

/// Which kernel, and which network namespace in it, a state was read from. A value is
/// "unknown" when it cannot be told (no /proc); such an identity matches nothing.
public struct KernelIdentity: Sendable, Equatable {
    public var boot: String
    public var netns: String

    public init(boot: String, netns: String) {
        self.boot = boot
        self.netns = netns
    }

    public var isKnown: Bool { boot != "unknown" && netns != "unknown" }
}

/// One write to the kernel: what a plan operation becomes.
public enum IPVSRequest: Sendable {
    case addService(IPVSService)
    case updateService(IPVSService)
    case deleteService(IPVSServiceKey)
    case addDestination(IPVSServiceKey, IPVSDestination)
    case updateDestination(IPVSServiceKey, IPVSDestination)
    case deleteDestination(IPVSServiceKey, IPVSDestination)

    public var summary: String {
        switch self {
        case .addService(let s): return "add service \(IPVSText.service(s.key))"
        case .updateService(let s): return "update service \(IPVSText.service(s.key))"
        case .deleteService(let k): return "delete service \(IPVSText.service(k))"
        case .addDestination(let k, let d): return "add destination \(IPVSText.endpoint(d.address, d.port)) to \(IPVSText.service(k))"
        case .updateDestination(let k, let d): return "update destination \(IPVSText.endpoint(d.address, d.port)) of \(IPVSText.service(k))"
        case .deleteDestination(let k, let d): return "delete destination \(IPVSText.endpoint(d.address, d.port)) of \(IPVSText.service(k))"
        }
    }
}


extension IPVSRequest {
    /// The plan's IPVS operations as kernel writes; the other operations (addresses, sysctls,
    /// daemons) have calls of their own.
    public init?(_ op: PlanOperation) {
        switch op {
        case .addService(let s): self = .addService(s)
        case .updateService(let s, _): self = .updateService(s)
        case .deleteService(let s): self = .deleteService(s.key)
        case .addDestination(let k, let d): self = .addDestination(k, d)
        case .updateDestination(let k, let d, _): self = .updateDestination(k, d)
        case .deleteDestination(let k, let d): self = .deleteDestination(k, d)
        case .addAddress, .deleteAddress, .setSysctl, .startSyncDaemon, .stopSyncDaemon: return nil
        }
    }
}

extension String {
    /// Replaces a leading `target` (the summaries start with their verb).
    package func replacingFirst(_ target: String, with replacement: String) -> String {
        hasPrefix(target) ? replacement + dropFirst(target.count) : self
    }
}

/// Milliseconds on the monotonic clock, for phase timings.
public enum MonotonicClock {
    public static func milliseconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    }
}
