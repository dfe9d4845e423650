import Foundation
import LVSCore
import LVSKernel
import XCTest
import CNetlink
@testable import LVSNetlink

/// The rtnetlink monitor a VRRP engine needs: a link going down and up (track_interface, FAULT)
/// and a VIP deleted by hand, seen in a real namespace; and no wait beyond the deadline.
final class LinkMonitorTests: XCTestCase {
    /// Reads events until one matches `want` or two seconds pass.
    func expect(_ monitor: LinkMonitor, in lab: NamespacePair, _ what: String,
                _ want: (LinkMonitor.Event) -> Bool) throws {
        let deadline = Date().addingTimeInterval(2)
        var seen: [LinkMonitor.Event] = []
        while Date() < deadline {
            let events = try lab.inA { try monitor.next(within: 200) }
            seen += events
            if events.contains(where: want) { return }
        }
        XCTFail("no event for \(what); saw \(seen)")
    }

    func testLinkDownUpAndAnAddressDeletedByHandAreSeen() throws {
        let lab = try NamespacePair(self)
        let monitor = try lab.inA { try LinkMonitor() }
        let vip = HostAddress(prefix: IPPrefix(address: .v4(0xC633_640A), length: 32, explicitLength: true), interface: "va")
        try shell("ip -n \(lab.a) addr add 198.51.100.10/32 dev va")
        try expect(monitor, in: lab, "the VIP added") { $0 == .addressAdded(vip) }
        try shell("ip -n \(lab.a) addr del 198.51.100.10/32 dev va")
        try expect(monitor, in: lab, "the VIP deleted by hand") { $0 == .addressRemoved(vip) }
        try shell("ip -n \(lab.a) link set va down")
        try expect(monitor, in: lab, "va down") {
            if case .link("va", _, false, _) = $0 { return true } else { return false }
        }
        try shell("ip -n \(lab.a) link set va up")
        try expect(monitor, in: lab, "va up") {
            if case .link("va", _, true, _) = $0 { return true } else { return false }
        }
        // Where nothing happens (a namespace of its own, with only lo), the call returns empty at
        // its deadline, not later: a veth's carrier and IPv6 set-up send link events for a while.
        let quiet = "lvsc-rt-q-\(getpid())"
        try shell("ip netns add \(quiet)")
        defer { _ = try? shell("ip netns del \(quiet)") }
        let still = try lab.inNamespace(quiet) { try LinkMonitor() }
        let t0 = Date()
        XCTAssertEqual(try lab.inNamespace(quiet) { try still.next(within: 150) }, [])
        let waited = Date().timeIntervalSince(t0)
        XCTAssertGreaterThanOrEqual(waited, 0.1)
        XCTAssertLessThan(waited, 1.0)
    }

    /// A netlink receive whose reply does not come within the socket's deadline is a `.timeout`
    /// the daemon may retry, not a wait without end: here, reading an rtnetlink socket that was
    /// sent nothing.
    func testAReceiveWithoutAReplyEndsAtTheDeadline() throws {
        let sock = try AddressNetlink(receiveDeadline: 200)
        let t0 = Date()
        let box = ReceiveBox()
        let cb = recordingCallbacks(box)
        defer { nl_cb_put(cb) }
        let r = nl_recvmsgs(sock.sock, cb)
        let waited = Date().timeIntervalSince(t0)
        XCTAssertLessThan(r, 0)
        XCTAssertEqual(libnlError(r, "read", sock.sock), .timeout(operation: "read", milliseconds: 200))
        XCTAssertEqual(libnlError(r, "read", sock.sock).disposition, .retry)
        XCTAssertGreaterThanOrEqual(waited, 0.15)
        XCTAssertLessThan(waited, 2)
    }
}
