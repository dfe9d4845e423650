import LVSCore
import Diagnostics

/// The kernel's view of a director: IPVS services and their destinations, as ipvsadm and the
/// netlink interface see them. The compiler turns a keepalived.conf into one; `ipvsadm-save`
/// text and the kernel (later) give the current one; the plan is the difference.
public struct IPVSTable: Sendable, Equatable {
    public var services: [IPVSService]

    public init(services: [IPVSService] = []) { self.services = services }

    public static func == (a: IPVSTable, b: IPVSTable) -> Bool {
        a.services.count == b.services.count && zip(a.services, b.services).allSatisfy { $0.sameState(as: $1) }
    }
}

public enum IPVSProtocol: String, Sendable, Hashable, Comparable {
    case tcp, udp, sctp

    /// IPPROTO_* numbers: ipvsadm sorts services by them.
    public var number: Int {
        switch self {
        case .tcp: return 6
        case .udp: return 17
        case .sctp: return 132
        }
    }

    public static func < (a: IPVSProtocol, b: IPVSProtocol) -> Bool { a.number < b.number }
}

/// What identifies a service to the kernel.
public enum IPVSServiceKey: Sendable, Hashable {
    case address(IPVSProtocol, IPAddress, port: Int)
    case fwmark(UInt32, IPAddress.Family)

    public var family: IPAddress.Family {
        switch self {
        case .address(_, let a, _): return a.family
        case .fwmark(_, let f): return f
        }
    }
}

public enum IPVSForwarding: Sendable, Hashable {
    case masquerade
    case route
    case tunnel(type: TunnelType, port: Int?, checksum: TunnelChecksum)

    public enum TunnelType: String, Sendable { case ipip, gue, gre }
    public enum TunnelChecksum: String, Sendable { case nocsum, csum, remcsum }
}

public struct IPVSDestination: Sendable {
    public var address: IPAddress
    public var port: Int
    public var forwarding: IPVSForwarding
    public var weight: Int
    public var upperThreshold: Int = 0
    public var lowerThreshold: Int = 0
    /// The real_server line this came from (nil for state read from the kernel or a file).
    public var origin: SourceSpan?

    public init(address: IPAddress, port: Int, forwarding: IPVSForwarding, weight: Int, origin: SourceSpan? = nil) {
        self.address = address
        self.port = port
        self.forwarding = forwarding
        self.weight = weight
        self.origin = origin
    }

    public struct Key: Hashable, Sendable {
        public var address: IPAddress
        public var port: Int
    }

    public var key: Key { Key(address: address, port: port) }

    /// Everything the kernel keeps for a destination, origin aside.
    public func sameState(as o: IPVSDestination) -> Bool {
        address == o.address && port == o.port && forwarding == o.forwarding && weight == o.weight
            && upperThreshold == o.upperThreshold && lowerThreshold == o.lowerThreshold
    }
}

public struct IPVSService: Sendable {
    public var key: IPVSServiceKey
    public var scheduler: String
    /// Persistence timeout in seconds; nil when the service is not persistent.
    public var persistence: Int?
    /// Persistence granularity: an IPv4 netmask (as an address) or an IPv6 prefix length.
    public var netmask: Netmask?
    public var persistenceEngine: String?
    public var onePacket = false
    /// Scheduler flags by name (flag-1..3, sh-fallback, sh-port, mh-fallback, mh-port).
    public var schedulerFlags: [String] = []
    public var destinations: [IPVSDestination] = []
    /// The virtual_server line this came from.
    public var origin: SourceSpan?

    public enum Netmask: Sendable, Hashable {
        case v4(UInt32)
        case v6(Int)
    }

    public init(key: IPVSServiceKey, scheduler: String, origin: SourceSpan? = nil) {
        self.key = key
        self.scheduler = scheduler
        self.origin = origin
    }

    /// The scheduler flag bits (IP_VS_SVC_F_SCHED1..3) the names stand for, as the kernel keeps them.
    public var schedulerFlagBits: Int {
        var bits = 0
        for f in schedulerFlags {
            switch f {
            case "flag-1", "sh-fallback", "mh-fallback": bits |= 1
            case "flag-2", "sh-port", "mh-port": bits |= 2
            case "flag-3": bits |= 4
            default: break
            }
        }
        return bits
    }

    /// The service's own settings, destinations aside; what `update service` changes.
    public func sameSettings(as o: IPVSService) -> Bool {
        key == o.key && scheduler == o.scheduler && persistence == o.persistence
            && effectiveNetmask == o.effectiveNetmask && persistenceEngine == o.persistenceEngine
            && onePacket == o.onePacket && schedulerFlagBits == o.schedulerFlagBits
    }

    /// The kernel stores a full mask for services without granularity.
    public var effectiveNetmask: Netmask {
        netmask ?? (key.family == .inet ? .v4(0xFFFF_FFFF) : .v6(128))
    }

    public func sameState(as o: IPVSService) -> Bool {
        sameSettings(as: o) && destinations.count == o.destinations.count
            && zip(destinations, o.destinations).allSatisfy { $0.sameState(as: $1) }
    }
}
