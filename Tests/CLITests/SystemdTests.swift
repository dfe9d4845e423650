import Foundation
import XCTest

/// `lvsc emit systemd`: systemd accepts every unit and drop-in it writes (systemd-analyze
/// verify), and what the units do — the sysctl.d file, then each ExecStart= of the oneshot
/// unit, in order — run twice in a fresh network namespace reaches the same state as once.
final class SystemdTests: XCTestCase {
    func testUnitsVerifyAndRunTwice() throws {
        try requirePrecondition(getuid() == 0, "SystemdTests: namespaces need root; CI runs as root")
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
                                "SystemdTests: systemd-analyze is missing (scripts/test.sh installs systemd)")
        try requirePrecondition(FileManager.default.fileExists(atPath: "/sbin/modprobe"),
                                "SystemdTests: /sbin/modprobe is missing (scripts/test.sh installs kmod); the TUN units call it")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-systemd-\(getpid())")
        try? FileManager.default.removeItem(at: work)
        defer { try? FileManager.default.removeItem(at: work) }
        var verified = 0, ran: [String] = []
        for folder in ["Fixtures/archive-doc", "Fixtures/emit/mixed", "Fixtures/emit/checked"] {
            let out = work.appendingPathComponent(folder.split(separator: "/").last!.description)
            let r = try runProcess(lvscBinary, ["emit", "systemd", "--all", "--out", out.path], in: repositoryRoot.appendingPathComponent(folder))
            XCTAssertEqual(r.status, 0, r.stderr)
            for path in r.stdout.split(separator: "\n").map(String.init) {
                if path.hasSuffix(".service") {
                    let v = try sh("systemd-analyze verify '\(path)'", in: work)
                    XCTAssertEqual(v.status, 0, "\(path): \(v.stdout)\(v.stderr)")
                    XCTAssertFalse(v.stderr.contains(URL(fileURLWithPath: path).lastPathComponent), "\(path): \(v.stderr)")
                    verified += 1
                } else if path.hasSuffix("keepalived.service.d/lvsc.conf") {
                    // The drop-in on top of Debian's own keepalived.service.
                    let units = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent()
                    try? FileManager.default.copyItem(atPath: "/lib/systemd/system/keepalived.service", toPath: units.appendingPathComponent("keepalived.service").path)
                    let v = try sh("SYSTEMD_UNIT_PATH='\(units.path)': systemd-analyze verify '\(units.path)/keepalived.service'", in: work)
                    XCTAssertEqual(v.status, 0, "\(path): \(v.stdout)\(v.stderr)")
                    XCTAssertFalse(v.stderr.contains("lvsc.conf"), "\(path): \(v.stderr)")
                    verified += 1
                }
            }
            // Real servers' units (no ipvsadm, no keepalived, no ipip: this kernel has none) run twice.
            let hosts = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            for (k, host) in hosts.enumerated() {
                let sys = out.appendingPathComponent(host).appendingPathComponent("etc/systemd/system")
                guard let unit = try? FileManager.default.contentsOfDirectory(atPath: sys.path).first(where: { $0.hasSuffix(".service") }) else { continue }
                let text = try String(contentsOf: sys.appendingPathComponent(unit), encoding: .utf8)
                if text.contains("ipvsadm") || text.contains("modprobe") || FileManager.default.fileExists(atPath: sys.appendingPathComponent("keepalived.service.d").path) { continue }
                let sysctlDir = out.appendingPathComponent(host).appendingPathComponent("etc/sysctl.d")
                let sysctl = ((try? FileManager.default.contentsOfDirectory(atPath: sysctlDir.path)) ?? []).map { sysctlDir.appendingPathComponent($0).path }
                try runTwice(unitText: text, sysctlFiles: sysctl, host: host, index: k, work: work)
                ran.append(host)
            }
        }
        print("SystemdTests: \(verified) units and drop-ins verified; ran twice in namespaces: \(ran.joined(separator: ", "))")
        XCTAssertGreaterThanOrEqual(verified, 15)
        XCTAssertEqual(Set(ran), ["www1", "www4", "www6", "web1", "web2", "web6", "app1", "web21", "web22"])
    }

    /// ExecStart= lines as systemd would run them: `-` ignores a failure, double quotes group.
    func commands(_ unit: String) -> [(ignoreFailure: Bool, words: [String])] {
        unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }.map { line in
            var rest = Substring(line.dropFirst("ExecStart=".count))
            let ignore = rest.first == "-"
            if ignore { rest = rest.dropFirst() }
            var words: [String] = [], cur = "", quoted = false, inWord = false
            var it = rest.makeIterator()
            while let c = it.next() {
                if c == "\"" { quoted.toggle(); inWord = true }
                else if c == "\\" , let n = it.next() { cur.append(n); inWord = true }
                else if c == " " && !quoted { if inWord { words.append(cur); cur = ""; inWord = false } }
                else { cur.append(c); inWord = true }
            }
            if inWord { words.append(cur) }
            return (ignore, words.map { $0.replacingOccurrences(of: "%%", with: "%").replacingOccurrences(of: "$$", with: "$") })
        }
    }

    func runTwice(unitText: String, sysctlFiles: [String], host: String, index: Int, work: URL) throws {
        let ns = "lvsc-sd-\(getpid() % 10_000)-\(index)"
        defer { _ = try? sh("ip netns del \(ns) 2>/dev/null; true", in: work) }
        var script = "set -u\n"
        for f in sysctlFiles { script += "sysctl -q -p '\(f)' || exit 1\n" }
        for c in commands(unitText) {
            let line = c.words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            script += c.ignoreFailure ? "\(line) || true\n" : "\(line) || exit 1\n"
        }
        let scriptURL = work.appendingPathComponent("\(host).unit.sh")
        try Data(script.utf8).write(to: scriptURL)
        let iface = unitText.contains("eth1") ? "eth1" : "eth0"
        let r = try sh("""
            ip netns add \(ns)
            ip -n \(ns) link add \(iface) type veth peer name peer0
            ip -n \(ns) link set lo up; ip -n \(ns) link set peer0 up; ip -n \(ns) link set \(iface) up
            ip -n \(ns) addr add 192.0.2.250/24 dev \(iface)
            ip -n \(ns) addr add 198.51.100.250/24 dev \(iface)
            ip -n \(ns) -6 addr add 2001:db8::250/64 dev \(iface) nodad
            state() { ip -n \(ns) -o addr show | sed -e 's/ valid_lft.*//' -e 's/ tentative//' | sort; ip -n \(ns) route show table all | sort; ip netns exec \(ns) sysctl -a 2>/dev/null | grep -E 'arp_ignore|arp_announce|ip_forward|rp_filter' | sort; }
            ip netns exec \(ns) sh '\(scriptURL.path)' || { echo "first run failed"; exit 1; }
            state > '\(work.path)/\(host).s1'
            ip netns exec \(ns) sh '\(scriptURL.path)' || { echo "second run failed"; exit 1; }
            state > '\(work.path)/\(host).s2'
            cmp '\(work.path)/\(host).s1' '\(work.path)/\(host).s2'
            """, in: work, timeout: 120)
        XCTAssertEqual(r.status, 0, "\(host): \(r.stdout)\(r.stderr)\n\(script)")
    }

    /// The repository's unit for `lvsc run` (systemd/lvsc-run.service) is one systemd accepts,
    /// pointed at the binary under test. Its Type=notify protocol is exercised by
    /// RunLabTests.testSIGHUPReload (READY, RELOADING, STOPPING).
    func testTheLvscRunUnitVerifies() throws {
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
                                "SystemdTests: systemd-analyze is missing (scripts/test.sh installs systemd)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-run-unit-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let unit = try String(contentsOf: repositoryRoot.appendingPathComponent("systemd/lvsc-run.service"), encoding: .utf8)
        XCTAssertTrue(unit.contains("ExecStart=/usr/local/bin/lvsc run "), unit)
        XCTAssertTrue(unit.contains("Type=notify"), unit)
        let path = work.appendingPathComponent("lvsc-run.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/lvsc", with: lvscBinary.path).write(to: path, atomically: true, encoding: .utf8)
        let v = try sh("systemd-analyze verify '\(path.path)'", in: work)
        XCTAssertEqual(v.status, 0, v.stdout + v.stderr)
        XCTAssertFalse(v.stderr.contains("lvsc-run.service"), v.stderr)
    }
}
