import XCTest
@testable import LVSKernel
@testable import LVSNetlink
import LVSModel

/// Decoding of IPVS generic-netlink replies (pure byte handling; the lab checks the kernel side).
final class NetlinkDecodeTests: XCTestCase {
    /// A reply: nlmsghdr (16 bytes) + genlmsghdr (4), then one nested top-level attribute.
    func reply(top: UInt16, _ attrs: [(UInt16, [UInt8])]) -> [UInt8] {
        func attr(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
            let len = 4 + payload.count
            var b = [UInt8(len & 255), UInt8(len >> 8), UInt8(type & 255), UInt8(type >> 8)] + payload
            while b.count % 4 != 0 { b.append(0) }
            return b
        }
        let nested = attrs.flatMap { attr($0.0, $0.1) }
        return [UInt8](repeating: 0, count: 20) + attr(top | 0x8000, nested)
    }
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 255) } }
    func be16(_ v: UInt16) -> [UInt8] { le16(v.bigEndian) }

    func testServiceWithPersistenceNetmaskAndFlags() throws {
        let m = reply(top: 1, [
            (1, le16(2)), (2, le16(6)), (3, [192, 0, 2, 1] + [UInt8](repeating: 0, count: 12)), (4, be16(80)),
            (6, Array("sh".utf8) + [0]), (7, le32(0x1 | 0x2 | 0x8 | 0x10) + le32(0xFFFF_FFFF)), (8, le32(300)),
            (9, le32(UInt32(0xFFFF_FF00).bigEndian)),
        ])
        let s = try XCTUnwrap(IPVSNetlink.service(from: IPVSNetlink.attributes(m, top: 1)))
        XCTAssertEqual(IPVSText.addServiceLine(s), "-A -t 192.0.2.1:80 -s sh -p 300 -M 255.255.255.0 -b sh-fallback,sh-port")
    }

    func testIPv6FwmarkServiceAndTunnelDestination() throws {
        let svc = reply(top: 1, [(1, le16(10)), (5, le32(8)), (6, Array("rr".utf8) + [0]), (7, le32(0x2) + le32(0xFFFF_FFFF)), (9, le32(128))])
        let s = try XCTUnwrap(IPVSNetlink.service(from: IPVSNetlink.attributes(svc, top: 1)))
        XCTAssertEqual(IPVSText.addServiceLine(s), "-A -f 8 -6 -s rr")
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x41]
        let dest = reply(top: 2, [(1, v6), (2, be16(0)), (3, le32(2)), (4, le32(70000)), (5, le32(0)), (6, le32(0)),
                                  (11, le16(10)), (13, [1]), (14, be16(6080)), (15, le16(1))])
        let d = try XCTUnwrap(IPVSNetlink.destination(from: IPVSNetlink.attributes(dest, top: 2), serviceFamily: .inet6))
        XCTAssertEqual(IPVSText.addDestinationLine(s, d), "-a -f 8 -6 -r [2001:db8::41]:0 -i -w 70000 --tun-type gue --tun-port 6080 --tun-csum")
    }

    func testAddressBytesRoundTrip() {
        for text in ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "fe80::1:2:3:4"] {
            let a = IPAddress.parse(text)!
            XCTAssertEqual(IPVSNetlink.address(IPVSNetlink.address16(a), family: a.family == .inet ? 2 : 10), a, text)
        }
    }

    func testTruncatedRepliesDecodeToNothing() {
        XCTAssertNil(IPVSNetlink.service(from: IPVSNetlink.attributes([1, 2, 3], top: 1)))
        XCTAssertNil(IPVSNetlink.service(from: IPVSNetlink.attributes([UInt8](repeating: 0, count: 24) + [200, 0, 1, 0], top: 1)))
        let m = reply(top: 2, [(1, [192, 0])])
        XCTAssertNil(IPVSNetlink.destination(from: IPVSNetlink.attributes(m, top: 2), serviceFamily: .inet))
    }
}
