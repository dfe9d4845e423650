/// An IPv4 or IPv6 address, parsed from bytes without Foundation or inet_pton.
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt64, UInt64)

    public enum Family: String, Sendable { case inet, inet6 }

    public var family: Family {
        if case .v4 = self { return .inet }
        return .inet6
    }

    public var maxPrefix: Int { family == .inet ? 32 : 128 }

    /// fe80::/10, the IPv6 link-local unicast range (VRRPv3 over IPv6 sends from one).
    public var isLinkLocal: Bool {
        if case .v6(let hi, _) = self { return hi >> 54 == 0x3FA }
        return false
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let ah, let al), .v6(let bh, let bl)): return ah != bh ? ah < bh : al < bl
        }
    }

    /// Parses dotted-quad IPv4 (exactly four decimal parts, each 0…255, as inet_pton) or IPv6.
    public static func parse<C: Collection>(_ bytes: C) -> IPAddress? where C.Element == UInt8 {
        var hasColon = false
        for b in bytes where b == UInt8(ascii: ":") { hasColon = true; break }
        return hasColon ? parseV6(Array(bytes)) : parseV4(bytes).map { .v4($0) }
    }

    public static func parse(_ s: String) -> IPAddress? { parse(Array(s.utf8)) }

    static func parseV4<C: Collection>(_ bytes: C) -> UInt32? where C.Element == UInt8 {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for b in bytes {
            if b >= 0x30 && b <= 0x39 {
                if digits > 0 && part == 0 { return nil } // no leading zeros, as inet_pton
                part = part * 10 + UInt32(b - 0x30)
                digits += 1
                if part > 255 || digits > 3 { return nil }
            } else if b == UInt8(ascii: ".") {
                if digits == 0 || parts == 3 { return nil }
                value = value << 8 | part
                parts += 1; part = 0; digits = 0
            } else {
                return nil
            }
        }
        if digits == 0 || parts != 3 { return nil }
        return value << 8 | part
    }

    static func parseV6(_ b: [UInt8]) -> IPAddress? {
        var groups: [UInt16] = []
        var doubleColonAt: Int?
        var i = 0
        let n = b.count
        if n < 2 { return nil }
        if b[0] == UInt8(ascii: ":") {
            guard b[1] == UInt8(ascii: ":") else { return nil }
            doubleColonAt = 0
            i = 2
            if i == n { return .v6(0, 0) }
        }
        while i < n {
            // An embedded IPv4 tail (::ffff:1.2.3.4).
            var j = i
            var sawDot = false
            while j < n, b[j] != UInt8(ascii: ":") { if b[j] == UInt8(ascii: ".") { sawDot = true }; j += 1 }
            if sawDot {
                guard j == n, let v4 = parseV4(b[i..<n]), groups.count <= 6 else { return nil }
                groups.append(UInt16(v4 >> 16)); groups.append(UInt16(v4 & 0xffff))
                i = n
                break
            }
            let len = j - i
            guard len >= 1, len <= 4 else { return nil }
            var g: UInt16 = 0
            for k in i..<j {
                guard let h = hexValue(b[k]) else { return nil }
                g = g << 4 | UInt16(h)
            }
            groups.append(g)
            if groups.count > 8 { return nil }
            i = j
            if i < n {
                // at ':'
                if i + 1 < n, b[i + 1] == UInt8(ascii: ":") {
                    if doubleColonAt != nil { return nil }
                    doubleColonAt = groups.count
                    i += 2
                } else {
                    i += 1
                    if i == n { return nil }
                }
            }
        }
        var full = [UInt16](repeating: 0, count: 8)
        if let at = doubleColonAt {
            guard groups.count < 8 else { return nil }
            for k in 0..<at { full[k] = groups[k] }
            let tail = groups.count - at
            for k in 0..<tail { full[8 - tail + k] = groups[at + k] }
        } else {
            guard groups.count == 8 else { return nil }
            full = groups
        }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for k in 0..<4 { hi = hi << 16 | UInt64(full[k]) }
        for k in 4..<8 { lo = lo << 16 | UInt64(full[k]) }
        return .v6(hi, lo)
    }

    package static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    public var groups: [UInt16] {
        guard case .v6(let hi, let lo) = self else { return [] }
        return (0..<4).map { UInt16(truncatingIfNeeded: hi >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: lo >> (48 - 16 * UInt64($0))) }
    }

    /// RFC 5952 text: lower-case hex, the longest run of two or more zero groups as `::`.
    public var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)"
        case .v6:
            let g = groups
            var bestStart = -1, bestLen = 0, curStart = -1, curLen = 0
            for k in 0..<8 {
                if g[k] == 0 {
                    if curStart < 0 { curStart = k; curLen = 0 }
                    curLen += 1
                    if curLen > bestLen { bestStart = curStart; bestLen = curLen }
                } else { curStart = -1 }
            }
            if bestLen < 2 { bestStart = -1 }
            // glibc's inet_ntop (what ipvsadm prints): an IPv4-mapped (::ffff:a.b.c.d) or
            // IPv4-compatible (::a.b.c.d) address ends in dotted quad.
            if bestStart == 0 && (bestLen == 6 || (bestLen == 5 && g[5] == 0xFFFF)) {
                let v4 = UInt32(g[6]) << 16 | UInt32(g[7])
                return (bestLen == 5 ? "::ffff:" : "::") + IPAddress.v4(v4).description
            }
            var out = ""
            var k = 0
            while k < 8 {
                if k == bestStart {
                    out += "::"
                    k += bestLen
                    continue
                }
                if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
                out += String(g[k], radix: 16)
                k += 1
            }
            return out
        }
    }

    public var isMulticast: Bool {
        switch self {
        case .v4(let v): return v >> 28 == 0xE
        case .v6(let hi, _): return hi >> 56 == 0xFF
        }
    }

    public var isLoopback: Bool {
        switch self {
        case .v4(let v): return v >> 24 == 127
        case .v6(let hi, let lo): return hi == 0 && lo == 1
        }
    }

    /// The address with the bits beyond `prefix` cleared.
    public func masked(_ prefix: Int) -> IPAddress {
        switch self {
        case .v4(let v):
            let m: UInt32 = prefix <= 0 ? 0 : (prefix >= 32 ? .max : ~(UInt32.max >> UInt32(prefix)))
            return .v4(v & m)
        case .v6(let hi, let lo):
            if prefix <= 0 { return .v6(0, 0) }
            if prefix >= 128 { return self }
            if prefix <= 64 {
                let m: UInt64 = prefix == 64 ? .max : ~(UInt64.max >> UInt64(prefix))
                return .v6(hi & m, 0)
            }
            return .v6(hi, lo & ~(UInt64.max >> UInt64(prefix - 64)))
        }
    }
}

/// An address with a prefix length, as in `virtual_ipaddress` entries and routes.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int
    /// False when the text had no `/N` and the family's full length was assumed.
    public var explicitLength: Bool

    public init(address: IPAddress, length: Int, explicitLength: Bool) {
        self.address = address
        self.length = length
        self.explicitLength = explicitLength
    }

    public enum ParseError: Error, Equatable, Sendable {
        case badAddress(String)
        case badLength(String)
        case lengthTooLong(Int, IPAddress.Family)
    }

    /// `ADDR[/LEN]`; the error says which half is wrong.
    public static func parse<C: Collection>(_ bytes: C) -> Result<IPPrefix, ParseError> where C.Element == UInt8, C.Index == Int {
        var slash: Int?
        for i in bytes.indices where bytes[i] == UInt8(ascii: "/") { slash = i; break }
        let addrBytes = slash.map { bytes[bytes.startIndex..<$0] } ?? bytes[...]
        guard let addr = IPAddress.parse(addrBytes) else {
            return .failure(.badAddress(String(decoding: addrBytes, as: UTF8.self)))
        }
        guard let s = slash else { return .success(IPPrefix(address: addr, length: addr.maxPrefix, explicitLength: false)) }
        let lenBytes = bytes[(s + 1)...]
        var len = 0
        guard !lenBytes.isEmpty, lenBytes.count <= 3 else { return .failure(.badLength(String(decoding: lenBytes, as: UTF8.self))) }
        for b in lenBytes {
            guard b >= 0x30 && b <= 0x39 else { return .failure(.badLength(String(decoding: lenBytes, as: UTF8.self))) }
            len = len * 10 + Int(b - 0x30)
        }
        guard len <= addr.maxPrefix else { return .failure(.lengthTooLong(len, addr.family)) }
        return .success(IPPrefix(address: addr, length: len, explicitLength: true))
    }

    public var network: IPAddress { address.masked(length) }
    public var hasHostBits: Bool { network != address }

    public func contains(_ a: IPAddress) -> Bool {
        a.family == address.family && a.masked(length) == network
    }

    public var description: String { "\(address)/\(length)" }
}
