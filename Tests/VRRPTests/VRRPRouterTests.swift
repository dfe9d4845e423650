import XCTest
import LVSCore
@testable import VRRP

/// The VRRP state machine on a fake clock: every RFC timer rule, keepalived's additions, sync
/// groups, and hundreds of randomised elections, in well under a second.
final class VRRPRouterTests: XCTestCase {
    static let s: VRRPTime = 1_000_000

    func config(_ name: String = "VI_1", vrid: UInt8 = 51, priority: UInt8 = 100, interval: Int = 100, version: VRRPAdvert.Version = .v2,
                preempt: Bool = true, preemptDelay: VRRPTime = 0, startAsMaster: Bool = false, address: String) -> VRRPRouterConfig {
        VRRPRouterConfig(name: name, virtualRouterID: vrid, priority: priority, advertInterval: interval, version: version,
                         preempt: preempt, preemptDelay: preemptDelay, startAsMaster: startAsMaster,
                         primaryAddress: IPAddress.parse(address)!, virtualAddresses: [IPAddress.parse("192.0.2.100")!])
    }

    func transitions(_ actions: [VRRPAction]) -> [VRRPRouterState] {
        actions.compactMap { if case .transition(_, let to, _) = $0 { return to } else { return nil } }
    }

    // MARK: timers (RFC 3768 §6.1, RFC 5798 §6.1)

    func testSkewAndMasterDownIntervalFollowTheRFCs() {
        var v2 = VRRPRouter(config(priority: 100, address: "192.0.2.1"))
        XCTAssertEqual(v2.skewTime, 156 * Self.s / 256)                 // (256 − 100)/256 s
        XCTAssertEqual(v2.masterDownInterval, 3 * Self.s + 609_375)       // the manual's 3.61 s
        _ = v2.setTracking(priorityDelta: 28, fault: false, now: 0)
        XCTAssertEqual(v2.masterDownInterval, 3 * Self.s + 500_000)       // priority 128: 3.5 s
        let v3 = VRRPRouter(config(priority: 100, interval: 10, version: .v3, address: "192.0.2.1"))
        XCTAssertEqual(v3.skewTime, 156 * 100_000 / 256)                  // scaled by the 0.1 s interval
        XCTAssertEqual(v3.masterDownInterval, 300_000 + 60_937)
    }

    func testABackupTakesOverAfterTheMasterDownInterval() {
        var r = VRRPRouter(config(address: "192.0.2.1"))
        XCTAssertEqual(transitions(r.start(now: 0)), [.backup])
        XCTAssertEqual(r.masterDownTimer, r.masterDownInterval)
        XCTAssertEqual(r.tick(now: r.masterDownInterval - 1), [])
        let actions = r.tick(now: r.masterDownInterval)
        XCTAssertEqual(transitions(actions), [.master])
        XCTAssertTrue(actions.contains(.sendAdvert(priority: 100)))
        XCTAssertTrue(actions.contains(.addVirtualAddresses))
        XCTAssertTrue(actions.contains(.sendGratuitous(count: 5)))
    }

    func testAMasterAdvertisesEveryIntervalAndGratuitousRoundsFollow() {
        var c = config(address: "192.0.2.1")
        c.garpRefresh = 60 * Self.s
        var r = VRRPRouter(c)
        _ = r.start(now: 0)
        _ = r.tick(now: r.masterDownInterval)
        let t0 = r.masterDownInterval
        var adverts = 0, garps: [Int] = []
        var t = t0
        while t <= t0 + 66 * Self.s {
            for a in r.tick(now: t) {
                if case .sendAdvert = a { adverts += 1 }
                if case .sendGratuitous(let n) = a { garps.append(n) }
            }
            t += 10_000
        }
        XCTAssertEqual(adverts, 66, "one advert a second")
        XCTAssertEqual(garps, [5, 1], "the second round after garp_master_delay (5 s), then a refresh 60 s after it")
    }

    /// garp_master_repeat 3, garp_master_delay 2, garp_master_refresh 10 and
    /// garp_master_refresh_repeat 2: 3 at once, 3 more 2 s later, then 2 every 10 s.
    func testGratuitousRoundsFollowTheGarpMasterSettings() {
        var c = config(address: "192.0.2.1")
        c.garpRepeat = 3
        c.garpDelay = 2 * Self.s
        c.garpRefresh = 10 * Self.s
        c.garpRefreshRepeat = 2
        var r = VRRPRouter(c)
        _ = r.start(now: 0)
        var garps: [(VRRPTime, Int)] = []
        var t: VRRPTime = 0
        while t <= r.masterDownInterval + 23 * Self.s {
            for a in r.tick(now: t) { if case .sendGratuitous(let n) = a { garps.append((t, n)) } }
            t += 10_000
        }
        let t0 = r.masterDownInterval
        XCTAssertEqual(garps.map(\.1), [3, 3, 2, 2])
        XCTAssertEqual(garps.map { ($0.0 - t0 + 5_000) / Self.s }, [0, 2, 12, 22], "at takeover, 2 s later, then every 10 s")
    }

    func testABackupResetsItsTimerOnEveryAdvertOfAnEqualOrHigherMaster() {
        var r = VRRPRouter(config(priority: 100, address: "192.0.2.1"))
        _ = r.start(now: 0)
        for k in 1...10 {
            _ = r.received(PeerAdvert(priority: 150, interval: 100, source: IPAddress.parse("192.0.2.2")!), now: VRRPTime(k) * Self.s)
        }
        XCTAssertEqual(r.masterDownTimer, 10 * Self.s + r.masterDownInterval)
        XCTAssertEqual(r.state, .backup)
    }

    func testPreemptionOfALowerPriorityMaster() {
        var r = VRRPRouter(config(priority: 150, address: "192.0.2.1"))
        _ = r.start(now: 0)
        var t: VRRPTime = 0
        var became: VRRPTime?
        while t < 10 * Self.s {
            t += Self.s
            _ = r.received(PeerAdvert(priority: 100, interval: 100, source: IPAddress.parse("192.0.2.2")!), now: t)
            if transitions(r.tick(now: t)).contains(.master) { became = t }
        }
        // Lower-priority adverts do not reset the timer: the master-down interval after start.
        XCTAssertEqual(r.state, .master)
        XCTAssertNotNil(became)
    }

    func testNopreemptKeepsALowerPriorityMaster() {
        var r = VRRPRouter(config(priority: 150, preempt: false, address: "192.0.2.1"))
        _ = r.start(now: 0)
        var t: VRRPTime = 0
        while t < 20 * Self.s {
            t += Self.s
            _ = r.received(PeerAdvert(priority: 100, interval: 100, source: IPAddress.parse("192.0.2.2")!), now: t)
            _ = r.tick(now: t)
        }
        XCTAssertEqual(r.state, .backup)
    }

    func testPreemptDelayHoldsPreemptionAfterStartUp() {
        var r = VRRPRouter(config(priority: 150, preemptDelay: 10 * Self.s, address: "192.0.2.1"))
        _ = r.start(now: 0)
        var t: VRRPTime = 0
        var became: VRRPTime?
        while t < 20 * Self.s && became == nil {
            t += Self.s
            _ = r.received(PeerAdvert(priority: 100, interval: 100, source: IPAddress.parse("192.0.2.2")!), now: t)
            if transitions(r.tick(now: t)).contains(.master) { became = t }
        }
        let when = try? XCTUnwrap(became)
        XCTAssertGreaterThanOrEqual(when ?? 0, 10 * Self.s, "not before preempt_delay")
        XCTAssertLessThanOrEqual(when ?? .max, 10 * Self.s + r.masterDownInterval + Self.s)
    }

    func testPriorityZeroGivesTakeoverAfterSkewOnly() {
        var r = VRRPRouter(config(priority: 100, address: "192.0.2.1"))
        _ = r.start(now: 0)
        _ = r.received(PeerAdvert(priority: 0, interval: 100, source: IPAddress.parse("192.0.2.2")!), now: Self.s)
        XCTAssertEqual(r.masterDownTimer, Self.s + r.skewTime)
        XCTAssertEqual(transitions(r.tick(now: Self.s + r.skewTime)), [.master])
    }

    func testAMasterStepsDownToAHigherPriorityOrAHigherAddressOnATie() {
        var a = VRRPRouter(config(priority: 100, startAsMaster: true, address: "192.0.2.1"))
        _ = a.start(now: 0)
        XCTAssertEqual(a.state, .master)
        XCTAssertEqual(a.received(PeerAdvert(priority: 100, interval: 100, source: IPAddress.parse("192.0.2.0")!), now: 1), [], "lower address on a tie: discarded")
        XCTAssertEqual(transitions(a.received(PeerAdvert(priority: 100, interval: 100, source: IPAddress.parse("192.0.2.9")!), now: 2)), [.backup])
        var b = VRRPRouter(config(priority: 100, startAsMaster: true, address: "192.0.2.1"))
        _ = b.start(now: 0)
        let step = b.received(PeerAdvert(priority: 101, interval: 100, source: IPAddress.parse("192.0.2.0")!), now: 1)
        XCTAssertEqual(transitions(step), [.backup])
        XCTAssertTrue(step.contains(.removeVirtualAddresses))
    }

    func testTheAddressOwnerIsMasterAtOnceAndStopSendsPriorityZero() {
        var r = VRRPRouter(config(priority: 255, address: "192.0.2.1"))
        XCTAssertEqual(transitions(r.start(now: 0)), [.master])
        let stop = r.stop(now: Self.s)
        XCTAssertEqual(stop.first, .sendAdvert(priority: 0))
        XCTAssertTrue(stop.contains(.removeVirtualAddresses))
        XCTAssertEqual(r.state, .initialize)
    }

    func testVersion2DiscardsAnotherIntervalAndVersion3LearnsIt() {
        var v2 = VRRPRouter(config(priority: 100, address: "192.0.2.1"))
        _ = v2.start(now: 0)
        let before = v2.masterDownTimer
        _ = v2.received(PeerAdvert(priority: 200, interval: 200, source: IPAddress.parse("192.0.2.2")!), now: Self.s)
        XCTAssertEqual(v2.masterDownTimer, before, "a v2 advert with another interval is discarded")
        var v3 = VRRPRouter(config(priority: 100, interval: 100, version: .v3, address: "192.0.2.1"))
        _ = v3.start(now: 0)
        _ = v3.received(PeerAdvert(priority: 200, interval: 50, source: IPAddress.parse("192.0.2.2")!), now: Self.s)
        XCTAssertEqual(v3.masterAdverInterval, 50)
        XCTAssertEqual(v3.masterDownTimer, Self.s + 3 * 500_000 + 156 * 500_000 / 256)
    }

    func testTrackingWeightsAndFault() {
        var r = VRRPRouter(config(priority: 100, startAsMaster: true, address: "192.0.2.1"))
        _ = r.start(now: 0)
        _ = r.setTracking(priorityDelta: -30, fault: false, now: 1)
        XCTAssertEqual(r.effectivePriority, 70)
        XCTAssertEqual(r.tick(now: Self.s).first, .sendAdvert(priority: 70))
        let fault = r.setTracking(priorityDelta: 0, fault: true, now: 2 * Self.s)
        XCTAssertEqual(transitions(fault), [.fault])
        XCTAssertTrue(fault.contains(.sendAdvert(priority: 0)), "a MASTER going to FAULT resigns")
        XCTAssertEqual(r.received(PeerAdvert(priority: 50, interval: 100, source: IPAddress.parse("192.0.2.2")!), now: 3 * Self.s), [])
        XCTAssertEqual(transitions(r.setTracking(priorityDelta: 0, fault: false, now: 4 * Self.s)), [.backup])
        _ = r.setTracking(priorityDelta: 500, fault: false, now: 5 * Self.s)
        XCTAssertEqual(r.effectivePriority, 254, "weights never make a non-owner the owner")
    }

    // MARK: sync groups

    func testASyncGroupMovesTogether() {
        var d = VRRPDirector(name: "lvs01", routers: [VRRPRouter(config("VI_1", vrid: 51, address: "192.0.2.1")),
                                                      VRRPRouter(config("VI_2", vrid: 52, address: "198.51.100.1"))],
                             syncGroups: [[0, 1]])
        _ = d.start(now: 0)
        // VI_2 hears its MASTER, VI_1 does not: VI_1's timer fires and takes VI_2 with it.
        let actions = d.tick(now: d.routers[0].masterDownInterval)
        XCTAssertEqual(d.routers.map(\.state), [.master, .master])
        XCTAssertTrue(actions.contains { $0.router == 1 && $0.action == .addVirtualAddresses })
        // A fault of one is a fault of both, and both come back only when neither is in fault.
        _ = d.setTracking(router: 1, priorityDelta: 0, fault: true, now: 10 * Self.s)
        XCTAssertEqual(d.routers.map(\.state), [.fault, .fault])
        _ = d.setTracking(router: 1, priorityDelta: 0, fault: false, now: 11 * Self.s)
        XCTAssertEqual(d.routers.map(\.state), [.backup, .backup])
        _ = d.setTracking(router: 0, priorityDelta: 0, fault: true, now: 12 * Self.s)
        _ = d.setTracking(router: 1, priorityDelta: 0, fault: true, now: 13 * Self.s)
        _ = d.setTracking(router: 1, priorityDelta: 0, fault: false, now: 14 * Self.s)
        XCTAssertEqual(d.routers.map(\.state), [.fault, .fault], "VI_1 is still in fault: the group stays in FAULT")
    }

    // MARK: two directors on a simulated LAN

    func pair(_ a: VRRPRouterConfig, _ b: VRRPRouterConfig) -> VRRPLan {
        VRRPLan(directors: [VRRPDirector(name: "lvs01", routers: [VRRPRouter(a)]), VRRPDirector(name: "lvs02", routers: [VRRPRouter(b)])])
    }

    func testElectionTakeoverAndPreemptionBack() {
        var lan = pair(config(priority: 150, startAsMaster: true, address: "192.0.2.1"), config(priority: 100, address: "192.0.2.2"))
        lan.start(0); lan.start(1)
        lan.run(until: 10 * Self.s)
        XCTAssertEqual(lan.masters(vrid: 51), [0])
        // SIGKILL of the MASTER: the backup takes over after its master-down interval (3.61 s).
        lan.kill(0)
        let killedAt = lan.now
        lan.run(until: killedAt + 10 * Self.s)
        XCTAssertEqual(lan.masters(vrid: 51), [1])
        let took = lan.log.last { $0.director == 1 && $0.to == .master }!.time - killedAt
        XCTAssertLessThanOrEqual(took, lan.directors[1].routers[0].masterDownInterval + 2 * lan.delay)
        XCTAssertGreaterThan(took, 3 * Self.s - Self.s, "not before the protocol allows")
        // lvs01 comes back: it preempts (higher priority).
        lan.start(0)
        lan.run(until: lan.now + 10 * Self.s)
        XCTAssertEqual(lan.masters(vrid: 51), [0])
        // SIGTERM: priority 0, the backup takes over after its skew time.
        let stoppedAt = lan.now
        lan.stop(0)
        lan.run(until: stoppedAt + 5 * Self.s)
        let graceful = lan.log.last { $0.director == 1 && $0.to == .master }!.time - stoppedAt
        XCTAssertLessThanOrEqual(graceful, lan.directors[1].routers[0].skewTime + 2 * lan.delay)
    }

    func testNopreemptKeepsTheBackupAsMasterWhenTheOtherReturns() {
        var lan = pair(config(priority: 150, preempt: false, address: "192.0.2.1"), config(priority: 100, preempt: false, address: "192.0.2.2"))
        lan.start(1)
        lan.run(until: 10 * Self.s)
        XCTAssertEqual(lan.masters(vrid: 51), [1])
        lan.start(0)
        lan.run(until: 30 * Self.s)
        XCTAssertEqual(lan.masters(vrid: 51), [1], "nopreempt: the running MASTER stays")
    }

    /// Hundreds of random clusters: priorities, versions, intervals, start times and a kill.
    /// After convergence exactly one director is MASTER, and the takeover after a kill is
    /// within the protocol's bound.
    func testRandomElectionsConvergeToOneMaster() {
        var rng = SplitMix(seed: 0x5EED)
        for round in 0..<400 {
            let n = 2 + Int(rng.next() % 3)
            let version: VRRPAdvert.Version = rng.next() % 2 == 0 ? .v2 : .v3
            let interval = version == .v2 ? 100 : [2, 10, 100][Int(rng.next() % 3)]
            var directors: [VRRPDirector] = []
            var priorities = Set<UInt8>()
            for i in 0..<n {
                var p = UInt8(1 + rng.next() % 254)
                while priorities.contains(p) { p = UInt8(1 + rng.next() % 254) }
                priorities.insert(p)
                let c = config(priority: p, interval: interval, version: version, startAsMaster: rng.next() % 3 == 0, address: "192.0.2.\(i + 1)")
                directors.append(VRRPDirector(name: "d\(i)", routers: [VRRPRouter(c)]))
            }
            var lan = VRRPLan(directors: directors, delay: 100)
            let unit = VRRPRouter.micros(interval)
            for i in 0..<n { lan.run(until: VRRPTime(rng.next() % 5) * unit); lan.start(i) }
            lan.run(until: lan.now + 30 * unit)
            let masters = lan.masters(vrid: 51)
            XCTAssertEqual(masters.count, 1, "round \(round): masters \(masters)")
            let highest = (0..<n).max { lan.directors[$0].routers[0].effectivePriority < lan.directors[$1].routers[0].effectivePriority }!
            XCTAssertEqual(masters, [highest], "round \(round): the highest priority wins (preempt is on)")
            // Kill the MASTER: the next highest takes over within its master-down interval.
            lan.kill(highest)
            let t0 = lan.now
            lan.run(until: t0 + 10 * unit)
            let rest = (0..<n).filter { $0 != highest }
            let next = rest.max { lan.directors[$0].routers[0].effectivePriority < lan.directors[$1].routers[0].effectivePriority }!
            XCTAssertEqual(lan.masters(vrid: 51), [next], "round \(round)")
        }
    }
}

/// A small deterministic generator (no Foundation randomness in a test that must repeat).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
