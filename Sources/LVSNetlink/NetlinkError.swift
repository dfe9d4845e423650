import LVSModel

/// What went wrong talking to the kernel, as a sentence a person can act on.
public enum NetlinkError: Error, Sendable, CustomStringConvertible {
    /// The kernel has no IPVS generic-netlink family: ip_vs is not loaded (or not built).
    case ipvsUnavailable
    /// The caller lacks CAP_NET_ADMIN.
    case permission(String)
    /// The kernel has no module for this scheduler (or persistence engine).
    case schedulerMissing(String)
    /// An object already exists / does not exist: the state changed under us.
    case exists(String)
    case notFound(String)
    /// An interface named in the configuration does not exist on this host.
    case noSuchInterface(String)
    /// Anything else the kernel or libnl reported.
    case kernel(operation: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .ipvsUnavailable:
            return "the kernel has no IPVS (no \"IPVS\" generic netlink family): load it with 'modprobe ip_vs' (and the schedulers you use, e.g. 'modprobe ip_vs_rr'), or use a kernel built with CONFIG_IP_VS"
        case .permission(let op):
            return "\(op): permission denied: changing IPVS and addresses needs CAP_NET_ADMIN (run as root)"
        case .schedulerMissing(let s):
            return "scheduler or persistence engine '\(s)' is not available in this kernel: load it with 'modprobe ip_vs_\(s)'"
        case .exists(let what):
            return "\(what) already exists: the kernel's state changed since it was read; run again to re-read and re-plan"
        case .notFound(let what):
            return "\(what) does not exist: the kernel's state changed since it was read; run again to re-read and re-plan"
        case .noSuchInterface(let name):
            return "no network interface named '\(name)' on this host"
        case .kernel(let op, let e, let m):
            return "\(op): \(m) (errno \(e))"
        }
    }

    /// The exit code a command reports for it: 3 for what the system cannot do (no IPVS, no
    /// privileges, a missing module or interface), 4 when the state moved under an apply.
    public var exitCode: Int32 {
        switch self {
        case .exists, .notFound: return 4
        default: return 3
        }
    }
}
