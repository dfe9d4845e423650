import Dispatch
import LVSCore
import LVSKernel
import NIOConcurrencyHelpers
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// VRRPv3 over IPv6 on one interface (RFC 5798 §5.1.2): the raw protocol-112 socket, a member
/// of ff02::12 there, hop limit 255 on send, its own adverts not looped back.
///
/// An IPv6 raw socket delivers no IP header: the hop limit and the destination come only as
/// control messages (`IPV6_HOPLIMIT`, `IPV6_PKTINFO`), which swift-nio's datagram channel does
/// not hand over. So a thread of its own reads the socket with `recvmsg` and gives each advert
/// to the event loop, as the link monitor's thread does; sending happens on the loop with
/// `sendmsg`, the source address named in an `IPV6_PKTINFO` control message so the checksum's
/// pseudo-header and the packet agree.
public final class VRRPChannel6: @unchecked Sendable {
    /// ff02::12
    public static let group6 = IPAddress.v6(0xFF02_0000_0000_0000, 0x12)
    public let interface: String
    /// nil: the multicast socket; else the unicast source address it is bound to.
    public let unicastSource: IPAddress?
    let fd: Int32
    let ifindex: UInt32
    let stopping = NIOLockedValueBox(false)
    let finished = DispatchSemaphore(value: 0)
    var closed = false

    // linux/in6.h; Glibc exports some of these only under _GNU_SOURCE.
    static let recvPacketInfo: Int32 = 49    // IPV6_RECVPKTINFO
    static let packetInfo: Int32 = 50        // IPV6_PKTINFO
    static let recvHopLimit: Int32 = 51      // IPV6_RECVHOPLIMIT
    static let hopLimit: Int32 = 52          // IPV6_HOPLIMIT

    /// Opens the socket in the calling thread's network namespace; every packet that arrives is
    /// given to `receive` on `loop`.
    public static func open(interface: String, unicastSource: IPAddress? = nil, on loop: EventLoop,
                            receive: @escaping @Sendable (ReceivedAdvert) -> Void) throws -> VRRPChannel6 {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw KernelError.noSuchInterface(interface) }
        let fd = try openSocket(interface: interface, index: index, unicastSource: unicastSource)
        let c = VRRPChannel6(fd: fd, interface: interface, index: index, unicastSource: unicastSource)
        DispatchQueue(label: "lvsc.vrrp6.\(interface)").async { c.readLoop(loop, receive) }
        return c
    }

    init(fd: Int32, interface: String, index: UInt32, unicastSource: IPAddress?) {
        self.fd = fd
        self.interface = interface
        self.ifindex = index
        self.unicastSource = unicastSource
    }

    static func failure(_ what: String) -> KernelError { RawSocketOptions.failure(what) }

    static func socketAddress(_ a: IPAddress, scope: UInt32) -> sockaddr_in6 {
        var sin = sockaddr_in6()
        sin.sin6_family = sa_family_t(AF_INET6)
        let b = VRRPAdvert.bytes(a)
        withUnsafeMutableBytes(of: &sin.sin6_addr) { p in for i in 0..<16 { p[i] = b[i] } }
        // Link-local and multicast link-scope addresses need the interface (RFC 4007).
        if case .v6(let hi, _) = a, a.isLinkLocal || hi >> 48 == 0xFF02 { sin.sin6_scope_id = scope }
        return sin
    }

    static func openSocket(interface: String, index: UInt32, unicastSource: IPAddress?) throws(KernelError) -> Int32 {
        let fd = socket(AF_INET6, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 112)
        guard fd >= 0 else { throw errno == EPERM ? .permission("open a raw IPv6 VRRP socket") : failure("open a raw IPv6 VRRP socket") }
        func set<T>(_ level: Int32, _ name: Int32, _ value: T, _ what: String) throws(KernelError) {
            try RawSocketOptions.set(fd, level, name, value, what)
        }
        try RawSocketOptions.bindToDevice(fd, interface, "bind the IPv6 VRRP socket to \(interface)")
        let v6 = Int32(IPPROTO_IPV6)
        try set(v6, recvHopLimit, Int32(1), "ask for the hop limit of received adverts")
        try set(v6, recvPacketInfo, Int32(1), "ask for the destination of received adverts")
        // RFC 5798 §5.1.2.3: sent with hop limit 255, so a receiver can drop one that crossed a router.
        if let source = unicastSource {
            var sin = socketAddress(source, scope: index)
            let bound = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
            if bound != 0 {
                let err = failure("bind the unicast IPv6 VRRP socket to \(source) (unicast_src_ip must be an address of \(interface))")
                Glibc.close(fd)
                throw err
            }
            try set(v6, IPV6_UNICAST_HOPS, Int32(255), "set the unicast VRRP hop limit")
            return fd
        }
        var membership = ipv6_mreq()
        let group = VRRPAdvert.bytes(group6)
        withUnsafeMutableBytes(of: &membership.ipv6mr_multiaddr) { p in for i in 0..<16 { p[i] = group[i] } }
        membership.ipv6mr_interface = index
        try set(v6, IPV6_ADD_MEMBERSHIP, membership, "join ff02::12 on \(interface)")
        try set(v6, IPV6_MULTICAST_IF, Int32(index), "send VRRP on \(interface)")
        try set(v6, IPV6_MULTICAST_HOPS, Int32(255), "set the VRRP hop limit")
        try set(v6, IPV6_MULTICAST_LOOP, Int32(0), "keep own adverts out")
        return fd
    }

    /// Sends one advert to ff02::12 (or to one unicast peer) from `source`.
    public func send(_ advert: VRRPAdvert, source: IPAddress, to destination: IPAddress = VRRPChannel6.group6) {
        var bytes = advert.encoded(source: source, destination: destination)
        var to = Self.socketAddress(destination, scope: ifindex)
        // One cmsghdr (16 bytes: length, level, type) and an in6_pktinfo (address, ifindex).
        var control = [UInt8](repeating: 0, count: 16 + 24)
        withUnsafeBytes(of: Int(16 + 20)) { for (i, b) in $0.enumerated() { control[i] = b } }
        withUnsafeBytes(of: Int32(IPPROTO_IPV6)) { for (i, b) in $0.enumerated() { control[8 + i] = b } }
        withUnsafeBytes(of: Self.packetInfo) { for (i, b) in $0.enumerated() { control[12 + i] = b } }
        for (i, b) in VRRPAdvert.bytes(source).enumerated() { control[16 + i] = b }
        withUnsafeBytes(of: ifindex) { for (i, b) in $0.enumerated() { control[32 + i] = b } }
        bytes.withUnsafeMutableBytes { payload in
            control.withUnsafeMutableBytes { c in
                withUnsafeMutablePointer(to: &to) { name in
                    var iov = iovec(iov_base: payload.baseAddress, iov_len: payload.count)
                    withUnsafeMutablePointer(to: &iov) { iovp in
                        var m = msghdr()
                        m.msg_name = UnsafeMutableRawPointer(name)
                        m.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
                        m.msg_iov = iovp
                        m.msg_iovlen = 1
                        m.msg_control = c.baseAddress
                        m.msg_controllen = c.count
                        _ = sendmsg(fd, &m, Int32(MSG_DONTWAIT))
                    }
                }
            }
        }
    }

    /// Stops the reading thread (within its 200 ms wait) and closes the socket.
    public func close() {
        guard !closed else { return }
        closed = true
        stopping.withLockedValue { $0 = true }
        finished.wait()
        Glibc.close(fd)
    }

    func readLoop(_ loop: EventLoop, _ receive: @escaping @Sendable (ReceivedAdvert) -> Void) {
        defer { finished.signal() }
        var payload = [UInt8](repeating: 0, count: 2048)
        var control = [UInt8](repeating: 0, count: 256)
        while !stopping.withLockedValue({ $0 }) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, 200)
            guard ready > 0 else { continue }
            var from = sockaddr_in6()
            var controlLength = 0
            let n = payload.withUnsafeMutableBytes { buf in
                control.withUnsafeMutableBytes { c in
                    withUnsafeMutablePointer(to: &from) { name in
                        var iov = iovec(iov_base: buf.baseAddress, iov_len: buf.count)
                        return withUnsafeMutablePointer(to: &iov) { iovp in
                            var m = msghdr()
                            m.msg_name = UnsafeMutableRawPointer(name)
                            m.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
                            m.msg_iov = iovp
                            m.msg_iovlen = 1
                            m.msg_control = c.baseAddress
                            m.msg_controllen = c.count
                            let n = recvmsg(fd, &m, Int32(MSG_DONTWAIT))
                            controlLength = m.msg_controllen
                            return n
                        }
                    }
                }
            }
            guard n >= 0 else { continue }
            let source = VRRPAdvert.address(withUnsafeBytes(of: from.sin6_addr) { Array($0) })!
            guard let r = Self.received(Array(payload[0..<n]), source: source, control: Array(control[0..<controlLength])) else { continue }
            loop.execute { receive(r) }
        }
    }

    /// The advert with the hop limit and destination from the control messages; nil when the
    /// kernel gave neither (it always does once asked).
    static func received(_ payload: [UInt8], source: IPAddress, control: [UInt8]) -> ReceivedAdvert? {
        var hops: UInt8?
        var destination: IPAddress?
        var o = 0
        // struct cmsghdr: size_t length, int level, int type; data at 16; each one 8-aligned.
        while o + 16 <= control.count {
            let length = control[o..<(o + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard length >= 16, o + length <= control.count else { break }
            let level = control[(o + 8)..<(o + 12)].reversed().reduce(Int32(0)) { $0 << 8 | Int32($1) }
            let type = control[(o + 12)..<(o + 16)].reversed().reduce(Int32(0)) { $0 << 8 | Int32($1) }
            if level == Int32(IPPROTO_IPV6) {
                if type == hopLimit, length >= 20 {
                    hops = UInt8(clamping: control[(o + 16)..<(o + 20)].reversed().reduce(Int32(0)) { $0 << 8 | Int32($1) })
                } else if type == packetInfo, length >= 16 + 20 {
                    destination = VRRPAdvert.address(Array(control[(o + 16)..<(o + 32)]))
                }
            }
            o += (length + 7) & ~7
        }
        guard let hops, let destination else { return nil }
        let advert = VRRPAdvert.decode(payload, family: .inet6, source: source, destination: destination)
        return ReceivedAdvert(source: source, destination: destination, ttl: hops, advert: advert, payload: payload)
    }
}
