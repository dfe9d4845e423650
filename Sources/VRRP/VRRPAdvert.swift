import LVSCore

/// A VRRP advertisement (RFC 3768 for version 2, RFC 5798 for version 3), the payload of an IP
/// packet of protocol 112. Version 2 carries IPv4 addresses, an advert interval in seconds and
/// 8 bytes of (legacy) authentication; version 3 carries IPv4 or IPv6 addresses and an interval
/// in centiseconds, and its checksum covers the IP pseudo-header.
public struct VRRPAdvert: Sendable, Equatable {
    public enum Version: UInt8, Sendable { case v2 = 2, v3 = 3 }

    public var version: Version
    public var virtualRouterID: UInt8
    public var priority: UInt8
    /// Version 2: whole seconds; version 3: centiseconds (12 bits).
    public var interval: UInt16
    public var addresses: [IPAddress]
    /// Version 2 only: 0 none, 1 simple text password (keepalived's `auth_type PASS`).
    public var authType: UInt8 = 0
    /// Version 2 only: the authentication data (a PASS password) without its NUL padding to 8 bytes.
    public var authData: [UInt8] = []

    public init(version: Version, virtualRouterID: UInt8, priority: UInt8, interval: UInt16, addresses: [IPAddress]) {
        self.version = version
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.interval = interval
        self.addresses = addresses
    }

    /// Why bytes are not an advert lvsc accepts (RFC 5798 §7.1: drop it).
    public enum DecodeError: Error, Sendable, Equatable {
        case tooShort(Int)
        case notAnAdvert(versionAndType: UInt8)
        case badChecksum
        case addressCountMismatch
        case mixedFamilies
    }

    /// The advert's bytes. For version 3 the checksum needs the IP source and destination.
    public func encoded(source: IPAddress? = nil, destination: IPAddress? = nil) -> [UInt8] {
        var b: [UInt8] = [version.rawValue << 4 | 1, virtualRouterID, priority, UInt8(truncatingIfNeeded: addresses.count)]
        switch version {
        case .v2: b += [authType, UInt8(truncatingIfNeeded: interval)]
        case .v3: b += [UInt8((interval >> 8) & 0x0F), UInt8(truncatingIfNeeded: interval)]
        }
        b += [0, 0]
        for a in addresses { b += Self.bytes(a) }
        if version == .v2 { b += Array((authData + [UInt8](repeating: 0, count: 8)).prefix(8)) }
        let sum = Self.checksum(b, pseudo: version == .v3 ? Self.pseudoHeader(source, destination, length: b.count) : [])
        b[6] = UInt8(sum >> 8)
        b[7] = UInt8(sum & 0xFF)
        return b
    }

    /// Reads an advert; a version 3 advert's checksum is checked against `source`/`destination`.
    /// `family` says what the addresses are (version 2 is IPv4 only).
    public static func decode(_ b: [UInt8], family: IPAddress.Family = .inet, source: IPAddress? = nil,
                              destination: IPAddress? = nil) -> Result<VRRPAdvert, DecodeError> {
        guard b.count >= 8 else { return .failure(.tooShort(b.count)) }
        guard let version = Version(rawValue: b[0] >> 4), b[0] & 0x0F == 1 else { return .failure(.notAnAdvert(versionAndType: b[0])) }
        if version == .v2 && family != .inet { return .failure(.mixedFamilies) }
        let width = family == .inet ? 4 : 16
        let count = Int(b[3])
        let expected = 8 + count * width + (version == .v2 ? 8 : 0)
        guard b.count >= expected else { return .failure(.addressCountMismatch) }
        let body = Array(b[0..<expected])
        let pseudo = version == .v3 ? pseudoHeader(source, destination, length: body.count) : []
        guard checksum(body, pseudo: pseudo) == 0 else { return .failure(.badChecksum) }
        let interval = version == .v2 ? UInt16(b[5]) : UInt16(b[4] & 0x0F) << 8 | UInt16(b[5])
        var a = VRRPAdvert(version: version, virtualRouterID: b[1], priority: b[2], interval: interval, addresses: [])
        for i in 0..<count {
            let o = 8 + i * width
            guard let ip = address(Array(b[o..<(o + width)])) else { return .failure(.mixedFamilies) }
            a.addresses.append(ip)
        }
        if version == .v2 {
            a.authType = b[4]
            var data = Array(b[(8 + count * 4)..<expected])
            while data.last == 0 { data.removeLast() }
            a.authData = data
        }
        return .success(a)
    }

    static func bytes(_ a: IPAddress) -> [UInt8] {
        switch a {
        case .v4(let v): return [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        case .v6(let hi, let lo):
            return (0..<8).map { UInt8((hi >> (56 - 8 * UInt64($0))) & 0xFF) } + (0..<8).map { UInt8((lo >> (56 - 8 * UInt64($0))) & 0xFF) }
        }
    }

    static func address(_ b: [UInt8]) -> IPAddress? {
        switch b.count {
        case 4: return .v4(b.reduce(0) { $0 << 8 | UInt32($1) })
        case 16: return .v6(b[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, b[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
        default: return nil
        }
    }

    /// RFC 5798 §5.2.8: the IPv4 or IPv6 pseudo-header for protocol 112.
    static func pseudoHeader(_ source: IPAddress?, _ destination: IPAddress?, length: Int) -> [UInt8] {
        guard let source, let destination else { return [] }
        if case .v4 = source {
            return bytes(source) + bytes(destination) + [0, 112, UInt8(length >> 8), UInt8(length & 0xFF)]
        }
        return bytes(source) + bytes(destination) + [0, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 0, 0, 112]
    }

    /// The Internet checksum (RFC 1071) over the pseudo-header and the message.
    static func checksum(_ message: [UInt8], pseudo: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for part in [pseudo, message] {
            var i = 0
            while i + 1 < part.count { sum += UInt32(part[i]) << 8 | UInt32(part[i + 1]); i += 2 }
            if i < part.count { sum += UInt32(part[i]) << 8 }
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
