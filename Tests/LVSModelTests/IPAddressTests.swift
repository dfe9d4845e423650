import XCTest
@testable import LVSKernel
@testable import LVSModel

final class IPAddressTests: XCTestCase {
    func testIPv4() {
        XCTAssertEqual(IPAddress.parse("207.241.224.241"), .v4(0xCFF1_E0F1))
        for bad in ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "", "a.b.c.d", "1.2.3.4 "] {
            XCTAssertNil(IPAddress.parse(bad), bad)
        }
        XCTAssertEqual(IPAddress.parse("192.0.2.1")?.description, "192.0.2.1")
    }

    func testIPv6() {
        XCTAssertEqual(IPAddress.parse("2001:db8::1")?.description, "2001:db8::1")
        XCTAssertEqual(IPAddress.parse("::")?.description, "::")
        XCTAssertEqual(IPAddress.parse("::1")?.isLoopback, true)
        XCTAssertEqual(IPAddress.parse("2001:0db8:0:0:1:0:0:1")?.description, "2001:db8::1:0:0:1")
        XCTAssertEqual(IPAddress.parse("::ffff:192.0.2.1")?.description, "::ffff:192.0.2.1")
        XCTAssertEqual(IPAddress.parse("ff02::12")?.isMulticast, true)
        for bad in ["2001:db8:::1", "1:2:3:4:5:6:7:8:9", "2001:db8::g", ":1", "1:", "12345::"] {
            XCTAssertNil(IPAddress.parse(bad), bad)
        }
    }

    func testPrefixes() throws {
        let p = try IPPrefix.parse(Array("207.241.224.241/21".utf8)).get()
        XCTAssertEqual(p.network.description, "207.241.224.0")
        XCTAssertTrue(p.hasHostBits)
        XCTAssertTrue(p.contains(IPAddress.parse("207.241.228.105")!))
        XCTAssertFalse(p.contains(IPAddress.parse("207.241.232.1")!))
        XCTAssertEqual(IPPrefix.parse(Array("192.168.100./24".utf8)), .failure(.badAddress("192.168.100.")))
        XCTAssertEqual(IPPrefix.parse(Array("10.0.0.0/33".utf8)), .failure(.lengthTooLong(33, .inet)))
        XCTAssertEqual(IPPrefix.parse(Array("10.0.0.0/x".utf8)), .failure(.badLength("x")))
        XCTAssertEqual(try IPPrefix.parse(Array("2001:db8::1/64".utf8)).get().network.description, "2001:db8::")
        XCTAssertFalse(try IPPrefix.parse(Array("10.0.0.1".utf8)).get().explicitLength)
    }

    /// glibc's inet_ntop, which ipvsadm prints with (the expected strings are what Python's
    /// socket.inet_ntop, i.e. glibc, printed for each): mapped and compatible addresses end in
    /// a dotted quad; ::, ::1 and ordinary addresses do not.
    func testIPv4InIPv6IsWrittenAsInetNtopWritesIt() {
        let cases: [(String, String)] = [
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::ffff:c000:201", "::ffff:192.0.2.1"),
            ("::192.0.2.1", "::192.0.2.1"),
            ("::1", "::1"),
            ("::", "::"),
            ("::ffff:0:1", "::ffff:0.0.0.1"),
            ("::0.0.1.0", "::100"),
            ("2001:db8::ffff:c000:201", "2001:db8::ffff:c000:201"),
            ("0:0:0:0:1:ffff:c000:201", "::1:ffff:c000:201"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(IPAddress.parse(input)?.description, expected, input)
        }
    }
}
