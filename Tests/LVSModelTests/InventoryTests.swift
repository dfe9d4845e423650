import XCTest
@testable import LVSKernel
@testable import LVSModel

final class InventoryTests: XCTestCase {
    func parse(_ text: String) -> Inventory {
        let sources = SourceManager()
        return InventoryParser.parse(sources.add(path: "cluster.txt", bytes: Array(text.utf8)))
    }

    func testMAC() {
        XCTAssertEqual(MACAddress.parse(Array("00:16:3E:24:e0:0b".utf8))?.description, "00:16:3e:24:e0:0b")
        XCTAssertEqual(MACAddress.parse(Array("00:00:00:00:00:00".utf8))?.isZero, true)
        for bad in ["00:16:3e:24:e0", "00:16:3e:24:e0:0g", "00-16-3e-24-e0-0b", "0:16:3e:24:e0:0b:", ""] {
            XCTAssertNil(MACAddress.parse(Array(bad.utf8)), bad)
        }
    }

    func testSeedLinesCommentsAndParameters() {
        let inv = parse("""
            # header
            lvs01 00:16:3e:24:e0:0b LVS LVS01 lvs 207.241.224.11 conf=lvs01.conf,iface=eth0,net=207.241.224.0/21 # trailing\r
            \t
            www 00:00:00:00:00:00 LB WWW-VIP www 207.241.224.241 -
            """)
        XCTAssertEqual(inv.diagnostics.items.map(\.message), [])
        XCTAssertEqual(inv.hosts.count, 2)
        let d = inv.hosts[0]
        XCTAssertTrue(d.isDirector)
        XCTAssertEqual(d.conf?.value, "lvs01.conf")
        XCTAssertEqual(d.interface?.value, "eth0")
        XCTAssertEqual(d.subnet?.value.description, "207.241.224.0/21")
        XCTAssertEqual(d.configID, "lvs01")
        XCTAssertEqual(d.address?.value.description, "207.241.224.11")
        XCTAssertTrue(inv.hosts[1].isFloatingVIP)
        XCTAssertFalse(inv.hosts[1].isDirector)
        XCTAssertEqual(inv.hosts[1].parameters.count, 0)
    }

    func testBadLinesAreReportedWithTheirRule() {
        let inv = parse("""
            a 00:00:00:00:00:01 X L s 192.0.2.1
            b 00:00:00:00:00:02 X L s 192.0.2.2 - extra
            c 00:00:00:00:00:3 X L s 192.0.2.3 -
            d 00:00:00:00:00:04 X L s 192.0.2.444 -
            e 00:00:00:00:00:05 X L s 2001:db8::5 conf=e.conf,cnof=x,net=2001:db8::/129,iface,id=e,id=f
            """)
        XCTAssertEqual(inv.diagnostics.items.map(\.rule.rawValue), [
            "inventory-syntax", "inventory-syntax", "inventory-bad-mac", "inventory-bad-address",
            "inventory-unknown-key", "inventory-bad-address", "inventory-syntax", "inventory-syntax",
        ])
        XCTAssertEqual(inv.diagnostics.items[4].hint, "did you mean 'conf'?")
        XCTAssertEqual(inv.hosts.map(\.name.value), ["c", "d", "e"])
        XCTAssertEqual(inv.hosts[2].configID, "e")
    }

    func testConfResolvesAgainstTheInventoryFolder() {
        let sources = SourceManager()
        let inv = InventoryParser.parse(sources.add(path: "admin/cluster/cluster.txt", bytes: []))
        XCTAssertEqual(inv.resolve(conf: "lvs01.conf"), "admin/cluster/lvs01.conf")
        XCTAssertEqual(inv.resolve(conf: "/etc/keepalived/k.conf"), "/etc/keepalived/k.conf")
    }
}
