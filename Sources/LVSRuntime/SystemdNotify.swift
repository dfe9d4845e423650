#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol (sd_notify(3)) for a `Type=notify` unit: one datagram per state
/// change to the socket named in $NOTIFY_SOCKET. Without that variable (not started by systemd)
/// every call does nothing.
public enum SystemdNotify {
    /// Sends `state` (e.g. "READY=1"); false when not under systemd or the send failed.
    @discardableResult
    public static func send(_ state: String) -> Bool {
        guard let path = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !path.isEmpty else { return false }
        var bytes = Array(path.utf8)
        // "@name" is an abstract socket: its name starts with a NUL byte.
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 } else if bytes.first != UInt8(ascii: "/") { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { p in for (i, b) in bytes.enumerated() { p[i] = b } }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, length) }
            }
        }
        return sent == message.count
    }

    /// "RELOADING=1" with the monotonic time systemd 253 and later ask for.
    public static func reloading() {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        send("RELOADING=1\nMONOTONIC_USEC=\(Int64(t.tv_sec) * 1_000_000 + Int64(t.tv_nsec) / 1000)")
    }
}
