import XCTest
@testable import LVSKernel
@testable import LVSEmit
import LVSModel
import Diagnostics

/// The apply cache's logic, with tables standing in for the kernel: what it reads back, which
/// services it calls changed, and that the plan over only those equals the plan over everything.
final class ApplyCacheTests: XCTestCase {
    let id = ApplyCache.Identity(host: "lvs01", netns: "cookie:1", boot: "b0")

    func text(_ p: Plan) -> String { PlanRender(sources: SourceManager()).text(p, explain: false) }

    func testRoundTripKeepsEveryRecord() {
        for seed in UInt64(1)...200 {
            var r = SeededRandom(state: seed)
            let t = TableGen.table(&r)
            let c = ApplyCache(identity: id, table: t)
            guard case .success(let back) = ApplyCache.parse(c.render()) else { return XCTFail("seed \(seed): does not read back") }
            XCTAssertEqual(back.identity, id)
            XCTAssertEqual(back.count, t.services.count, "seed \(seed)")
            XCTAssertEqual((0..<back.count).map { back.key($0) }, t.services.map(\.key), "seed \(seed)")
            XCTAssertEqual((0..<back.count).map { back.stateDigest($0) }, t.services.map(\.stateDigest), "seed \(seed)")
            XCTAssertEqual(back.render(), c.render(), "seed \(seed)")
        }
    }

    /// With the kernel holding A (what the cache recorded), planning B over only the services the
    /// cache calls changed or removed gives exactly the full plan A→B.
    func testPlanOverChangedServicesEqualsTheFullPlan() {
        var partialReads = 0
        for seed in UInt64(1)...800 {
            var r = SeededRandom(state: seed)
            let a = TableGen.table(&r)
            // B: A with a few edits, or an unrelated table.
            var b = seed % 3 == 0 ? TableGen.table(&r) : a
            if seed % 3 != 0, !b.services.isEmpty {
                let i = Int.random(in: 0..<b.services.count, using: &r)
                switch seed % 4 {
                case 0: b.services.remove(at: i)
                case 1: if !b.services[i].destinations.isEmpty { b.services[i].destinations[0].weight += 1 }
                case 2: b.services[i].scheduler = b.services[i].scheduler == "rr" ? "wlc" : "rr"
                default: b.services[i].destinations.removeAll()
                }
            }
            let cache = ApplyCache(identity: id, table: a)
            guard case .success(let read) = ApplyCache.parse(cache.render()), let ch = read.changes(to: b) else {
                return XCTFail("seed \(seed): no changes computed")
            }
            XCTAssertEqual(ch.records[...], ApplyCache(identity: id, table: b).records, "seed \(seed): the records written next")
            XCTAssertEqual(Set(ch.changed + ch.unchanged), Set(b.services.indices), "seed \(seed): every desired service is classified once")
            XCTAssertEqual(ch.changed.count + ch.unchanged.count, b.services.count, "seed \(seed)")
            let byKey = Dictionary(uniqueKeysWithValues: a.services.map { ($0.key, $0) })
            for i in ch.unchanged {
                XCTAssertTrue(byKey[b.services[i].key].map { $0.sameState(as: b.services[i]) } ?? false, "seed \(seed): unchanged but differs")
            }
            XCTAssertEqual(Set(ch.removed), Set(a.services.map(\.key)).subtracting(b.services.map(\.key)), "seed \(seed): removed keys")
            let keys = Set(ch.changed.map { b.services[$0].key } + ch.removed)
            let kernel = DirectorState(table: IPVSTable(services: a.services.filter { keys.contains($0.key) }))
            let part = DirectorState(table: IPVSTable(services: ch.changed.map { b.services[$0] }))
            let full = Plan.make(from: DirectorState(table: a), to: DirectorState(table: b))
            XCTAssertEqual(text(Plan.make(from: kernel, to: part)), text(full), "seed \(seed)")
            if keys.count < a.services.count { partialReads += 1 }
        }
        XCTAssertGreaterThan(partialReads, 300, "most cases read fewer services than the table holds")
    }

    func testDigestsSeeEveryField() {
        var s = IPVSService(key: .address(.tcp, .v4(0xC000_020A), port: 80), scheduler: "rr")
        s.destinations = [IPVSDestination(address: .v4(0xC000_0214), port: 80, forwarding: .route, weight: 1)]
        var variants: [IPVSService] = []
        func v(_ f: (inout IPVSService) -> Void) { var x = s; f(&x); variants.append(x) }
        v { $0.scheduler = "wrr" }
        v { $0.persistence = 300 }
        v { $0.netmask = .v4(0xFFFF_FF00) }
        v { $0.persistenceEngine = "sip" }
        v { $0.onePacket = true }
        v { $0.schedulerFlags = ["flag-2"] }
        v { $0.destinations[0].weight = 2 }
        v { $0.destinations[0].port = 81 }
        v { $0.destinations[0].address = .v4(0xC000_0215) }
        v { $0.destinations[0].forwarding = .masquerade }
        v { $0.destinations[0].forwarding = .tunnel(type: .ipip, port: nil, checksum: .nocsum) }
        v { $0.destinations[0].forwarding = .tunnel(type: .gue, port: 6080, checksum: .csum) }
        v { $0.destinations[0].upperThreshold = 9 }
        v { $0.destinations[0].lowerThreshold = 9 }
        v { $0.destinations.append(IPVSDestination(address: .v4(0xC000_0216), port: 80, forwarding: .route, weight: 1)) }
        v { $0.destinations.removeAll() }
        v { $0.key = .address(.udp, .v4(0xC000_020A), port: 80) }
        v { $0.key = .fwmark(80, .inet) }
        let digests = [s.stateDigest] + variants.map(\.stateDigest)
        XCTAssertEqual(Set(digests).count, digests.count, "every changed field changes the digest")
        // The kernel's spelling of an unset netmask is the same state.
        var full = s
        full.netmask = .v4(0xFFFF_FFFF)
        XCTAssertEqual(full.stateDigest, s.stateDigest)
    }

    func testDamagedFilesAreRefused() {
        var t = IPVSTable()
        t.services = [IPVSService(key: .fwmark(7, .inet6), scheduler: "rr"),
                      IPVSService(key: .address(.sctp, .v6(1, 2), port: 9), scheduler: "rr")]
        let good = ApplyCache(identity: id, table: t).render()
        let headerEnd = good.count - 4 - 2 * ApplyCache.recordSize
        let second = headerEnd + ApplyCache.recordSize
        func edit(_ f: (inout [UInt8]) -> Void) -> [UInt8] { var b = good; f(&b); return b }
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "bad header"),
            ("text", Array("hello\n".utf8), "not a lvsc-apply-cache/1 file"),
            ("cut", Array(good.dropLast(5)), "cut off"),
            ("no end line", Array(good.dropLast(4)), "cut off"),
            ("extra byte", good + [10], "expected 2 services and an end line"),
            ("wrong count", Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "services 2", with: "services 1").utf8), "expected 1 services"),
            ("huge count", Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "services 2", with: "services 999999999999").utf8), "cut off"),
            ("other format", Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "/1", with: "/9").utf8), "not a"),
        ]
        for (name, bytes, message) in cases {
            switch ApplyCache.parse(bytes) {
            case .success: XCTFail("\(name): accepted")
            case .failure(let e): XCTAssertTrue(e.message.contains(message), "\(name): \(e.message)")
            }
        }
        guard case .success(let c) = ApplyCache.parse(good) else { return XCTFail("the good file is refused") }
        XCTAssertNotNil(c.changes(to: IPVSTable()))
        // Records are decoded only to delete their service: a damaged one is refused then.
        let damaged: [(String, [UInt8])] = [
            ("bad kind", edit { $0[headerEnd + 16] = 9 }),
            ("bad family", edit { $0[headerEnd + 18] = 5 }),
            ("bad protocol", edit { $0[second + 17] = 50 }),
            ("key and digest disagree", edit { $0[headerEnd + 24] = 8 }),
            ("port and digest disagree", edit { $0[second + 20] = 10 }),
        ]
        for (name, bytes) in damaged {
            guard case .success(let d) = ApplyCache.parse(bytes) else { XCTFail("\(name): not read"); continue }
            XCTAssertNil(d.changes(to: IPVSTable()), name)
        }
    }

    /// A cache naming a service twice (lvsc never writes one) never deletes a wanted service.
    func testDuplicateRecordsDeleteNothingWanted() {
        let s = IPVSService(key: .fwmark(7, .inet), scheduler: "rr")
        let twice = ApplyCache(identity: id, table: IPVSTable(services: [s, s]))
        XCTAssertEqual(twice.count, 2)
        XCTAssertEqual(twice.changes(to: IPVSTable(services: [s]))?.removed, [])
        XCTAssertEqual(twice.changes(to: IPVSTable())?.removed, [s.key], "deleted once")
    }
}
