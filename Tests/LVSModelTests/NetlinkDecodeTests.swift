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

/// What the netlink layer sends: every request kind, encoded as the kernel receives it and read
/// back with the reply decoder, gives the request's own service and destination.
final class NetlinkEncodeTests: XCTestCase {
    static let family: Int32 = 0x1D

    func services() -> [IPVSService] {
        var a = IPVSService(key: .address(.tcp, .v4(0xC633_640A), port: 443), scheduler: "mh")
        a.persistence = 600
        a.netmask = .v4(0xFFFF_FF00)
        a.schedulerFlags = ["mh-fallback", "mh-port"]
        a.persistenceEngine = "sip"
        var b = IPVSService(key: .fwmark(7, .inet6), scheduler: "wlc")
        b.onePacket = true
        b.persistence = 30
        b.netmask = .v6(64)
        let c = IPVSService(key: .address(.sctp, .v6(0x2001_0db8_0000_0000, 0x10), port: 9000), scheduler: "rr")
        return [a, b, c]
    }

    func destinations(_ v6: Bool) -> [IPVSDestination] {
        let addr: (UInt32) -> IPAddress = { v6 ? .v6(0x2001_0db8_0001_0000, UInt64($0)) : .v4(0xC000_0200 | $0) }
        var d1 = IPVSDestination(address: addr(1), port: 80, forwarding: .route, weight: 3)
        d1.upperThreshold = 1000
        d1.lowerThreshold = 10
        let d2 = IPVSDestination(address: addr(2), port: 8080, forwarding: .masquerade, weight: 0)
        let d3 = IPVSDestination(address: addr(3), port: 443, forwarding: .tunnel(type: .gue, port: 6080, checksum: .remcsum), weight: 1)
        let d4 = IPVSDestination(address: addr(4), port: 443, forwarding: .tunnel(type: .ipip, port: nil, checksum: .nocsum), weight: 1)
        return [d1, d2, d3, d4]
    }

    func header(_ m: [UInt8]) -> (type: UInt16, flags: UInt16, cmd: UInt8, version: UInt8) {
        (UInt16(m[4]) | UInt16(m[5]) << 8, UInt16(m[6]) | UInt16(m[7]) << 8, m[16], m[17])
    }

    func testEveryRequestEncodesWhatItCarries() throws {
        for s in services() {
            let add = try IPVSNetlink.encoded(.addService(s), family: Self.family)
            XCTAssertEqual(header(add).type, UInt16(Self.family))
            XCTAssertEqual(header(add).cmd, 1, "IPVS_CMD_NEW_SERVICE")
            XCTAssertEqual(header(add).version, 1)
            XCTAssertNotEqual(header(add).flags & 0x4, 0, "an ack is asked for")
            let back = try XCTUnwrap(IPVSNetlink.service(from: IPVSNetlink.attributes(add, top: 1)))
            XCTAssertTrue(back.sameSettings(as: s), "\(IPVSText.addServiceLine(back)) != \(IPVSText.addServiceLine(s))")
            let update = try IPVSNetlink.encoded(.updateService(s), family: Self.family)
            XCTAssertEqual(header(update).cmd, 2)
            XCTAssertTrue(try XCTUnwrap(IPVSNetlink.service(from: IPVSNetlink.attributes(update, top: 1))).sameSettings(as: s))
            let delete = try IPVSNetlink.encoded(.deleteService(s.key), family: Self.family)
            XCTAssertEqual(header(delete).cmd, 3)
            XCTAssertEqual(IPVSNetlink.attributes(delete, top: 1)[6], nil, "a delete names the service only")
            for d in destinations(s.key.family == .inet6) {
                for (r, cmd) in [(IPVSRequest.addDestination(s.key, d), UInt8(5)), (.updateDestination(s.key, d), 6)] {
                    let m = try IPVSNetlink.encoded(r, family: Self.family)
                    XCTAssertEqual(header(m).cmd, cmd)
                    let dest = try XCTUnwrap(IPVSNetlink.destination(from: IPVSNetlink.attributes(m, top: 2), serviceFamily: s.key.family))
                    XCTAssertTrue(dest.sameState(as: d), "\(IPVSText.addDestinationLine(s, dest)) != \(IPVSText.addDestinationLine(s, d))")
                }
                let del = try IPVSNetlink.encoded(.deleteDestination(s.key, d), family: Self.family)
                XCTAssertEqual(header(del).cmd, 7)
                // A delete names the destination (address, port, family) and nothing else.
                let attrs = IPVSNetlink.attributes(del, top: 2)
                XCTAssertEqual(IPVSNetlink.address(attrs[1], family: s.key.family == .inet ? 2 : 10), d.address)
                XCTAssertEqual(attrs[2], [UInt8(d.port >> 8), UInt8(d.port & 255)])
                XCTAssertNil(attrs[3], "no forwarding method")
                XCTAssertNil(attrs[4], "no weight")
            }
        }
    }
}
