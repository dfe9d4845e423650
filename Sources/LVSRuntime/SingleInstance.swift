#if canImport(Glibc)
import Glibc
#endif

/// One `lvsc run` per network namespace: two would both send adverts for the same routers and
/// fight over the VIPs. The claim is an abstract Unix socket (Linux keeps those per network
/// namespace and drops them with the process), so a crashed daemon leaves nothing stale behind
/// and directors in separate namespaces on one machine do not collide, where a pid file in /run
/// would do both.
public enum SingleInstance {
    public enum Outcome {
        /// This process holds the claim for as long as the descriptor stays open.
        case claimed(Int32)
        /// Another process holds it (its pid, when the kernel could say).
        case heldBy(pid: Int32?)
        case failed(String)
    }

    public static func claim(_ name: String = "lvsc-run") -> Outcome {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // sun_path starts with a NUL byte: an abstract name, not a file.
        let bytes = Array(name.utf8.prefix(100))
        withUnsafeMutableBytes(of: &address.sun_path) { p in for (i, b) in bytes.enumerated() { p[i + 1] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        if bound == 0 {
            guard listen(fd, 4) == 0 else {
                let e = String(cString: strerror(errno))
                close(fd)
                return .failed(e)
            }
            return .claimed(fd)
        }
        let e = errno
        close(fd)
        guard e == EADDRINUSE else { return .failed(String(cString: strerror(e))) }
        // Ask the holder who it is: the kernel reports the listener's pid to a connected peer.
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return .heldBy(pid: nil) }
        defer { close(probe) }
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, length) } }
        guard connected == 0 else { return .heldBy(pid: nil) }
        // struct ucred (pid, uid, gid), which Glibc's module shows only under _GNU_SOURCE.
        var cred: (Int32, UInt32, UInt32) = (0, 0, 0)
        var size = socklen_t(12)
        guard getsockopt(probe, SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0, cred.0 > 0 else { return .heldBy(pid: nil) }
        return .heldBy(pid: cred.0)
    }
}
