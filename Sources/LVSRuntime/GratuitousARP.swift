import LVSCore
import LVSKernel
#if canImport(Glibc)
import Glibc
#endif

/// Gratuitous ARP on one interface (RFC 5227 §3: an ARP request whose sender and target
/// address are the VIP, broadcast), so switches and neighbours learn the new MASTER's MAC.
public final class GratuitousARP: @unchecked Sendable {
    /// ETH_P_ARP (linux/if_ether.h).
    static let ethernetARP: UInt16 = 0x0806
    let fd: Int32
    let ifindex: Int32
    let mac: [UInt8]

    public init(interface: String) throws(KernelError) {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw .noSuchInterface(interface) }
        ifindex = Int32(index)
        let s = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(Self.ethernetARP.bigEndian))
        guard s >= 0 else { throw errno == EPERM ? .permission("open a packet socket for gratuitous ARP") : .kernel(operation: "open a packet socket", errno: errno, message: String(cString: strerror(errno))) }
        fd = s
        guard let m = Self.macAddress(s, interface) else {
            let e = errno
            Glibc.close(s)
            throw .kernel(operation: "read \(interface)'s MAC address", errno: e, message: String(cString: strerror(e)))
        }
        mac = m
    }

    /// The interface's MAC address (SIOCGIFHWADDR on any socket); nil with errno set. The
    /// neighbour advertisements (`UnsolicitedNA`) carry it too.
    static func macAddress(_ fd: Int32, _ interface: String) -> [UInt8]? {
        var req = ifreq()
        withUnsafeMutableBytes(of: &req.ifr_ifrn) { p in
            for (i, b) in interface.utf8.prefix(15).enumerated() { p[i] = b }
        }
        guard ioctl(fd, UInt(SIOCGIFHWADDR), &req) == 0 else { return nil }
        return withUnsafeBytes(of: req.ifr_ifru.ifru_hwaddr.sa_data) { Array($0.prefix(6)) }
    }

    deinit { Glibc.close(fd) }

    /// The Ethernet frame of a gratuitous ARP request for `address`.
    static func frame(mac: [UInt8], address: IPAddress) -> [UInt8]? {
        guard case .v4(let v) = address else { return nil }
        let ip: [UInt8] = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        let broadcast = [UInt8](repeating: 0xFF, count: 6)
        var f = broadcast + mac + [0x08, 0x06]                  // Ethernet: to all, from us, ARP
        f += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]          // Ethernet/IPv4, request
        f += mac + ip + [UInt8](repeating: 0, count: 6) + ip     // sender = target = the VIP
        return f
    }

    /// Sends `count` gratuitous ARPs for each address; returns how many frames left.
    @discardableResult
    public func send(_ addresses: [IPAddress], count: Int) -> Int {
        var sent = 0
        // struct sockaddr_ll (linux/if_packet.h, which Glibc's module does not carry): family,
        // protocol, ifindex, hatype, pkttype, halen, addr[8] — 20 bytes.
        var to = [UInt8](repeating: 0, count: 20)
        withUnsafeBytes(of: UInt16(AF_PACKET)) { for (i, b) in $0.enumerated() { to[i] = b } }
        withUnsafeBytes(of: Self.ethernetARP.bigEndian) { for (i, b) in $0.enumerated() { to[2 + i] = b } }
        withUnsafeBytes(of: ifindex) { for (i, b) in $0.enumerated() { to[4 + i] = b } }
        to[11] = 6
        for i in 12..<18 { to[i] = 0xFF }
        for a in addresses {
            guard let f = Self.frame(mac: mac, address: a) else { continue }
            for _ in 0..<max(0, count) {
                let n = f.withUnsafeBytes { b in
                    to.withUnsafeBytes { p in
                        sendto(fd, b.baseAddress, b.count, 0, p.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(p.count))
                    }
                }
                if n == f.count { sent += 1 }
            }
        }
        return sent
    }
}
