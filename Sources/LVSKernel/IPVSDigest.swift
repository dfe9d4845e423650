import LVSCore

/// Stable 64-bit digests of services, the same in every process and on every machine (Swift's
/// `Hasher` is seeded per process, so it cannot be written to a file and compared later). The
/// apply cache keeps one per service to tell, without reading the kernel, which services a new
/// configuration changes.
public struct StableDigest {
    public private(set) var value: UInt64 = 0x6c76_7363_2d64_6967

    public init() {}

    /// Each step is a bijection of the running value for a fixed input word, so two inputs that
    /// differ in one word always give different digests.
    @inline(__always)
    public mutating func add(_ word: UInt64) {
        var x = value ^ word
        x = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
        x = (x ^ (x >> 27)) &* 0x94d0_49bb_1331_11eb
        value = x ^ (x >> 31)
    }

    @inline(__always)
    public mutating func add(_ n: Int) { add(UInt64(bitPattern: Int64(n))) }

    public mutating func add(_ s: String) {
        var word: UInt64 = 0, shift: UInt64 = 0, count = 0
        for b in s.utf8 {
            word |= UInt64(b) << shift
            shift += 8; count += 1
            if shift == 64 { add(word); word = 0; shift = 0 }
        }
        add(word)
        add(count)
    }

    @inline(__always)
    public mutating func add(_ a: IPAddress) {
        switch a {
        case .v4(let v): add(UInt64(4) << 32 | UInt64(v))
        case .v6(let h, let l): add(6); add(h); add(l)
        }
    }

    public mutating func add(_ k: IPVSServiceKey) {
        switch k {
        case .address(let p, let a, let port): add(1); add(p.number); add(a); add(port)
        case .fwmark(let m, let f): add(2); add(UInt64(m)); add(f == .inet ? 4 : 6)
        }
    }
}

extension IPVSServiceKey {
    public var digest: UInt64 {
        var d = StableDigest()
        d.add(self)
        return d.value
    }
}

extension IPVSService {
    /// Everything `sameState` compares, origins aside; destinations in their order here.
    public var stateDigest: UInt64 {
        var d = StableDigest()
        d.add(key)
        d.add(scheduler)
        d.add(persistence.map { $0 + 1 } ?? 0)
        switch effectiveNetmask {
        case .v4(let m): d.add(UInt64(4) << 32 | UInt64(m))
        case .v6(let n): d.add(6); d.add(n)
        }
        if let pe = persistenceEngine { d.add(1); d.add(pe) } else { d.add(0) }
        d.add(onePacket ? 1 : 0)
        d.add(schedulerFlagBits)
        d.add(destinations.count)
        // Three words for a plain destination (this runs over every destination of the table on
        // each cached apply): the address; port, method and flags packed; the weight.
        for x in destinations {
            d.add(x.address)
            var code: UInt64
            var tunnelPort: UInt64 = 0
            switch x.forwarding {
            case .masquerade: code = 1
            case .route: code = 2
            case .tunnel(let t, let p, let c):
                code = 3 | (t == .ipip ? 0 : t == .gue ? 4 : 8) | (c == .nocsum ? 0 : c == .csum ? 16 : 32)
                if let p { code |= 64; tunnelPort = UInt64(UInt16(truncatingIfNeeded: p)) }
            }
            let thresholds = x.upperThreshold != 0 || x.lowerThreshold != 0
            if thresholds { code |= 128 }
            d.add(UInt64(UInt16(truncatingIfNeeded: x.port)) | code << 16 | tunnelPort << 32)
            d.add(x.weight)
            if thresholds { d.add(x.upperThreshold); d.add(x.lowerThreshold) }
        }
        return d.value
    }
}
