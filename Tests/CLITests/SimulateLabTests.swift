import Foundation
import XCTest

/// `lvsc simulate`'s answers against the real thing: the example cluster's two directors run
/// `lvsc run` in network namespaces (a front and a back LAN, each a bridge, so one director's
/// link can fail alone), and after each failure and recovery the VIPs sit exactly where the
/// simulator said, and stay there. Documentation addresses only (the example's own).
final class SimulateLabTests: XCTestCase {
    let root = URL(fileURLWithPath: "/")

    struct Prediction {
        /// VIP → the director that holds it.
        var holder: [String: String]
        var seconds: [String: Double]
    }

    /// Runs `lvsc simulate … --format json` and reads where each VIP ends, after the failures
    /// or after the recovery.
    func predict(_ inventory: String, _ args: [String], recovered: Bool) throws -> Prediction {
        let r = try runLVSC(["simulate", "--inventory", inventory, "--format", "json"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let snapshot = try XCTUnwrap(object[recovered ? "recovered" : "after"] as? [String: Any])
        var p = Prediction(holder: [:], seconds: [:])
        for g in try XCTUnwrap(snapshot["groups"] as? [[String: Any]]) {
            let masters = try XCTUnwrap(g["masters"] as? [String])
            XCTAssertEqual(masters.count, 1, "\(g)")
            for v in try XCTUnwrap(g["vips"] as? [String]) { p.holder[v] = masters.first }
        }
        for m in try XCTUnwrap(object[recovered ? "recovery_moves" : "moves"] as? [[String: Any]]) {
            for v in ((m["vips"] as? String) ?? "").split(separator: ",") { p.seconds[v.trimmingCharacters(in: .whitespaces)] = m["seconds"] as? Double }
        }
        return p
    }

    func testTheLabEndsWhereTheSimulatorSays() throws {
        let lab = try RunLabTests.Lab(self)
        let id = "\(getpid())-\(UInt32.random(in: 0...0xFFFF))"
        let ns = ["lb1": "lvsc-sim-1-\(id)", "lb2": "lvsc-sim-2-\(id)"]
        let sw = "lvsc-sim-s-\(id)"
        addTeardownBlock { [root] in
            _ = try? sh("ip netns del \(ns["lb1"]!) 2>/dev/null; ip netns del \(ns["lb2"]!) 2>/dev/null; ip netns del \(sw) 2>/dev/null; true", in: root)
        }
        let made = try sh("""
            set -e
            ip netns add \(ns["lb1"]!); ip netns add \(ns["lb2"]!); ip netns add \(sw)
            for br in br0 br1; do ip -n \(sw) link add $br type bridge; ip -n \(sw) link set $br up; done
            i=1
            for n in \(ns["lb1"]!) \(ns["lb2"]!); do
                ip link add eth0 netns $n type veth peer name f$i netns \(sw)
                ip link add eth1 netns $n type veth peer name b$i netns \(sw)
                ip -n \(sw) link set f$i master br0; ip -n \(sw) link set f$i up
                ip -n \(sw) link set b$i master br1; ip -n \(sw) link set b$i up
                ip -n $n addr add 203.0.113.$((i + 1))/24 dev eth0; ip -n $n addr add 198.51.100.$((i + 1))/24 dev eth1
                for l in lo eth0 eth1; do ip -n $n link set $l up; done
                i=$((i + 1))
            done
            """, in: root)
        XCTAssertEqual(made.status, 0, made.stderr)
        // The example cluster, its DNS check made one that passes here (the simulator assumes
        // every script passes until told otherwise).
        let folder = lab.work + "/shop"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = repositoryRoot.appendingPathComponent("Fixtures/examples/shop")
        for name in ["cluster.txt", "lb1.conf", "lb2.conf"] {
            var text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
            text = text.replacingOccurrences(of: "script \"/usr/bin/dig @127.0.0.1 +short example.org\"", with: "script \"/bin/true\"")
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        let inventory = folder + "/cluster.txt"
        func run(_ host: String) throws -> Process {
            try lab.start(ns[host]!, [lvscBinary.path, "run", "--inventory", inventory, "--host", host, "--vrrp-only"], log: host)
        }
        func holders(_ vip: String) -> [String] {
            ns.keys.sorted().filter { host in
                ((try? sh("ip -n \(ns[host]!) -4 addr show", in: root).stdout) ?? "").contains("inet \(vip)/")
            }
        }
        func matches(_ p: Prediction) -> Bool { p.holder.allSatisfy { holders($0.key) == [$0.value] } }
        func logs() -> String { lab.log("lb1") + lab.log("lb2") }
        /// The lab reaches the prediction within `limit` seconds and keeps it for 2 s.
        func check(_ p: Prediction, _ what: String, limit: Double) {
            let took = lab.wait(limit) { matches(p) }
            XCTAssertNotNil(took, "\(what): the lab is not where the simulator said \(p.holder): " + p.holder.keys.sorted().map { "\($0) on \(holders($0))" }.joined(separator: ", ") + "\n" + logs())
            if let took, let slowest = p.seconds.values.max() {
                // The lab polls every 50 ms and runs under load: within a second of the protocol.
                XCTAssertLessThan(took, slowest + 1.0, "\(what): the simulator said \(slowest) s")
            }
            let start = Date()
            while Date().timeIntervalSince(start) < 2 {
                if !matches(p) { XCTFail("\(what): the VIPs moved again: " + logs()); break }
                usleep(100_000)
            }
        }

        let baseline = try predict(inventory, [], recovered: false)
        XCTAssertEqual(baseline.holder.count, 5)
        var lb1 = try run("lb1")
        let lb2 = try run("lb2")
        check(baseline, "start-up", limit: 10)

        // Scenario 1: lb1's back link fails, then comes back.
        let linkDown = try predict(inventory, ["--link-down", "lb1:eth1"], recovered: false)
        let linkBack = try predict(inventory, ["--link-down", "lb1:eth1", "--recover"], recovered: true)
        XCTAssertEqual(linkDown.holder["198.51.100.1"], "lb2")
        XCTAssertEqual(linkDown.holder["203.0.113.10"], "lb2")
        XCTAssertEqual(linkDown.holder["203.0.113.20"], "lb1")
        _ = try sh("ip -n \(ns["lb1"]!) link set eth1 down", in: root)
        check(linkDown, "lb1's eth1 down", limit: 5)
        _ = try sh("ip -n \(ns["lb1"]!) link set eth1 up", in: root)
        check(linkBack, "lb1's eth1 up again", limit: 8)

        // Scenario 2: lb1 dies (its VIPs go with the host), then comes back: it preempts all but
        // mail, which nopreempt keeps on lb2.
        let kill = try predict(inventory, ["--down", "lb1"], recovered: false)
        let restart = try predict(inventory, ["--down", "lb1", "--recover"], recovered: true)
        XCTAssertEqual(Set(kill.holder.values), ["lb2"])
        XCTAssertEqual(restart.holder["203.0.113.20"], "lb2")
        XCTAssertEqual(restart.holder["203.0.113.10"], "lb1")
        lab.stop(lb1, signal: SIGKILL)
        _ = try sh("for v in 203.0.113.10 203.0.113.11 203.0.113.20 203.0.113.30; do ip -n \(ns["lb1"]!) addr del $v/24 dev eth0 2>/dev/null; done; ip -n \(ns["lb1"]!) addr del 198.51.100.1/24 dev eth1 2>/dev/null; true", in: root)
        check(kill, "lb1 killed", limit: 6)
        lb1 = try run("lb1")
        check(restart, "lb1 back", limit: 8)

        lab.stop(lb1, signal: SIGTERM)
        lab.stop(lb2, signal: SIGTERM)
        XCTAssertEqual(lb1.terminationStatus, 0, lab.log("lb1"))
        XCTAssertEqual(lb2.terminationStatus, 0, lab.log("lb2"))
    }
}
