import LVSCore
import LVSKernel
import VRRP
#if canImport(Glibc)
import Glibc
#endif

/// Unsolicited neighbour advertisements on one interface (RFC 4861 §7.2.6): the IPv6 twin of
/// the gratuitous ARP, so neighbours replace their cache entry for a VIP with the new MASTER's
/// MAC. Sent to all nodes (ff02::1) with hop limit 255 (receivers drop anything less) and the
/// Override flag; the kernel fills in the ICMPv6 checksum.
public final class UnsolicitedNA: @unchecked Sendable {
    let fd: Int32
    let ifindex: UInt32
    let mac: [UInt8]

    public init(interface: String) throws(KernelError) {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw .noSuchInterface(interface) }
        ifindex = index
        let s = socket(AF_INET6, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_ICMPV6))
        guard s >= 0 else { throw errno == EPERM ? .permission("open an ICMPv6 socket for neighbour advertisements") : .kernel(operation: "open an ICMPv6 socket", errno: errno, message: String(cString: strerror(errno))) }
        fd = s
        func fail(_ what: String) -> KernelError {
            let e = errno
            Glibc.close(s)
            return .kernel(operation: what, errno: e, message: String(cString: strerror(e)))
        }
        var name = Array(interface.utf8CString)
        guard setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, &name, socklen_t(name.count)) == 0 else { throw fail("bind the ICMPv6 socket to \(interface)") }
        var hops = Int32(255), ifi = Int32(index)
        guard setsockopt(s, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &hops, 4) == 0,
              setsockopt(s, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF, &ifi, 4) == 0 else { throw fail("set up the ICMPv6 socket on \(interface)") }
        guard let m = GratuitousARP.macAddress(s, interface) else { throw fail("read \(interface)'s MAC address") }
        mac = m
    }

    deinit { Glibc.close(fd) }

    /// The ICMPv6 message for `address`: type 136, Override, the target, and the target
    /// link-layer address option (type 2, one 8-byte unit).
    static func message(mac: [UInt8], address: IPAddress) -> [UInt8]? {
        guard case .v6(let hi, let lo) = address else { return nil }
        var m: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0]
        m += (0..<8).map { UInt8((hi >> (56 - 8 * UInt64($0))) & 0xFF) }
        m += (0..<8).map { UInt8((lo >> (56 - 8 * UInt64($0))) & 0xFF) }
        m += [2, 1] + mac
        return m
    }

    /// Sends `count` advertisements for each IPv6 address; returns how many left.
    @discardableResult
    public func send(_ addresses: [IPAddress], count: Int) -> Int {
        var to = sockaddr_in6()
        to.sin6_family = sa_family_t(AF_INET6)
        withUnsafeMutableBytes(of: &to.sin6_addr) { p in p[0] = 0xFF; p[1] = 0x02; p[15] = 1 }
        to.sin6_scope_id = ifindex
        var sent = 0
        for a in addresses {
            guard let m = Self.message(mac: mac, address: a) else { continue }
            for _ in 0..<max(0, count) {
                let n = m.withUnsafeBytes { b in
                    withUnsafePointer(to: &to) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                    }
                }
                if n == m.count { sent += 1 }
            }
        }
        return sent
    }
}
