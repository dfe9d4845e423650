import XCTest
import LVSCore
@testable import VRRP

/// The receive path drops every packet RFC 5798 §7.1 (and keepalived) says to drop, counts each
/// by reason, and a router fed only such packets never moves.
final class VRRPReceiveFilterTests: XCTestCase {
    let peer = IPAddress.parse("192.0.2.2")!
    let me = IPAddress.parse("192.0.2.1")!
    let group = IPAddress.parse("224.0.0.18")!
    let vip = IPAddress.parse("192.0.2.100")!

    func v2Filter() -> VRRPReceiveFilter {
        VRRPReceiveFilter(version: .v2, virtualRouterID: 51, authType: 1, authPassword: Array("secret".utf8),
                          advertInterval: 100, addresses: [vip], ownAddresses: [me])
    }

    func v2Advert(vrid: UInt8 = 51, priority: UInt8 = 200, interval: UInt16 = 1, addresses: [IPAddress]? = nil,
                  authType: UInt8 = 1, password: String = "secret") -> [UInt8] {
        var a = VRRPAdvert(version: .v2, virtualRouterID: vrid, priority: priority, interval: interval, addresses: addresses ?? [vip])
        a.authType = authType
        a.authData = Array(password.utf8)
        return a.encoded()
    }

    func testAValidAdvertPasses() throws {
        let r = v2Filter().check(v2Advert(), ttl: 255, source: peer, destination: group)
        let (advert, _) = try r.get()
        XCTAssertEqual(advert, PeerAdvert(priority: 200, interval: 100, source: peer))
    }

    /// Unicast mode: the TTL is not checked (the adverts may cross routers, as keepalived
    /// allows); with check_unicast_src a sender that is not a listed peer is dropped.
    func testUnicastModeSkipsTheTTLAndChecksTheSourceWhenAsked() throws {
        var f = v2Filter()
        let stranger = IPAddress.parse("192.0.2.9")!
        XCTAssertEqual(f.check(v2Advert(), ttl: 64, source: peer, destination: me).failureReason, .ttl, "multicast: TTL 255 only")
        f.unicastPeers = [peer]
        XCTAssertNil(f.check(v2Advert(), ttl: 64, source: peer, destination: me).failureReason)
        XCTAssertNil(f.check(v2Advert(), ttl: 255, source: stranger, destination: me).failureReason, "keepalived accepts any sender by default")
        f.checkUnicastSource = true
        XCTAssertEqual(f.check(v2Advert(), ttl: 255, source: stranger, destination: me).failureReason, .unicastSource)
        XCTAssertNil(f.check(v2Advert(), ttl: 255, source: peer, destination: me).failureReason)
    }

    func testEveryHostilePacketIsDroppedAndCountedByReason() {
        let f = v2Filter()
        var bad = v2Advert()
        bad[6] ^= 0xFF
        let cases: [(String, [UInt8], UInt8, IPAddress, VRRPDropReason)] = [
            ("TTL 64", v2Advert(), 64, peer, .ttl),
            ("wrong password", v2Advert(password: "guess"), 255, peer, .authData),
            ("no authentication", v2Advert(authType: 0, password: ""), 255, peer, .authType),
            ("bad checksum", bad, 255, peer, .checksum),
            ("another VRID", v2Advert(vrid: 52), 255, peer, .otherRouterID),
            ("another interval", v2Advert(interval: 3), 255, peer, .interval),
            ("another address list", v2Advert(addresses: [IPAddress.parse("192.0.2.101")!]), 255, peer, .addressList),
            ("truncated", Array(v2Advert().prefix(10)), 255, peer, .tooShort),
            ("oversized", v2Advert() + [UInt8](repeating: 0, count: 1400), 255, peer, .lengthMismatch),
            ("version 3 to a version 2 router",
             VRRPAdvert(version: .v3, virtualRouterID: 51, priority: 200, interval: 100, addresses: [vip]).encoded(source: peer, destination: group), 255, peer, .version),
            ("not an advert", [0x22] + Array(v2Advert().dropFirst()), 255, peer, .notAnAdvert),
            ("our own advert", v2Advert(), 255, me, .ownAdvert),
        ]
        var counters = VRRPDropCounters()
        var router = VRRPRouter(VRRPRouterConfig(name: "VI_1", virtualRouterID: 51, priority: 100, primaryAddress: me, virtualAddresses: [vip]))
        _ = router.start(now: 0)
        let timer = router.masterDownTimer
        for (what, bytes, ttl, source, reason) in cases {
            switch f.check(bytes, ttl: ttl, source: source, destination: group) {
            case .success: XCTFail("\(what) passed")
            case .failure(let r):
                XCTAssertEqual(r, reason, what)
                counters.count(r)
            }
        }
        XCTAssertEqual(counters.total, cases.count)
        XCTAssertEqual(Set(counters.counts.keys), Set(cases.map(\.4)))
        // Nothing reached the state machine: its timer is untouched, and it takes over on time.
        XCTAssertEqual(router.masterDownTimer, timer)
        XCTAssertEqual(router.state, .backup)
    }

    func testVersion3AcceptsBothChecksumsKeepalivedSends() throws {
        let f = VRRPReceiveFilter(version: .v3, virtualRouterID: 51, advertInterval: 100, addresses: [vip], ownAddresses: [me])
        let advert = VRRPAdvert(version: .v3, virtualRouterID: 51, priority: 150, interval: 50, addresses: [vip])
        let (a, mode) = try f.check(advert.encoded(source: peer, destination: group), ttl: 255, source: peer, destination: group).get()
        XCTAssertEqual(mode, .pseudoHeader)
        XCTAssertEqual(a.interval, 50, "v3 carries centiseconds")
        let (_, legacy) = try f.check(advert.encoded(), ttl: 255, source: peer, destination: group).get()
        XCTAssertEqual(legacy, .messageOnly, "vrrp_v3_checksum_as_v2")
    }

    func testTheAddressOwnerMayAdvertiseAnotherList() throws {
        XCTAssertNoThrow(try v2Filter().check(v2Advert(priority: 255, addresses: []), ttl: 255, source: peer, destination: group).get())
    }

    /// A flood of 10,000 hostile packets costs little and leaves the router's timers as they were.
    func testAFloodNeverMovesTheRouter() {
        let f = v2Filter()
        var router = VRRPRouter(VRRPRouterConfig(name: "VI_1", virtualRouterID: 51, priority: 100, startAsMaster: true, primaryAddress: me, virtualAddresses: [vip]))
        _ = router.start(now: 0)
        var counters = VRRPDropCounters()
        var rng = SplitMix(seed: 7)
        let good = v2Advert(priority: 250)
        for i in 0..<10_000 {
            var b = good
            b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1 + rng.next() % 255)
            switch f.check(b, ttl: 255, source: peer, destination: group) {
            case .failure(let r): counters.count(r)
            case .success(let (a, _)): _ = router.received(a, now: VRRPTime(i))
            }
        }
        // A flipped byte breaks the checksum (or the header): every packet is dropped.
        XCTAssertEqual(counters.total, 10_000)
        XCTAssertEqual(router.state, .master)
    }
}

extension Result {
    /// The failure, for assertions.
    var failureReason: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
