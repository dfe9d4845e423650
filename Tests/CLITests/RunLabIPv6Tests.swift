import Foundation
import XCTest

/// VRRPv3 over IPv6 (RFC 5798 §5.1.2) in network namespaces (root): two `lvsc run` directors,
/// then Debian's keepalived as the peer both ways, with tshark on the link reading every advert
/// and the unsolicited neighbour advertisements. Documentation addresses only (2001:db8::/32).
final class RunLabIPv6Tests: XCTestCase {
    typealias Lab = RunLabTests.Lab
    let root = URL(fileURLWithPath: "/")
    static let vip = "2001:db8:51::10"

    func conf(_ lab: Lab, _ name: String, iface: String, priority: Int, state: String) throws -> String {
        let path = lab.work + "/\(name).conf"
        try """
        global_defs {
            router_id \(name)
        }
        vrrp_instance VI_6 {
            state \(state)
            interface \(iface)
            virtual_router_id 61
            priority \(priority)
            advert_int 1
            virtual_ipaddress {
                \(Self.vip)/128
            }
        }

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func holds(_ ns: String, _ iface: String) -> Bool {
        let r = try? sh("ip -n \(ns) -6 addr show dev \(iface)", in: root)
        return r?.stdout.contains("inet6 \(Self.vip)/128 ") ?? false
    }

    func stays(_ lab: Lab, _ seconds: Double, onA: Bool) -> Bool {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if holds(lab.a, "va") != onA || holds(lab.b, "vb") == onA { return false }
            usleep(50_000)
        }
        return true
    }

    /// The link-local address of an interface once duplicate address detection has finished
    /// (adverts leave from it).
    func linkLocal(_ lab: Lab, _ ns: String, _ iface: String) -> String? {
        var found: String?
        _ = lab.wait(10) {
            let out = (try? sh("ip -n \(ns) -6 addr show dev \(iface) scope link", in: root).stdout) ?? ""
            guard !out.contains("tentative"), let line = out.split(separator: "\n").first(where: { $0.contains("inet6 fe80") }) else { return false }
            found = line.split(separator: " ").dropFirst().first.map { String($0.split(separator: "/")[0]) }
            return true
        }
        return found
    }

    /// Unicast adverts over IPv6 (`unicast_src_ip` / `unicast_peer` with global documentation
    /// addresses): two lvsc directors, then keepalived as the MASTER with lvsc as its BACKUP.
    func testUnicastOverIPv6() throws {
        let lab = try Lab(self)
        let made = try sh("ip -n \(lab.a) -6 addr add 2001:db8:51::1/64 dev va nodad && ip -n \(lab.b) -6 addr add 2001:db8:51::2/64 dev vb nodad", in: root)
        XCTAssertEqual(made.status, 0, made.stderr)
        func unicast(_ name: String, iface: String, priority: Int, state: String) throws -> String {
            let (me, peer) = iface == "va" ? ("2001:db8:51::1", "2001:db8:51::2") : ("2001:db8:51::2", "2001:db8:51::1")
            let path = lab.work + "/\(name).conf"
            try """
            vrrp_instance VI_6 {
                state \(state)
                interface \(iface)
                virtual_router_id 62
                priority \(priority)
                advert_int 1
                unicast_src_ip \(me)
                unicast_peer {
                    \(peer)
                }
                virtual_ipaddress {
                    \(Self.vip)/128
                }
            }

            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let a = try lab.lvsc(lab.a, try unicast("u6a", iface: "va", priority: 150, state: "MASTER"))
        let b = try lab.lvsc(lab.b, try unicast("u6b", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { holds(lab.a, "va") }, "lvs01 takes the VIP: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(stays(lab, 4, onA: true), "lvs02 hears lvs01's unicast adverts and stays BACKUP: " + lab.log("lvsc-\(lab.b)"))
        lab.stop(a, signal: SIGTERM)
        let took = lab.wait(3) { holds(lab.b, "vb") }
        XCTAssertLessThan(took ?? 9, 1.5, "lvs02 takes over from the unicast priority-0 advert: " + lab.log("lvsc-\(lab.b)"))
        XCTAssertTrue(lab.log("lvsc-\(lab.b)").contains("VI_6: BACKUP -> MASTER: the MASTER resigned (priority 0)"), lab.log("lvsc-\(lab.b)"))
        lab.stop(b, signal: SIGTERM)
        XCTAssertEqual(b.terminationStatus, 0)

        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "RunLabIPv6Tests: keepalived is not installed (scripts/test.sh installs it)")
        _ = try? sh("ip -n \(lab.a) -6 addr flush dev va to \(Self.vip)/128; ip -n \(lab.b) -6 addr flush dev vb to \(Self.vip)/128", in: root)
        let k = try lab.keepalived(lab.a, try unicast("k6u", iface: "va", priority: 150, state: "MASTER"))
        let l = try lab.lvsc(lab.b, try unicast("l6u", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { holds(lab.a, "va") }, "keepalived takes the VIP: " + lab.log("keepalived-\(lab.a)"))
        XCTAssertTrue(stays(lab, 4, onA: true), "lvsc accepts keepalived's unicast IPv6 adverts: " + lab.log("lvsc-\(lab.b)"))
        XCTAssertTrue(lab.killKeepalived(lab.a, k), "keepalived's VRRP pid file")
        _ = try? sh("ip -n \(lab.a) -6 addr flush dev va to \(Self.vip)/128", in: root)
        let killed = lab.wait(6) { holds(lab.b, "vb") }
        XCTAssertNotNil(killed, "lvsc takes over from a killed keepalived: " + lab.log("lvsc-\(lab.b)"))
        XCTAssertGreaterThan(killed ?? 0, 2.5, "after the master-down interval")
        // And keepalived, back as BACKUP at a lower priority, hears lvsc's unicast adverts.
        let k2 = try lab.keepalived(lab.a, try unicast("k6u2", iface: "va", priority: 50, state: "BACKUP"))
        XCTAssertTrue(stays(lab, 5, onA: false), "keepalived stays BACKUP under lvsc: " + lab.log("keepalived-\(lab.a)"))
        lab.stop(l, signal: SIGTERM)
        XCTAssertNotNil(lab.wait(3) { holds(lab.a, "va") }, "keepalived takes over from lvsc's priority 0: " + lab.log("keepalived-\(lab.a)"))
        lab.stop(k2, signal: SIGTERM)
    }

    func testTwoLvscDirectorsAndKeepalivedOverIPv6() throws {
        let lab = try Lab(self)
        let llA = try XCTUnwrap(linkLocal(lab, lab.a, "va"), "va has a link-local address")
        let llB = try XCTUnwrap(linkLocal(lab, lab.b, "vb"), "vb has a link-local address")
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"), "RunLabIPv6Tests: tshark is not installed (scripts/test.sh installs it)")
        let capture = lab.work + "/v6.pcapng"
        let tshark = try lab.capture(lab.b, "vb", to: capture,
                                     probe: "ip netns exec \(lab.a) python3 -c \"import socket; s = socket.socket(10, 2); s.sendto(b'probe', ('ff02::1', 9, 0, socket.if_nametoindex('va')))\"",
                                     seen: [llA, "ff02::1", "UDP"])

        // Two lvsc directors: election, SIGTERM takeover after the skew time.
        let a = try lab.lvsc(lab.a, try conf(lab, "l6a", iface: "va", priority: 150, state: "MASTER"))
        let b = try lab.lvsc(lab.b, try conf(lab, "l6b", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { holds(lab.a, "va") }, "lvs01 takes the IPv6 VIP: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(stays(lab, 4, onA: true), "the VIP stays on lvs01 alone: " + lab.log("lvsc-\(lab.b)"))
        lab.stop(a, signal: SIGTERM)
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertFalse(holds(lab.a, "va"), "lvs01 removed its VIP")
        let took = lab.wait(3) { holds(lab.b, "vb") }
        XCTAssertLessThan(took ?? 9, 1.5, "lvs02 takes over from the priority-0 advert: " + lab.log("lvsc-\(lab.b)"))
        // The VIP is usable at once (no duplicate address detection holding it tentative).
        let flags = try sh("ip -n \(lab.b) -6 addr show dev vb", in: root).stdout
        XCTAssertFalse(flags.contains("tentative"), flags)
        lab.stop(b, signal: SIGTERM)
        usleep(300_000)
        lab.stop(tshark, signal: SIGINT)

        // tshark reads every lvsc advert as valid VRRPv3 over IPv6.
        let fields = try sh("tshark -r \(capture) -Y vrrp -T fields -E separator=, -e ipv6.src -e ipv6.dst -e ipv6.hlim -e vrrp.version -e vrrp.virt_rtr_id -e vrrp.prio -e vrrp.short_adver_int -e vrrp.ipv6_addr -e vrrp.checksum.status", in: root)
        XCTAssertEqual(fields.status, 0, fields.stderr)
        let rows = fields.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertGreaterThan(rows.count, 4, fields.stdout)
        for r in rows {
            XCTAssertEqual(r.count, 9, "\(r)")
            guard r.count == 9 else { continue }
            XCTAssertTrue(r[0] == llA || r[0] == llB, "from a link-local address: \(r)")
            XCTAssertEqual(r[1], "ff02::12", "\(r)")
            XCTAssertEqual(r[2], "255", "hop limit: \(r)")
            XCTAssertEqual(r[3], "3", "\(r)")
            XCTAssertEqual(r[4], "61", "\(r)")
            XCTAssertTrue((r[0] == llA ? ["150", "0"] : ["100", "0"]).contains(r[5]), "priority: \(r)")
            XCTAssertEqual(r[6], "100", "interval in centiseconds: \(r)")
            XCTAssertEqual(r[7], Self.vip, "\(r)")
            XCTAssertEqual(r[8], "1", "checksum good: \(r)")
        }
        // Unsolicited neighbour advertisements for the VIP from each as it became MASTER.
        let na = try sh("tshark -r \(capture) -Y 'icmpv6.type == 136 && icmpv6.nd.na.target_address == \(Self.vip)' -T fields -E separator=, -e eth.src -e ipv6.dst -e ipv6.hlim -e icmpv6.nd.na.flag.o -e icmpv6.opt.linkaddr", in: root)
        let nas = na.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let macA = try sh("ip -n \(lab.a) -br link show va", in: root).stdout.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let macB = try sh("ip -n \(lab.b) -br link show vb", in: root).stdout.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        for mac in [macA[2], macB[2]] {
            XCTAssertTrue(nas.contains { $0.count == 5 && $0[0] == mac && $0[1] == "ff02::1" && $0[2] == "255" && ($0[3] == "1" || $0[3] == "True") && $0[4] == mac },
                          "a neighbour advertisement from \(mac): \(na.stdout)")
        }

        // keepalived as the peer, both ways: each accepts the other's adverts (checksums with
        // the IPv6 pseudo-header) and takes over when the other goes.
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "RunLabIPv6Tests: keepalived is not installed (scripts/test.sh installs it)")
        _ = try? sh("ip -n \(lab.a) -6 addr flush dev va to \(Self.vip)/128; ip -n \(lab.b) -6 addr flush dev vb to \(Self.vip)/128", in: root)
        let k = try lab.keepalived(lab.a, try conf(lab, "k6a", iface: "va", priority: 150, state: "MASTER"))
        let l = try lab.lvsc(lab.b, try conf(lab, "l6c", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { holds(lab.a, "va") }, "keepalived takes the VIP: " + lab.log("keepalived-\(lab.a)"))
        XCTAssertTrue(stays(lab, 4, onA: true), "lvsc stays BACKUP under keepalived: " + lab.log("lvsc-\(lab.b)"))
        XCTAssertTrue(lab.killKeepalived(lab.a, k), "keepalived's VRRP pid file")
        _ = try? sh("ip -n \(lab.a) -6 addr flush dev va to \(Self.vip)/128", in: root)
        let killed = lab.wait(6) { holds(lab.b, "vb") }
        XCTAssertNotNil(killed, "lvsc takes over from a killed keepalived: " + lab.log("lvsc-\(lab.b)"))
        XCTAssertGreaterThan(killed ?? 0, 2.5, "after the master-down interval")
        let k2 = try lab.keepalived(lab.a, try conf(lab, "k6b", iface: "va", priority: 50, state: "BACKUP"))
        XCTAssertTrue(stays(lab, 5, onA: false), "keepalived stays BACKUP under lvsc: " + lab.log("keepalived-\(lab.a)"))
        lab.stop(l, signal: SIGTERM)
        XCTAssertNotNil(lab.wait(3) { holds(lab.a, "va") }, "keepalived takes over from lvsc's priority 0: " + lab.log("keepalived-\(lab.a)"))
        lab.stop(k2, signal: SIGTERM)
    }
}
