import LVSCore

/// Why a received packet was dropped (RFC 3768 §7.1, RFC 5798 §7.1, and keepalived's checks):
/// each is counted, so a hostile or misconfigured peer shows up in the counters, never in the
/// state.
public enum VRRPDropReason: String, Error, Sendable, CaseIterable {
    case ttl = "ttl-not-255"
    case tooShort = "too-short"
    case lengthMismatch = "length-mismatch"
    case notAnAdvert = "not-an-advert"
    case version = "version"
    case checksum = "checksum"
    case family = "address-family"
    case otherRouterID = "other-vrid"
    case authType = "auth-type"
    case authData = "auth-password"
    case interval = "interval"
    case addressList = "address-list"
    case ownAdvert = "own-advert"
    /// Unicast mode with `check_unicast_src`: the sender is not in `unicast_peer`.
    case unicastSource = "not-a-unicast-peer"
}

/// Counts of dropped packets by reason.
public struct VRRPDropCounters: Sendable, Equatable {
    public private(set) var counts: [VRRPDropReason: Int] = [:]
    public init() {}
    public mutating func count(_ r: VRRPDropReason) { counts[r, default: 0] += 1 }
    public subscript(_ r: VRRPDropReason) -> Int { counts[r] ?? 0 }
    public var total: Int { counts.values.reduce(0, +) }
}

/// How a VRRPv3 IPv4 checksum was computed: RFC 5798 (with the pseudo-header) or as
/// keepalived's `vrrp_v3_checksum_as_v2` (over the message only). Both are accepted.
public enum VRRPChecksumMode: Sendable, Equatable { case pseudoHeader, messageOnly }

/// The receive checks of one instance: what passes becomes a `PeerAdvert` for its state
/// machine; the rest is counted and dropped.
public struct VRRPReceiveFilter: Sendable, Equatable {
    public var version: VRRPAdvert.Version
    public var virtualRouterID: UInt8
    public var family: IPAddress.Family
    /// Version 2: 0 none, 1 PASS; the password as keepalived sends it (first 8 bytes).
    public var authType: UInt8
    public var authPassword: [UInt8]
    /// Centiseconds; version 2 adverts must carry the same (whole seconds).
    public var advertInterval: Int
    /// The VIPs this instance advertises: an advert with another list is dropped (a peer
    /// configured differently must not move this router), unless the sender is the address owner.
    public var addresses: Set<IPAddress>
    /// This director's own addresses: its adverts looped back are not a peer's.
    public var ownAddresses: Set<IPAddress>
    /// Unicast mode (`unicast_peer`): the peers; nil in multicast mode. In unicast mode the TTL
    /// is not checked (the adverts may cross routers), as keepalived does.
    public var unicastPeers: Set<IPAddress>?
    /// `check_unicast_src`: drop unicast adverts from a sender that is not a listed peer.
    public var checkUnicastSource = false

    public init(version: VRRPAdvert.Version, virtualRouterID: UInt8, family: IPAddress.Family = .inet, authType: UInt8 = 0,
                authPassword: [UInt8] = [], advertInterval: Int, addresses: Set<IPAddress>, ownAddresses: Set<IPAddress>) {
        self.version = version
        self.virtualRouterID = virtualRouterID
        self.family = family
        self.authType = authType
        self.authPassword = Array(authPassword.prefix(8))
        self.advertInterval = advertInterval
        self.addresses = addresses
        self.ownAddresses = ownAddresses
    }

    /// Checks a packet's VRRP payload; `ttl` is the IPv4 TTL or IPv6 hop limit it arrived with.
    public func check(_ payload: [UInt8], ttl: UInt8, source: IPAddress, destination: IPAddress) -> Result<(PeerAdvert, VRRPChecksumMode), VRRPDropReason> {
        if unicastPeers == nil { guard ttl == 255 else { return .failure(.ttl) } }
        guard payload.count >= 8 else { return .failure(.tooShort) }
        guard payload[0] & 0x0F == 1 else { return .failure(.notAnAdvert) }
        guard payload[0] >> 4 == version.rawValue else { return .failure(.version) }
        guard source.family == family else { return .failure(.family) }
        guard !ownAddresses.contains(source) else { return .failure(.ownAdvert) }
        if checkUnicastSource, let peers = unicastPeers, !peers.contains(source) { return .failure(.unicastSource) }
        let width = family == .inet ? 4 : 16
        let expected = 8 + Int(payload[3]) * width + (version == .v2 ? 8 : 0)
        guard payload.count >= expected else { return .failure(.tooShort) }
        guard payload.count == expected else { return .failure(.lengthMismatch) }
        var mode = VRRPChecksumMode.pseudoHeader
        var decoded = VRRPAdvert.decode(payload, family: family, source: version == .v3 ? source : nil,
                                        destination: version == .v3 ? destination : nil)
        if case .failure(.badChecksum) = decoded, version == .v3, family == .inet {
            decoded = VRRPAdvert.decode(payload, family: family)
            mode = .messageOnly
        }
        let advert: VRRPAdvert
        switch decoded {
        case .success(let a): advert = a
        case .failure(.badChecksum): return .failure(.checksum)
        case .failure(.tooShort), .failure(.addressCountMismatch): return .failure(.tooShort)
        case .failure(.notAnAdvert): return .failure(.notAnAdvert)
        case .failure(.mixedFamilies): return .failure(.family)
        }
        guard advert.virtualRouterID == virtualRouterID else { return .failure(.otherRouterID) }
        if version == .v2 {
            guard advert.authType == authType else { return .failure(.authType) }
            if authType == 1, Array(advert.authData.prefix(8)) != authPassword { return .failure(.authData) }
        }
        let interval = version == .v2 ? Int(advert.interval) * 100 : Int(advert.interval)
        if version == .v2, interval != advertInterval { return .failure(.interval) }
        if advert.priority != 255, Set(advert.addresses) != addresses { return .failure(.addressList) }
        return .success((PeerAdvert(priority: advert.priority, interval: interval, source: source), mode))
    }
}
