import LVSKernel
#if canImport(Glibc)
import Glibc
#endif

/// The setsockopt calls both VRRP sockets (IPv4 and IPv6) make while being configured: on a
/// failure the socket is closed and the error names what was being set up.
enum RawSocketOptions {
    static func failure(_ what: String) -> KernelError {
        let e = errno
        return .kernel(operation: what, errno: e, message: String(cString: strerror(e)))
    }

    static func set<T>(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: T, _ what: String) throws(KernelError) {
        var v = value
        if setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<T>.size)) != 0 {
            let err = failure(what)
            Glibc.close(fd)
            throw err
        }
    }

    /// Only this interface's packets: an instance is on one LAN.
    static func bindToDevice(_ fd: Int32, _ interface: String, _ what: String) throws(KernelError) {
        var name = Array(interface.utf8CString)
        if setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, &name, socklen_t(name.count)) != 0 {
            let err = failure(what)
            Glibc.close(fd)
            throw err
        }
    }
}
