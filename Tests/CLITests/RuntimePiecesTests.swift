import Foundation
import Logging
import LVSModel
import LVSRuntime
import XCTest

/// Small parts of `lvsc run` that need no namespace: the one-per-namespace claim and the log
/// line format.
final class RuntimePiecesTests: XCTestCase {
    /// The claim is held while its descriptor is open, a second claim names the holder's pid,
    /// and it is free again once the holder closes it (as when the process ends).
    func testOneRunPerNetworkNamespace() throws {
        let name = "lvsc-test-claim-\(getpid())-\(UInt32.random(in: 0...0xFFFF))"
        guard case .claimed(let fd) = SingleInstance.claim(name) else { return XCTFail("the first claim succeeds") }
        guard case .heldBy(let pid) = SingleInstance.claim(name) else { return XCTFail("the second claim is refused") }
        XCTAssertEqual(pid, getpid())
        close(fd)
        guard case .claimed(let again) = SingleInstance.claim(name) else { return XCTFail("free again after the holder closes it") }
        close(again)
    }

    /// One line per event, `lvsc run: ` first, the level named for warnings and errors, and a
    /// newline inside a message cannot start a second (forged) line.
    func testLogLinesAreOneLineEach() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        var logger = Logger(label: "test") { _ in LineLogHandler(fd: fds[1]) }
        logger.logLevel = .info
        logger.notice("VI_1: BACKUP -> MASTER: reason")
        logger.warning("dropped an advert")
        logger.error("cannot add\nlvsc run: VI_9: BACKUP -> MASTER: forged")
        logger.debug("not shown at info")
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        close(fds[0])
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), """
            lvsc run: VI_1: BACKUP -> MASTER: reason
            lvsc run: warning: dropped an advert
            lvsc run: error: cannot add lvsc run: VI_9: BACKUP -> MASTER: forged

            """)
    }

    func plan(_ text: String) throws -> VRRPRuntimePlan {
        let sources = SourceManager()
        let cluster = ClusterLoader.single(path: "t.conf", bytes: Array(text.utf8), name: nil, sources: sources)
        let config = try XCTUnwrap(cluster.directors.first?.config)
        switch VRRPRuntimePlan.make(config, vrrpOnly: true, primaryAddress: { _, family in family == .inet ? IPAddress.parse("192.0.2.1") : nil }) {
        case .success(let p): return p
        case .failure(let r): throw TestStepFailed(message: "refused: \(r.items.map { "\($0.keyword): \($0.why)" })")
        }
    }

    /// An instance's garp_master_* settings win over global_defs' vrrp_garp_master_*, which win
    /// over keepalived's defaults (5 at once, 5 more after 5 s, no refresh, 1 per refresh).
    func testGarpMasterSettingsReachTheStateMachine() throws {
        let p = try plan("""
            global_defs {
                vrrp_garp_master_delay 3
                vrrp_garp_master_refresh 60
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                garp_master_repeat 2
                garp_master_refresh_repeat 4
                virtual_ipaddress {
                    198.51.100.10/32
                }
            }
            vrrp_instance VI_2 {
                interface eth0
                virtual_router_id 52
                garp_master_delay 0
                garp_master_refresh 0
                virtual_ipaddress {
                    198.51.100.11/32
                }
            }

            """)
        let one = p.instances[0].router, two = p.instances[1].router
        XCTAssertEqual([one.garpRepeat, Int(one.garpDelay), Int(one.garpRefresh ?? -1), one.garpRefreshRepeat], [2, 3_000_000, 60_000_000, 4])
        XCTAssertEqual([two.garpRepeat, Int(two.garpDelay), two.garpRefreshRepeat], [5, 0, 1])
        XCTAssertNil(two.garpRefresh)
    }
}
