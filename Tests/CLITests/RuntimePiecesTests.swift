import Foundation
import Logging
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
}
