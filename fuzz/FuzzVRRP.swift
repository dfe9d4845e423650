// The VRRP fuzz target (fuzz/run-vrrp.sh): arbitrary bytes as packets through the decoder and
// the receive checks, and as a script of events for two directors' state machines on the
// simulated LAN. Any crash, or a broken invariant (fatalError), is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVRRP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    packets(bytes)
    elections(bytes)
    return 0
}

/// Decoding never crashes; what decodes encodes back to an advert that decodes the same; the
/// receive checks agree with the decoder on what they let through.
func packets(_ bytes: [UInt8]) {
    let v4a = IPAddress.v4(0xC000_0201), v4b = IPAddress.v4(0xE000_0012)
    let v6a = IPAddress.v6(0xFE80_0000_0000_0000, 1), v6b = IPAddress.v6(0xFF02_0000_0000_0000, 0x12)
    for (family, src, dst) in [(IPAddress.Family.inet, v4a, v4b), (.inet6, v6a, v6b)] {
        for (s, d) in [(Optional(src), Optional(dst)), (nil, nil)] {
            guard case .success(let a) = VRRPAdvert.decode(bytes, family: family, source: s, destination: d) else { continue }
            let again = VRRPAdvert.decode(a.encoded(source: s, destination: d), family: family, source: s, destination: d)
            guard case .success(let b) = again, b == a else { fatalError("round trip: \(a) -> \(again)") }
        }
        for version in [VRRPAdvert.Version.v2, .v3] {
            let filter = VRRPReceiveFilter(version: version, virtualRouterID: bytes.count > 1 ? bytes[1] : 1, family: family,
                                           authType: version == .v2 ? 1 : 0, authPassword: Array("lab51".utf8),
                                           advertInterval: 100, addresses: [src], ownAddresses: [dst])
            let ttl = bytes.last ?? 255
            if case .success(let (advert, _)) = filter.check(bytes, ttl: ttl, source: src, destination: dst) {
                guard ttl == 255, bytes.count >= 8, bytes[2] == advert.priority else { fatalError("filter let through \(bytes)") }
            }
        }
    }
}

/// Reads the fuzzer's bytes as numbers, then zeros.
struct Script {
    var bytes: [UInt8]
    var at = 0
    var done: Bool { at >= bytes.count }
    mutating func next() -> UInt8 {
        defer { at += 1 }
        return at < bytes.count ? bytes[at] : 0
    }
}

/// Two directors, one VRRP instance each, configured from the first bytes; then kills, stops,
/// restarts, tracking changes, foreign adverts and time, in the order the bytes say. Whenever
/// nothing has happened for long enough, exactly one live, healthy instance is MASTER (none if
/// none is), and the VIP is held where the MASTER is and nowhere else.
func elections(_ bytes: [UInt8]) {
    var s = Script(bytes: bytes)
    let version: VRRPAdvert.Version = s.next() & 1 == 0 ? .v2 : .v3
    let interval = version == .v2 ? 100 : 2 + Int(s.next()) % 150
    var configs: [VRRPRouterConfig] = []
    for d in 0..<2 {
        var p = s.next()
        if p == 0 { p = 1 }
        if d == 1 && p == 255 { p = 254 }   // one address owner at most
        let flags = s.next()
        configs.append(VRRPRouterConfig(
            name: "VI_1", virtualRouterID: 51, priority: p, advertInterval: interval, version: version,
            preempt: flags & 1 == 0, preemptDelay: flags & 2 == 0 ? 0 : VRRPTime(s.next() % 4) * 1_000_000,
            startAsMaster: flags & 4 != 0, primaryAddress: .v4(0xC000_0201 + UInt32(d)), virtualAddresses: [.v4(0xC633_640A)],
            garpRepeat: 1, garpDelay: flags & 8 == 0 ? 0 : 1_000_000, garpRefresh: flags & 16 == 0 ? nil : 2_000_000))
    }
    var lan = VRRPLan(directors: configs.map { VRRPDirector(name: "d", routers: [VRRPRouter($0)]) }, delay: 1_000)
    var down: Set<Int> = []
    lan.start(0)
    lan.start(1)
    let settle = VRRPTime(3_000_000) + VRRPTime(12 * interval) * 10_000
    func check() {
        lan.run(until: lan.now + settle)
        let candidates = (0..<2).filter { !down.contains($0) && [.master, .backup].contains(lan.state($0, 0)) }
        let masters = lan.masters(vrid: 51)
        guard masters.count == (candidates.isEmpty ? 0 : 1) else {
            fatalError("after settling: masters \(masters), candidates \(candidates), states \((0..<2).map { lan.state($0, 0) }), log \(lan.log)")
        }
        for d in 0..<2 where !down.contains(d) {
            guard lan.holding[d].isEmpty == !masters.contains(d) else { fatalError("VIP on \(d): \(lan.holding), masters \(masters)") }
        }
    }
    var ops = 0
    while !s.done && ops < 200 {
        ops += 1
        let op = s.next() % 7, d = Int(s.next() & 1)
        switch op {
        case 0: lan.run(until: lan.now + VRRPTime(s.next()) * 10_000)
        case 1: lan.kill(d); down.insert(d)
        case 2: if !down.contains(d) { lan.stop(d); down.insert(d) }
        case 3:
            // A killed director resumes with its old state (a frozen process); a stopped one starts afresh.
            lan.start(d); down.remove(d)
        case 4: lan.setTracking(director: d, router: 0, priorityDelta: Int(Int8(bitPattern: s.next())), fault: s.next() & 3 == 0)
        case 5:
            let prio = s.next()
            lan.deliver(PeerAdvert(priority: prio, interval: interval, source: .v4(0xC000_0200 + UInt32(s.next()))), director: d, router: 0)
        default: check()
        }
    }
    check()
}
