/// What went wrong talking to the kernel, as a sentence a person can act on, and as a
/// disposition a program can act on (`disposition`).
public enum KernelError: Error, Sendable, Equatable, CustomStringConvertible {
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
    /// No answer within the deadline: the request may or may not have taken effect.
    case timeout(operation: String, milliseconds: Int)
    /// The kernel refused a request with this errno.
    case kernel(operation: String, errno: Int32, message: String)
    /// libnl failed before the kernel answered; `code` is one of libnl's NLE_* numbers, which
    /// are not errno values (NLE_AGAIN is 4, EINTR is 4).
    case library(operation: String, code: Int32, message: String)

    /// What a caller can do about a failure.
    public enum Disposition: Sendable, Equatable {
        /// The kernel's state is not what was read: read it again and plan again.
        case stateMoved
        /// Transient (a timeout, an interrupted call): the same request may succeed later.
        case retry
        /// The system cannot do this (no IPVS, no privilege, a missing module or interface):
        /// retrying without a change on the host will fail the same way.
        case unavailable
    }

    public var disposition: Disposition {
        switch self {
        case .exists, .notFound: return .stateMoved
        case .timeout: return .retry
        case .kernel(_, let e, _): return Self.transientErrnos.contains(e) ? .retry : .unavailable
        case .library: return .retry
        case .ipvsUnavailable, .permission, .schedulerMissing, .noSuchInterface: return .unavailable
        }
    }

    /// EINTR, EAGAIN, ENOBUFS, EBUSY: the kernel was busy or the call was interrupted.
    static let transientErrnos: Set<Int32> = [4, 11, 105, 16]

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
        case .timeout(let op, let ms):
            return "\(op): no answer from the kernel within \(ms) ms"
        case .kernel(let op, let e, let m):
            return "\(op): \(m) (errno \(e))"
        case .library(let op, let code, let m):
            return "\(op): \(m) (libnl error \(code))"
        }
    }

    /// The exit code a command reports for it, decided here only: 4 when the state moved under
    /// an apply, 3 for everything else the system could not do.
    public var exitCode: Int32 {
        disposition == .stateMoved ? 4 : 3
    }
}
