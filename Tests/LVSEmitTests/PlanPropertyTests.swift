import XCTest
@testable import LVSKernel
@testable import LVSEmit
import LVSModel

/// SplitMix64: a small seeded generator, so a failing case can be replayed from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random tables drawn from a small universe, so that two draws share services and
/// destinations often and differ in every kind of field.
enum TableGen {
    static let schedulers = ["rr", "wrr", "lc", "wlc", "sh", "mh"]

    static func address(_ r: inout SeededRandom, v6: Bool) -> IPAddress {
        v6 ? .v6(0x2001_0db8_0000_0000, UInt64.random(in: 1...6, using: &r))
           : .v4(0xC000_0200 | UInt32.random(in: 1...6, using: &r))
    }

    static func forwarding(_ r: inout SeededRandom) -> IPVSForwarding {
        switch Int.random(in: 0..<4, using: &r) {
        case 0: return .masquerade
        case 1: return .route
        case 2: return .tunnel(type: .ipip, port: nil, checksum: .nocsum)
        default: return .tunnel(type: .gue, port: 6080, checksum: [.nocsum, .csum, .remcsum].randomElement(using: &r)!)
        }
    }

    static func table(_ r: inout SeededRandom) -> IPVSTable {
        var t = IPVSTable()
        var keys = Set<IPVSServiceKey>()
        for _ in 0..<Int.random(in: 0...6, using: &r) {
            let key: IPVSServiceKey
            if Int.random(in: 0..<5, using: &r) == 0 {
                key = .fwmark(UInt32.random(in: 1...3, using: &r), Bool.random(using: &r) ? .inet : .inet6)
            } else {
                let v6 = Int.random(in: 0..<4, using: &r) == 0
                let vip: IPAddress = v6 ? .v6(0x2001_0db8_0000_0064, UInt64.random(in: 1...3, using: &r))
                                        : .v4(0xC633_6400 | UInt32.random(in: 1...3, using: &r))
                key = .address([.tcp, .udp, .sctp].randomElement(using: &r)!, vip, port: [80, 443].randomElement(using: &r)!)
            }
            guard keys.insert(key).inserted else { continue }
            var s = IPVSService(key: key, scheduler: schedulers.randomElement(using: &r)!)
            if Bool.random(using: &r) { s.persistence = [300, 360, 9600].randomElement(using: &r)! }
            if s.persistence != nil && key.family == .inet && Bool.random(using: &r) { s.netmask = .v4(0xFFFF_FF00) }
            if Int.random(in: 0..<4, using: &r) == 0 { s.schedulerFlags = ["flag-1"] }
            if Int.random(in: 0..<6, using: &r) == 0 { s.onePacket = true }
            var dkeys = Set<IPVSDestination.Key>()
            for _ in 0..<Int.random(in: 0...5, using: &r) {
                let port = Bool.random(using: &r) ? 80 : 8080
                var d = IPVSDestination(address: address(&r, v6: key.family == .inet6), port: port,
                                        forwarding: forwarding(&r), weight: Int.random(in: 0...3, using: &r))
                if Int.random(in: 0..<5, using: &r) == 0 { d.upperThreshold = 100 }
                guard dkeys.insert(d.key).inserted else { continue }
                s.destinations.append(d)
            }
            t.services.append(s)
        }
        return t
    }
}

final class PlanPropertyTests: XCTestCase {
    func state(_ t: IPVSTable) -> DirectorState { DirectorState(table: t, addresses: [], sysctls: [:]) }

    /// For random pairs A, B: applying plan(A→B) to A gives B, and planning again gives nothing.
    func testPlanReachesItsTargetAndThenIsEmpty() {
        for seed in UInt64(1)...800 {
            var r = SeededRandom(state: seed)
            let a = TableGen.table(&r), b = TableGen.table(&r)
            let plan = Plan.make(from: state(a), to: state(b))
            let reached = plan.apply(to: state(a))
            XCTAssertEqual(IPVSText.sorted(reached.table), IPVSText.sorted(b), "seed \(seed): plan(A→B) applied to A is not B")
            XCTAssertTrue(Plan.make(from: reached, to: state(b)).isEmpty, "seed \(seed): re-planning after applying is not empty")
            // Never delete a service the target keeps: that would drop its connections.
            let kept = Set(b.services.map(\.key))
            for op in plan.operations {
                if case .deleteService(let s) = op { XCTAssertFalse(kept.contains(s.key), "seed \(seed): deletes kept service \(s.key)") }
            }
        }
    }

    /// Minimal: one changed weight is one destination update; one changed scheduler is one
    /// service update.
    func testSingleChangesAreSingleOperations() {
        for seed in UInt64(1)...300 {
            var r = SeededRandom(state: seed)
            let a = TableGen.table(&r)
            guard let si = a.services.firstIndex(where: { !$0.destinations.isEmpty }) else { continue }
            var b = a
            b.services[si].destinations[0].weight += 7
            let plan = Plan.make(from: state(a), to: state(b))
            XCTAssertEqual(plan.operations.count, 1, "seed \(seed)")
            if case .updateDestination(_, let d, let old)? = plan.operations.first {
                XCTAssertEqual(d.weight, old.weight + 7)
            } else { XCTFail("seed \(seed): expected one destination update, got \(plan.operations)") }
            var c = a
            c.services[si].scheduler = c.services[si].scheduler == "rr" ? "wlc" : "rr"
            let p2 = Plan.make(from: state(a), to: state(c))
            XCTAssertEqual(p2.operations.count, 1, "seed \(seed)")
            if case .updateService? = p2.operations.first {} else { XCTFail("seed \(seed): expected one service update") }
        }
    }

    func testAddressesAndSysctlsArePlannedOnlyWhenKnown() {
        let vip = HostAddress(prefix: IPPrefix(address: .v4(0xC000_0264), length: 24, explicitLength: true), interface: "eth0")
        let desired = DirectorState(table: IPVSTable(), addresses: [vip], sysctls: ["net.ipv4.ip_forward": "1"])
        XCTAssertTrue(Plan.make(from: DirectorState(table: IPVSTable()), to: desired).isEmpty, "unknown parts are left alone")
        let p = Plan.make(from: DirectorState(table: IPVSTable(), addresses: [], sysctls: ["net.ipv4.ip_forward": "0"]), to: desired)
        XCTAssertEqual(p.operations.count, 2)
        let after = p.apply(to: DirectorState(table: IPVSTable(), addresses: [], sysctls: ["net.ipv4.ip_forward": "0"]))
        XCTAssertTrue(Plan.make(from: after, to: desired).isEmpty)
    }
}
