import Foundation
import XCTest

/// The qemu IPVS lab (lab/ipvs-lab.sh): Debian's kernel with ip_vs, booted under TCG, runs every
/// lab/scenarios/*.sh against the release lvsc; each must pass.
final class LabTests: XCTestCase {
    func testQemuIPVSLab() throws {
        try requirePrecondition(getuid() == 0, "LabTests: the lab needs root (apt, qemu); CI runs as root")
        let release = ProcessInfo.processInfo.environment["LVSC_RELEASE_BIN"] ?? ""
        try requirePrecondition(!release.isEmpty, "LabTests: LVSC_RELEASE_BIN is unset (scripts/test.sh builds the release lvsc and sets it)")
        let r = try sh("bash lab/ipvs-lab.sh --lvsc '\(release)'", in: repositoryRoot, timeout: 1500)
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("lab/scenarios").path)
            .filter { $0.hasSuffix(".sh") }.map { String($0.dropLast(3)) }.sorted()
        var results: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("@@RESULT ") {
            let parts = line.split(separator: " ")
            results[String(parts[1])] = String(parts[2])
        }
        XCTAssertEqual(results.keys.sorted(), scenarios, "every scenario reports a result\n" + r.stdout + r.stderr)
        for s in scenarios { XCTAssertEqual(results[s], "PASS", "lab scenario \(s)\n" + r.stdout) }
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        print(r.stdout.split(separator: "\n").filter { $0.hasPrefix("@@RESULT") }.joined(separator: "\n"))
    }
}
