import LVSCore
import LVSKernel
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// An advert as it arrived: who sent it, to where, with which TTL, and what it says. RFC 5798
/// §7.1 drops an advert whose TTL is not 255 (it crossed a router) or that does not decode.
public struct ReceivedAdvert: Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// The IPv4 TTL from the packet's own header (a raw IPv4 socket delivers the header).
    public var ttl: UInt8
    public var advert: Result<VRRPAdvert, VRRPAdvert.DecodeError>
    /// The VRRP message itself, for the receive checks (`VRRPReceiveFilter`).
    public var payload: [UInt8] = []
}

/// VRRP over IPv4 on one interface: lvsc opens and configures the raw protocol-112 socket
/// itself and hands it to a swift-nio event loop, which reads and writes it. See
/// docs/architecture.md, "the event loop".
///
/// Multicast: bound to the interface, a member of 224.0.0.18 there, multicast TTL 255, its own
/// adverts not looped back. Unicast (`unicast_src_ip` / `unicast_peer`): bound to the interface
/// and to the source address, so the adverts leave from that address and only adverts sent to
/// it arrive; TTL 255.
public final class VRRPChannel: Sendable {
    public static let group4 = IPAddress.v4(0xE000_0012)   // 224.0.0.18
    public let channel: Channel
    public let interface: String
    /// nil: the multicast socket; else the unicast source address it is bound to.
    public let unicastSource: IPAddress?

    /// Opens the socket in the calling thread's network namespace and registers it on `loop`;
    /// every advert that arrives is given to `receive` on the loop's thread.
    public static func open(interface: String, unicastSource: IPAddress? = nil, on loop: EventLoopGroup,
                            receive: @escaping @Sendable (ReceivedAdvert) -> Void) throws -> VRRPChannel {
        let fd = try openSocket(interface: interface, unicastSource: unicastSource)
        let channel: Channel
        do {
            channel = try DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AdvertDecoder(receive)) }
                }
                .withBoundSocket(fd)
                .wait()
        } catch {
            Glibc.close(fd)
            throw error
        }
        return VRRPChannel(channel: channel, interface: interface, unicastSource: unicastSource)
    }

    init(channel: Channel, interface: String, unicastSource: IPAddress?) {
        self.channel = channel
        self.interface = interface
        self.unicastSource = unicastSource
    }

    /// Sends one advert to 224.0.0.18 (or to one unicast peer); the kernel writes the IP header
    /// (TTL 255, from the socket's options). Version 3's checksum covers `source` and the
    /// destination (RFC 5798's pseudo-header, with the real unicast destination).
    public func send(_ advert: VRRPAdvert, source: IPAddress, to destination: IPAddress = VRRPChannel.group4) -> EventLoopFuture<Void> {
        let bytes = advert.encoded(source: source, destination: destination)
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        do {
            let to = try SocketAddress(ipAddress: destination.description, port: 0)
            return channel.writeAndFlush(AddressedEnvelope(remoteAddress: to, data: buffer))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    public func close() -> EventLoopFuture<Void> { channel.close() }

    static func failure(_ what: String) -> KernelError { RawSocketOptions.failure(what) }

    /// The raw socket, configured for VRRP on one interface.
    static func openSocket(interface: String, unicastSource: IPAddress?) throws(KernelError) -> Int32 {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw .noSuchInterface(interface) }
        let fd = socket(AF_INET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 112)
        guard fd >= 0 else { throw errno == EPERM ? .permission("open a raw VRRP socket") : failure("open a raw VRRP socket") }
        func set<T>(_ level: Int32, _ name: Int32, _ value: T, _ what: String) throws(KernelError) {
            try RawSocketOptions.set(fd, level, name, value, what)
        }
        try RawSocketOptions.bindToDevice(fd, interface, "bind the VRRP socket to \(interface)")
        if let source = unicastSource {
            guard case .v4(let v) = source else { Glibc.close(fd); throw .kernel(operation: "open a unicast VRRP socket from \(source)", errno: EAFNOSUPPORT, message: "unicast VRRP over IPv6 is not implemented yet") }
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr.s_addr = v.bigEndian
            let bound = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound != 0 {
                let err = failure("bind the unicast VRRP socket to \(source) (unicast_src_ip must be an address of \(interface))")
                Glibc.close(fd)
                throw err
            }
            try set(Int32(IPPROTO_IP), IP_TTL, Int32(255), "set the unicast VRRP TTL")
            return fd
        }
        var membership = ip_mreqn()
        membership.imr_multiaddr.s_addr = UInt32(0xE000_0012).bigEndian
        membership.imr_ifindex = Int32(index)
        try set(Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, membership, "join 224.0.0.18 on \(interface)")
        var out = ip_mreqn()
        out.imr_ifindex = Int32(index)
        try set(Int32(IPPROTO_IP), IP_MULTICAST_IF, out, "send VRRP on \(interface)")
        // RFC 5798 §5.1.1.3: sent with TTL 255, so a receiver can tell an advert that crossed a
        // router (and drop it).
        try set(Int32(IPPROTO_IP), IP_MULTICAST_TTL, Int32(255), "set the VRRP TTL")
        try set(Int32(IPPROTO_IP), IP_MULTICAST_LOOP, Int32(0), "keep own adverts out")
        return fd
    }
}

/// Splits what the raw socket delivers (IPv4 header + advert) into a `ReceivedAdvert`.
final class AdvertDecoder: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let receive: @Sendable (ReceivedAdvert) -> Void

    init(_ receive: @escaping @Sendable (ReceivedAdvert) -> Void) { self.receive = receive }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data).data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), let r = Self.split(bytes) else { return }
        receive(r)
    }

    /// The IPv4 header's TTL, source and destination, and the advert after the header.
    static func split(_ b: [UInt8]) -> ReceivedAdvert? {
        guard b.count >= 20, b[0] >> 4 == 4, b[9] == 112 else { return nil }
        let headerLength = Int(b[0] & 0x0F) * 4
        guard headerLength >= 20, b.count >= headerLength else { return nil }
        let source = VRRPAdvert.address(Array(b[12..<16]))!, destination = VRRPAdvert.address(Array(b[16..<20]))!
        let advert = VRRPAdvert.decode(Array(b[headerLength...]), family: .inet, source: source, destination: destination)
        return ReceivedAdvert(source: source, destination: destination, ttl: b[8], advert: advert, payload: Array(b[headerLength...]))
    }
}
