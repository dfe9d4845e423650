import XCTest
@testable import LVSKernel
@testable import LVSEmit
import LVSModel

final class IPVSTextTests: XCTestCase {
    func key(_ a: String, _ port: Int, _ p: IPVSProtocol = .tcp) -> IPVSServiceKey { .address(p, IPAddress.parse(a)!, port: port) }

    func testSaveFormatMatchesIpvsadm() {
        var s = IPVSService(key: key("192.0.2.1", 80), scheduler: "sh")
        s.persistence = 300
        s.netmask = .v4(0xFFFF_FF00)
        s.persistenceEngine = "sip"
        s.schedulerFlags = ["sh-port", "sh-fallback"]
        s.destinations = [
            IPVSDestination(address: IPAddress.parse("192.0.2.12")!, port: 80, forwarding: .route, weight: 2),
            IPVSDestination(address: IPAddress.parse("192.0.2.11")!, port: 8080, forwarding: .masquerade, weight: 1),
            IPVSDestination(address: IPAddress.parse("192.0.2.13")!, port: 80, forwarding: .tunnel(type: .gue, port: 6080, checksum: .csum), weight: 0),
        ]
        var f = IPVSService(key: .fwmark(7, .inet6), scheduler: "wlc")
        f.destinations = [IPVSDestination(address: IPAddress.parse("2001:db8::5")!, port: 0, forwarding: .tunnel(type: .ipip, port: nil, checksum: .nocsum), weight: 1)]
        var u = IPVSService(key: key("2001:db8::1", 53, .udp), scheduler: "rr")
        u.onePacket = true
        XCTAssertEqual(IPVSText.save(IPVSTable(services: [f, u, s])), """
            -A -t 192.0.2.1:80 -s sh -p 300 -M 255.255.255.0 --pe sip -b sh-fallback,sh-port
            -a -t 192.0.2.1:80 -r 192.0.2.11:8080 -m -w 1
            -a -t 192.0.2.1:80 -r 192.0.2.12:80 -g -w 2
            -a -t 192.0.2.1:80 -r 192.0.2.13:80 -i -w 0 --tun-type gue --tun-port 6080 --tun-csum
            -A -u [2001:db8::1]:53 -s rr -o
            -A -f 7 -6 -s wlc
            -a -f 7 -6 -r [2001:db8::5]:0 -i -w 1 --tun-type ipip

            """)
    }

    /// ipvsadm subtracts unsigned addresses into a signed int: 10.0.0.1 - 200.0.0.1 wraps to a
    /// positive number, so ipvsadm-save lists 200.0.0.1 first. lvsc mirrors the quirk.
    func testOrderFollowsIpvsadmsComparatorIncludingItsWrapAround() {
        let a = IPVSService(key: key("10.0.0.1", 80), scheduler: "rr")
        let b = IPVSService(key: key("200.0.0.1", 80), scheduler: "rr")
        let c = IPVSService(key: key("10.0.0.2", 80), scheduler: "rr")
        XCTAssertEqual(IPVSText.sorted(IPVSTable(services: [a, c, b])).services.map { IPVSText.service($0.key) },
                       ["-t 200.0.0.1:80", "-t 10.0.0.1:80", "-t 10.0.0.2:80"])
        // Within 2^31 of each other the order is plain numeric, then by protocol and port.
        let d = IPVSService(key: key("10.0.0.1", 443), scheduler: "rr")
        let e = IPVSService(key: key("10.0.0.1", 53, .udp), scheduler: "rr")
        XCTAssertEqual(IPVSText.sorted(IPVSTable(services: [e, d, c, a])).services.map { IPVSText.service($0.key) },
                       ["-t 10.0.0.1:80", "-t 10.0.0.1:443", "-t 10.0.0.2:80", "-u 10.0.0.1:53"])
    }

    /// ipvsadm-save prints marks with %d (seen in the qemu lab): from 2^31 up they are negative,
    /// and they sort first; the command form stays unsigned, which ipvsadm's -f accepts.
    func testLargeFirewallMarks() throws {
        var big = IPVSService(key: .fwmark(0x9000_0001, .inet), scheduler: "rr")
        big.destinations = [IPVSDestination(address: IPAddress.parse("192.0.2.83")!, port: 0, forwarding: .route, weight: 1)]
        let small = IPVSService(key: .fwmark(1, .inet), scheduler: "rr")
        let addr = IPVSService(key: key("192.0.2.80", 80), scheduler: "rr")
        let saved = IPVSText.save(IPVSTable(services: [small, addr, big]))
        XCTAssertEqual(saved, "-A -f -1879048191 -s rr\n-a -f -1879048191 -r 192.0.2.83:0 -g -w 1\n-A -t 192.0.2.80:80 -s rr\n-A -f 1 -s rr\n")
        XCTAssertEqual(IPVSText.service(big.key), "-f 2415919105")
        let back = try IPVSText.parse(saved).get()
        XCTAssertEqual(back.services.first?.key, .fwmark(0x9000_0001, .inet))
        if case .success = IPVSText.parse("-A -f 0 -s rr") { XCTFail("fwmark 0 is not a mark") }
    }

    func testParseReadsWhatSaveWrites() throws {
        for seed in UInt64(1)...300 {
            var r = SeededRandom(state: seed)
            var t = TableGen.table(&r)
            for i in t.services.indices { for j in t.services[i].destinations.indices { t.services[i].destinations[j].upperThreshold = 0 } }
            let text = IPVSText.save(t)
            let back = try IPVSText.parse(text).get()
            XCTAssertEqual(IPVSText.save(back), text, "seed \(seed)")
            XCTAssertEqual(IPVSText.sorted(back), IPVSText.sorted(t), "seed \(seed)")
        }
    }

    func testParseErrorsNameTheLine() {
        guard case .failure(let e) = IPVSText.parse("-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.9:80 -r 192.0.2.2:80 -g -w 1\n") else {
            return XCTFail("a destination of an unknown service must fail")
        }
        XCTAssertEqual(e.line, 2)
        if case .success = IPVSText.parse("-X -t 192.0.2.1:80") { XCTFail() }
        if case .success = IPVSText.parse("-A -t 192.0.2.1:99999 -s rr") { XCTFail() }
        XCTAssertEqual(try IPVSText.parse("# comment\n\nipvsadm -A -t 192.0.2.1:80 -s rr\n").get().services.count, 1)
    }

    func testStateJSONRoundTrip() throws {
        for seed in UInt64(1)...100 {
            var r = SeededRandom(state: seed)
            let t = TableGen.table(&r)
            let s = DirectorState(table: t, addresses: [HostAddress(prefix: IPPrefix(address: .v4(0xC000_0201), length: 24, explicitLength: true), interface: "eth0")],
                                  sysctls: ["net.ipv4.ip_forward": "1"])
            let back = try StateJSON.parse(Array(StateJSON.render(s).utf8)).get()
            XCTAssertEqual(IPVSText.sorted(back.table), IPVSText.sorted(t), "seed \(seed)")
            XCTAssertEqual(back.addresses, s.addresses)
            XCTAssertEqual(back.sysctls, s.sysctls)
        }
        if case .success = StateJSON.parse(Array("{\"format\":\"other\"}".utf8)) { XCTFail() }
        if case .success = StateJSON.parse(Array("{\"format\":\"lvsc-state/1\",\"services\":[{\"protocol\":\"tcp\"}]}".utf8)) { XCTFail() }
    }
}
