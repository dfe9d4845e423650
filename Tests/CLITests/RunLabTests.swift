import Foundation
import XCTest

/// `lvsc run` in network namespaces (root): two directors on one link, lvsc against lvsc and
/// against Debian's keepalived, the VIP sampled on both sides. Documentation addresses only.
final class RunLabTests: XCTestCase {
    struct LabSetupFailed: Error { var message: String }

    final class Lab {
        let a: String, b: String, work: String
        var processes: [Process] = []

        /// A third namespace `h` (192.0.2.3 on `vh`), for a sender that is neither director.
        let h: String
        let bridged: Bool

        /// `bridged`: the three namespaces hang off a bridge in a fourth; otherwise the two
        /// directors share one veth pair.
        init(_ test: XCTestCase, bridged: Bool = false) throws {
            try requirePrecondition(getuid() == 0, "RunLabTests: network namespaces need root (CI runs as root)")
            let id = "\(getpid())-\(UInt32.random(in: 0...0xFFFF))"
            a = "lvsc-run-a-\(id)"; b = "lvsc-run-b-\(id)"; h = "lvsc-run-h-\(id)"
            self.bridged = bridged
            work = NSTemporaryDirectory() + "lvsc-run-\(id)"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            test.addTeardownBlock { [self] in self.remove() }
            let links = bridged ? """
                ip netns add \(h); ip netns add \(h)-s
                ip -n \(h)-s link add br0 type bridge; ip -n \(h)-s link set br0 up
                ip link add va netns \(a) type veth peer name pa netns \(h)-s
                ip link add vb netns \(b) type veth peer name pb netns \(h)-s
                ip link add vh netns \(h) type veth peer name ph netns \(h)-s
                for p in pa pb ph; do ip -n \(h)-s link set $p master br0; ip -n \(h)-s link set $p up; done
                ip -n \(h) addr add 192.0.2.3/24 dev vh; ip -n \(h) link set vh up; ip -n \(h) link set lo up
                """ : "ip link add va netns \(a) type veth peer name vb netns \(b)\n"
            let r = try sh("""
                set -e
                ip netns add \(a); ip netns add \(b)
                \(links)
                ip -n \(a) addr add 192.0.2.1/24 dev va; ip -n \(b) addr add 192.0.2.2/24 dev vb
                for n in \(a) \(b); do ip -n $n link set lo up; done
                ip -n \(a) link set va up; ip -n \(b) link set vb up
                """, in: URL(fileURLWithPath: "/"))
            guard r.status == 0 else { throw LabSetupFailed(message: "lab set-up failed: \(r.stderr)") }
        }

        func remove() {
            for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
            let extra = bridged ? "ip netns del \(h) 2>/dev/null; ip netns del \(h)-s 2>/dev/null;" : ""
            _ = try? sh("ip netns del \(a) 2>/dev/null; ip netns del \(b) 2>/dev/null; \(extra) rm -rf '\(work)'; true", in: URL(fileURLWithPath: "/"))
        }

        /// `unicast`: adverts go to the other director's address only (`unicast_src_ip`, `unicast_peer`).
        /// `global`: more global_defs lines; `blocks`: blocks before the instance (vrrp_script).
        func conf(_ name: String, iface: String, priority: Int, state: String, version: Int = 2, unicast: Bool = false,
                  extra: String = "", global: String = "", blocks: String = "") throws -> String {
            let path = work + "/\(name).conf"
            let (mine, theirs) = iface == "va" ? ("192.0.2.1", "192.0.2.2") : ("192.0.2.2", "192.0.2.1")
            let peers = unicast ? "    unicast_src_ip \(mine)\n    unicast_peer {\n        \(theirs)\n    }\n" : ""
            // VRRPv3 has no authentication (lint refuses the block there).
            let auth = version == 2 ? "    authentication {\n        auth_type PASS\n        auth_pass lab51\n    }\n" : ""
            try """
            global_defs {
                router_id \(name)
                vrrp_version \(version)
            \(global)}
            \(blocks)vrrp_instance VI_1 {
                state \(state)
                interface \(iface)
                virtual_router_id 51
                priority \(priority)
                advert_int 1
            \(auth)\(peers)\(extra)    virtual_ipaddress {
                    198.51.100.10/32
                }
            }

            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func start(_ ns: String, _ args: [String], log name: String, environment: [String: String] = [:]) throws -> Process {
            let p = Process()
            if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ip", "netns", "exec", ns] + args
            FileManager.default.createFile(atPath: work + "/\(name).log", contents: nil)
            p.standardOutput = FileHandle(forWritingAtPath: work + "/\(name).log")
            p.standardError = FileHandle(forWritingAtPath: work + "/\(name).log")
            try p.run()
            processes.append(p)
            return p
        }

        /// tshark on `iface` in `ns`, writing every packet to `file` and a line per packet to the
        /// "tshark" log. "Capturing on" can come before the capture does (dumpcap starts on its
        /// own, later under load), so this returns only once a probe (`probe`, a shell command
        /// run in the root namespace every half second) shows up as a line holding every string
        /// of `seen`: nothing sent afterwards is missed.
        func capture(_ ns: String, _ iface: String, to file: String, filter: [String] = [], probe: String, seen: [String]) throws -> Process {
            let tshark = try start(ns, ["tshark", "-i", iface] + filter + ["-w", file, "-P", "-l"], log: "tshark")
            guard wait(15, { log("tshark").contains("Capturing on") }) != nil else {
                throw LabSetupFailed(message: "tshark does not start: " + log("tshark"))
            }
            let captured = wait(15) {
                _ = try? sh(probe, in: URL(fileURLWithPath: "/"))
                usleep(450_000)
                return log("tshark").split(separator: "\n").contains { line in seen.allSatisfy { line.contains($0) } }
            }
            guard captured != nil else { throw LabSetupFailed(message: "tshark captures nothing of the probe: " + log("tshark")) }
            return tshark
        }

        func lvsc(_ ns: String, _ conf: String, environment: [String: String] = [:]) throws -> Process {
            try start(ns, [lvscBinary.path, "run", "-f", conf, "--vrrp-only"], log: "lvsc-\(ns)", environment: environment)
        }

        func keepalived(_ ns: String, _ conf: String) throws -> Process {
            try start(ns, ["keepalived", "--dont-fork", "--log-console", "--vrrp", "--use-file", conf,
                           "--pid", work + "/k-\(ns).pid", "--vrrp_pid", work + "/v-\(ns).pid"], log: "keepalived-\(ns)")
        }

        /// SIGKILL to keepalived and its VRRP child as well (killed alone, the parent's death
        /// makes the child stop cleanly, with priority 0): a host that died. False when the
        /// child's pid file is missing.
        @discardableResult
        func killKeepalived(_ ns: String, _ p: Process) -> Bool {
            let child = Int32(((try? String(contentsOfFile: work + "/v-\(ns).pid", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
            if let child { kill(child, SIGKILL) }
            stop(p, signal: SIGKILL)
            return child != nil
        }

        func holds(_ ns: String, _ iface: String, _ vip: String = "198.51.100.10/32") -> Bool {
            let r = try? sh("ip -n \(ns) -4 addr show dev \(iface)", in: URL(fileURLWithPath: "/"))
            return r?.stdout.contains("inet \(vip) ") ?? false
        }

        /// Samples every 50 ms until `condition` holds (returns the seconds it took) or `limit` passes.
        func wait(_ limit: Double, _ condition: () -> Bool) -> Double? {
            let start = Date()
            while Date().timeIntervalSince(start) < limit {
                if condition() { return Date().timeIntervalSince(start) }
                usleep(50_000)
            }
            return nil
        }

        /// For `seconds`, the VIP is on exactly the expected side at every sample.
        func stays(_ seconds: Double, onA: Bool) -> Bool {
            let start = Date()
            while Date().timeIntervalSince(start) < seconds {
                if holds(a, "va") != onA || holds(b, "vb") == onA { return false }
                usleep(50_000)
            }
            return true
        }

        func log(_ name: String) -> String { (try? String(contentsOfFile: work + "/\(name).log", encoding: .utf8)) ?? "" }

        func stop(_ p: Process, signal s: Int32) {
            // `ip netns exec` execs the program: the process is lvsc (or keepalived) itself.
            kill(p.processIdentifier, s)
            p.waitUntilExit()
        }
    }

    func testTwoLvscDirectorsElectAndHandOverOnSIGTERMAndSIGKILL() throws {
        let lab = try Lab(self)
        let a = try lab.lvsc(lab.a, try lab.conf("lvs01", iface: "va", priority: 150, state: "MASTER"))
        let b = try lab.lvsc(lab.b, try lab.conf("lvs02", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") }, "lvs01 takes the VIP: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(lab.stays(5, onA: true), "the VIP stays on lvs01 alone: " + lab.log("lvsc-\(lab.b)"))
        // A VIP deleted by hand on the MASTER comes back, and the log says so.
        _ = try sh("ip -n \(lab.a) addr del 198.51.100.10/32 dev va", in: URL(fileURLWithPath: "/"))
        XCTAssertNotNil(lab.wait(2) { lab.holds(lab.a, "va") }, "the VIP is put back: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(lab.log("lvsc-\(lab.a)").contains("was removed from va while MASTER; put back"), lab.log("lvsc-\(lab.a)"))
        // SIGTERM: lvs01 resigns with priority 0; lvs02 takes over after its skew time (0.61 s).
        lab.stop(a, signal: SIGTERM)
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertFalse(lab.holds(lab.a, "va"), "lvs01 removed its VIP on SIGTERM")
        let took = lab.wait(3) { lab.holds(lab.b, "vb") }
        XCTAssertNotNil(took, "lvs02 takes over: " + lab.log("lvsc-\(lab.b)"))
        XCTAssertLessThan(took ?? 9, 1.5)
        XCTAssertTrue(lab.log("lvsc-\(lab.b)").contains("BACKUP -> MASTER"), lab.log("lvsc-\(lab.b)"))
        // lvs01 comes back and preempts (higher priority); then SIGKILL: lvs02 after 3.61 s.
        let a2 = try lab.lvsc(lab.a, lab.work + "/lvs01.conf")
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, "lvs01 preempts back: " + lab.log("lvsc-\(lab.b)"))
        lab.stop(a2, signal: SIGKILL)
        _ = try sh("ip -n \(lab.a) addr del 198.51.100.10/32 dev va", in: URL(fileURLWithPath: "/"))
        let killed = lab.wait(6) { lab.holds(lab.b, "vb") }
        XCTAssertNotNil(killed)
        XCTAssertGreaterThan(killed ?? 0, 2.5, "not before the master-down interval")
        lab.stop(b, signal: SIGTERM)
        XCTAssertEqual(b.terminationStatus, 0)
    }

    func testKeepalivedAsThePeerBothWays() throws {
        let lab = try Lab(self)
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "RunLabTests: keepalived is not installed (scripts/test.sh installs it)")
        for version in [2, 3] {
            // keepalived MASTER, lvsc BACKUP.
            let k = try lab.keepalived(lab.a, try lab.conf("ka\(version)", iface: "va", priority: 150, state: "MASTER", version: version))
            let l = try lab.lvsc(lab.b, try lab.conf("lv\(version)", iface: "vb", priority: 100, state: "BACKUP", version: version))
            XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") }, "keepalived takes the VIP")
            XCTAssertTrue(lab.stays(4, onA: true), "v\(version): lvsc stays BACKUP: " + lab.log("lvsc-\(lab.b)"))
            // keepalived killed: lvsc takes over after the master-down interval.
            lab.stop(k, signal: SIGKILL)
            _ = try sh("ip -n \(lab.a) addr del 198.51.100.10/32 dev va", in: URL(fileURLWithPath: "/"))
            XCTAssertNotNil(lab.wait(6) { lab.holds(lab.b, "vb") }, "v\(version): lvsc takes over: " + lab.log("lvsc-\(lab.b)"))
            lab.stop(l, signal: SIGTERM)
            XCTAssertFalse(lab.holds(lab.b, "vb"))
            // lvsc MASTER, keepalived BACKUP.
            let l2 = try lab.lvsc(lab.b, try lab.conf("lvm\(version)", iface: "vb", priority: 150, state: "MASTER", version: version))
            XCTAssertNotNil(lab.wait(8) { lab.holds(lab.b, "vb") }, "lvsc takes the VIP: " + lab.log("lvsc-\(lab.b)"))
            let k2 = try lab.keepalived(lab.a, try lab.conf("kb\(version)", iface: "va", priority: 100, state: "BACKUP", version: version))
            XCTAssertTrue(lab.stays(5, onA: false), "v\(version): keepalived stays BACKUP: " + lab.log("keepalived-\(lab.a)"))
            lab.stop(l2, signal: SIGTERM)
            XCTAssertNotNil(lab.wait(3) { lab.holds(lab.a, "va") }, "v\(version): keepalived takes over from lvsc's priority 0")
            lab.stop(k2, signal: SIGTERM)
            _ = try? sh("ip -n \(lab.a) addr flush dev va to 198.51.100.10/32; ip -n \(lab.b) addr flush dev vb to 198.51.100.10/32", in: URL(fileURLWithPath: "/"))
        }
    }

    /// track_script and notify scripts: a failing check (no weight) puts the MASTER in FAULT and
    /// the VIP moves; with a weight it lowers the priority and the peer preempts; notify scripts
    /// get keepalived's arguments (INSTANCE name state priority), notify_master its own words,
    /// notify_stop runs at SIGTERM; the check runs as its configured user.
    func testTrackScriptsAndNotifyScripts() throws {
        let lab = try Lab(self)
        let w = lab.work
        let out = w + "/out"
        XCTAssertEqual(try sh("mkdir -p \(out) && chmod 1777 \(out)", in: URL(fileURLWithPath: "/")).status, 0)
        try "#!/bin/sh\nid -u > \(out)/uid\ntest ! -e \(w)/fail\n".write(toFile: w + "/check.sh", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho \"$@\" >> \(out)/notify.log\n".write(toFile: w + "/notify.sh", atomically: true, encoding: .utf8)
        XCTAssertEqual(try sh("chmod 755 \(w)/check.sh \(w)/notify.sh", in: URL(fileURLWithPath: "/")).status, 0)
        func scriptBlock(weight: Int) -> String {
            "vrrp_script chk {\n    script \(w)/check.sh\n    interval 0.3\n    fall 1\n    rise 1\n    weight \(weight)\n    user nobody\n}\n"
        }
        let notify = "    notify \(w)/notify.sh\n    notify_master \"\(w)/notify.sh master-only\"\n    notify_stop \"\(w)/notify.sh stop-only\"\n"
        let global = "    enable_script_security\n    script_user root\n"
        let aConf = try lab.conf("s1", iface: "va", priority: 150, state: "MASTER", extra: "    track_script {\n        chk\n    }\n" + notify,
                                 global: global, blocks: scriptBlock(weight: 0))
        let a = try lab.lvsc(lab.a, aConf)
        let b = try lab.lvsc(lab.b, try lab.conf("s2", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, lab.log("lvsc-\(lab.a)"))
        func notified() -> String { (try? String(contentsOfFile: out + "/notify.log", encoding: .utf8)) ?? "" }
        XCTAssertNotNil(lab.wait(3) { notified().contains("INSTANCE VI_1 MASTER 150\n") && notified().contains("master-only\n") }, notified())
        XCTAssertEqual((try? String(contentsOfFile: out + "/uid", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines),
                       try sh("id -u nobody", in: URL(fileURLWithPath: "/")).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       "the check runs as its user")
        // The check fails: FAULT, priority 0 sent, the VIP moves.
        FileManager.default.createFile(atPath: w + "/fail", contents: nil)
        let moved = lab.wait(3) { lab.holds(lab.b, "vb") && !lab.holds(lab.a, "va") }
        XCTAssertNotNil(moved, "the VIP moves when the check fails: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(lab.log("lvsc-\(lab.a)").contains("vrrp_script chk: failed (exit status 1)"), lab.log("lvsc-\(lab.a)"))
        XCTAssertNotNil(lab.wait(3) { notified().contains("INSTANCE VI_1 FAULT 150\n") }, notified())
        // It passes again: BACKUP, and lvs01 preempts.
        try FileManager.default.removeItem(atPath: w + "/fail")
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, "back after the check passes: " + lab.log("lvsc-\(lab.a)"))
        lab.stop(a, signal: SIGTERM)
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertTrue(notified().contains("INSTANCE VI_1 STOP 150\n") && notified().contains("stop-only\n"), "notify_stop ran before exit: " + notified())
        XCTAssertNotNil(lab.wait(3) { lab.holds(lab.b, "vb") })
        // With weight -60 a failing check lowers lvs01 to 90, below lvs02's 100: lvs02 preempts.
        let a2 = try lab.lvsc(lab.a, try lab.conf("s3", iface: "va", priority: 150, state: "BACKUP", extra: "    track_script {\n        chk\n    }\n",
                                                   global: global, blocks: scriptBlock(weight: -60)))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, "lvs01 preempts at 150: " + lab.log("lvsc-\(lab.a)"))
        FileManager.default.createFile(atPath: w + "/fail", contents: nil)
        XCTAssertNotNil(lab.wait(6) { lab.holds(lab.b, "vb") && !lab.holds(lab.a, "va") }, "lvs02 preempts lvs01 at 90: " + lab.log("lvsc-\(lab.b)"))
        XCTAssertTrue(lab.log("lvsc-\(lab.b)").contains("MASTER"), lab.log("lvsc-\(lab.b)"))
        lab.stop(a2, signal: SIGTERM)
        lab.stop(b, signal: SIGTERM)
    }

    /// SIGHUP: an unchanged file changes nothing (no transition, no extra advert, the VIP stays);
    /// a file with an error is refused and the old configuration keeps running; a changed
    /// priority restarts the instance and the VIP moves to the peer.
    func testSIGHUPReload() throws {
        let lab = try Lab(self)
        let conf = try lab.conf("r1", iface: "va", priority: 150, state: "MASTER")
        // systemd's notify socket, as a Type=notify unit has it: every datagram to a file.
        let socketPath = lab.work + "/notify.sock", notes = lab.work + "/notify.txt"
        let listener = try lab.start(lab.a, ["python3", "-c", """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
            f = open(sys.argv[2], 'a')
            while True:
                f.write(s.recv(4096).decode().replace('\\n', ' ') + '|'); f.flush()
            """, socketPath, notes], log: "notify")
        XCTAssertNotNil(lab.wait(5) { FileManager.default.fileExists(atPath: socketPath) }, lab.log("notify"))
        func notified() -> String { (try? String(contentsOfFile: notes, encoding: .utf8)) ?? "" }
        let a = try lab.lvsc(lab.a, conf, environment: ["NOTIFY_SOCKET": socketPath])
        let b = try lab.lvsc(lab.b, try lab.conf("r2", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, lab.log("lvsc-\(lab.a)"))
        XCTAssertNotNil(lab.wait(3) { notified() == "READY=1 STATUS=running|" }, "readiness: " + notified())
        func statistics() -> (sent: Int, at: Date)? {
            let before = lab.log("lvsc-\(lab.a)").components(separatedBy: "statistics VI_1:").count
            kill(a.processIdentifier, SIGUSR1)
            guard lab.wait(3, { lab.log("lvsc-\(lab.a)").components(separatedBy: "statistics VI_1:").count > before }) != nil,
                  let line = lab.log("lvsc-\(lab.a)").split(separator: "\n").last(where: { $0.contains("statistics VI_1:") }),
                  let r = line.range(of: "adverts sent "), let n = Int(line[r.upperBound...].prefix { $0.isNumber }) else { return nil }
            return (n, Date())
        }
        let first = try XCTUnwrap(statistics(), lab.log("lvsc-\(lab.a)"))
        let transitions = lab.log("lvsc-\(lab.a)").components(separatedBy: " -> ").count
        kill(a.processIdentifier, SIGHUP)
        XCTAssertNotNil(lab.wait(3) { lab.log("lvsc-\(lab.a)").contains("reloaded: nothing changed") }, lab.log("lvsc-\(lab.a)"))
        XCTAssertNotNil(lab.wait(3) { notified().hasSuffix("READY=1 STATUS=running|") && notified().contains("|RELOADING=1 MONOTONIC_USEC=") }, notified())
        XCTAssertTrue(lab.stays(3, onA: true))
        let second = try XCTUnwrap(statistics())
        // One advert a second, and none for the reload.
        XCTAssertLessThanOrEqual(second.sent - first.sent, Int(second.at.timeIntervalSince(first.at)) + 1, lab.log("lvsc-\(lab.a)"))
        XCTAssertEqual(lab.log("lvsc-\(lab.a)").components(separatedBy: " -> ").count, transitions, "no transition: " + lab.log("lvsc-\(lab.a)"))
        // An error: refused, the old configuration keeps running.
        let good = try String(contentsOfFile: conf, encoding: .utf8)
        try good.replacingOccurrences(of: "virtual_router_id 51", with: "virtual_router_id 300").write(toFile: conf, atomically: true, encoding: .utf8)
        kill(a.processIdentifier, SIGHUP)
        XCTAssertNotNil(lab.wait(3) { lab.log("lvsc-\(lab.a)").contains("reload refused: still running the previous configuration") }, lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(lab.log("lvsc-\(lab.a)").contains("virtual_router_id"), "the reason is logged: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(lab.stays(2, onA: true))
        // Priority 90, below lvs02's 100: the instance restarts and lvs02 takes the VIP.
        _ = try lab.conf("r1", iface: "va", priority: 90, state: "BACKUP")
        kill(a.processIdentifier, SIGHUP)
        XCTAssertNotNil(lab.wait(3) { lab.log("lvsc-\(lab.a)").contains("reloaded: restarted VI_1; added none; removed none; 0 unchanged") }, lab.log("lvsc-\(lab.a)"))
        XCTAssertNotNil(lab.wait(5) { lab.holds(lab.b, "vb") && !lab.holds(lab.a, "va") }, lab.log("lvsc-\(lab.b)"))
        XCTAssertTrue(lab.stays(3, onA: false), lab.log("lvsc-\(lab.a)"))
        lab.stop(a, signal: SIGTERM)
        lab.stop(b, signal: SIGTERM)
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertTrue(notified().hasSuffix("|STOPPING=1|"), notified())
        lab.stop(listener, signal: SIGKILL)
    }

    /// Unicast (`unicast_src_ip`, `unicast_peer`): two lvsc directors, then keepalived as the peer
    /// both ways, v2 with PASS and v3. keepalived's unicast socket is not in the multicast group,
    /// so its seeing lvsc's adverts shows they were sent to it.
    func testUnicastPeersLvscAndKeepalived() throws {
        let lab = try Lab(self)
        let a = try lab.lvsc(lab.a, try lab.conf("u1", iface: "va", priority: 150, state: "MASTER", unicast: true))
        let b = try lab.lvsc(lab.b, try lab.conf("u2", iface: "vb", priority: 100, state: "BACKUP", unicast: true))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") }, "lvs01 takes the VIP: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(lab.stays(4, onA: true), "the VIP stays on lvs01 alone: " + lab.log("lvsc-\(lab.b)"))
        lab.stop(a, signal: SIGTERM)
        let took = lab.wait(3) { lab.holds(lab.b, "vb") }
        XCTAssertLessThan(took ?? 9, 1.5, "unicast priority 0 reaches the peer: " + lab.log("lvsc-\(lab.b)"))
        lab.stop(b, signal: SIGTERM)
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "RunLabTests: keepalived is not installed (scripts/test.sh installs it)")
        for version in [2, 3] {
            let k = try lab.keepalived(lab.a, try lab.conf("uka\(version)", iface: "va", priority: 150, state: "MASTER", version: version, unicast: true))
            let l = try lab.lvsc(lab.b, try lab.conf("ulv\(version)", iface: "vb", priority: 100, state: "BACKUP", version: version, unicast: true))
            XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") }, "keepalived takes the VIP")
            XCTAssertTrue(lab.stays(4, onA: true), "v\(version) unicast: lvsc stays BACKUP: " + lab.log("lvsc-\(lab.b)"))
            lab.stop(k, signal: SIGKILL)
            _ = try sh("ip -n \(lab.a) addr del 198.51.100.10/32 dev va", in: URL(fileURLWithPath: "/"))
            XCTAssertNotNil(lab.wait(6) { lab.holds(lab.b, "vb") }, "v\(version) unicast: lvsc takes over: " + lab.log("lvsc-\(lab.b)"))
            // lvsc now MASTER; keepalived comes back as BACKUP with a lower priority and stays so.
            let k2 = try lab.keepalived(lab.a, try lab.conf("ukb\(version)", iface: "va", priority: 50, state: "BACKUP", version: version, unicast: true))
            XCTAssertTrue(lab.stays(5, onA: false), "v\(version) unicast: keepalived stays BACKUP: " + lab.log("keepalived-\(lab.a)"))
            lab.stop(l, signal: SIGTERM)
            XCTAssertNotNil(lab.wait(3) { lab.holds(lab.a, "va") }, "v\(version) unicast: keepalived takes over from lvsc's priority 0")
            lab.stop(k2, signal: SIGTERM)
            _ = try? sh("ip -n \(lab.a) addr flush dev va to 198.51.100.10/32; ip -n \(lab.b) addr flush dev vb to 198.51.100.10/32", in: URL(fileURLWithPath: "/"))
        }
    }

    /// A tracked interface going down puts the MASTER in FAULT: it resigns (priority 0) and the
    /// VIP moves to the peer; back up, it returns to BACKUP and preempts again.
    func testATrackedInterfaceDownMovesTheVIP() throws {
        let lab = try Lab(self)
        // A second link in lvs01's namespace to track (a veth pair: this kernel has no dummy links).
        let made = try sh("ip -n \(lab.a) link add vc type veth peer name vd && ip -n \(lab.a) link set vc up && ip -n \(lab.a) link set vd up", in: URL(fileURLWithPath: "/"))
        XCTAssertEqual(made.status, 0, made.stderr)
        let a = try lab.lvsc(lab.a, try lab.conf("lvs01", iface: "va", priority: 150, state: "MASTER",
                                                  extra: "    track_interface {\n        vc\n    }\n"))
        let b = try lab.lvsc(lab.b, try lab.conf("lvs02", iface: "vb", priority: 100, state: "BACKUP"))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, lab.log("lvsc-\(lab.a)"))
        _ = try sh("ip -n \(lab.a) link set vc down", in: URL(fileURLWithPath: "/"))
        let moved = lab.wait(3) { lab.holds(lab.b, "vb") && !lab.holds(lab.a, "va") }
        XCTAssertNotNil(moved, "the VIP moves to lvs02: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertLessThan(moved ?? 9, 1.5, "lvs01 resigned with priority 0")
        XCTAssertTrue(lab.log("lvsc-\(lab.a)").contains("MASTER -> FAULT"), lab.log("lvsc-\(lab.a)"))
        _ = try sh("ip -n \(lab.a) link set vc up", in: URL(fileURLWithPath: "/"))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, "lvs01 preempts back: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertTrue(lab.log("lvsc-\(lab.a)").contains("FAULT -> BACKUP"), lab.log("lvsc-\(lab.a)"))
        lab.stop(a, signal: SIGTERM)
        lab.stop(b, signal: SIGTERM)
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertEqual(b.terminationStatus, 0)
    }

    /// Keywords lvsc run does not implement are refused at start, by name and line.
    func testUnimplementedKeywordsAreRefusedByNameAndLine() throws {
        let s = try Scratch("runrefuse")
        try s.write("k.conf", """
        global_defs {
            enable_script_security
            script_user nobody
        }
        vrrp_instance VI_1 {
            interface lo
            virtual_router_id 51
            use_vmac
            notify_master /bin/true
            nopreempt
            virtual_ipaddress {
                198.51.100.10/32
            }
        }
        vrrp_instance VI_2 {
            interface lo
            virtual_router_id 52
            unicast_src_ip 192.0.2.77
            unicast_peer {
                192.0.2.78 min_ttl 10
            }
            track_script {
                open
                ghost
            }
            virtual_ipaddress {
                198.51.100.11/32
            }
        }
        vrrp_script open {
            script \(s.file("open.sh"))
            user root
        }
        vrrp_script ghost {
            script /bin/true
            user nosuchuser
        }
        virtual_server 198.51.100.10 80 {
            lb_algo rr
            lb_kind DR
            protocol TCP
        }

        """)
        try s.write("open.sh", "#!/bin/sh\n")
        XCTAssertEqual(chmod(s.file("open.sh"), 0o777), 0)
        let r = try s.lvsc(["run", "-f", "k.conf"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("k.conf:8:5: lvsc run: 'use_vmac'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("'virtual_server': lvsc run does not run health checks yet: start it with --vrrp-only"), r.stderr)
        XCTAssertTrue(r.stderr.contains("k.conf:18:20: lvsc run: 'unicast_src_ip': 192.0.2.77 is not an address of lo here"), r.stderr)
        XCTAssertTrue(r.stderr.contains("k.conf:20:20: lvsc run: 'min_ttl'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("lvsc run: 'script': \(s.file("open.sh")) runs as root but \(s.file("open.sh")) can be changed by a user other than root"), r.stderr)
        XCTAssertTrue(r.stderr.contains("lvsc run: 'script': the script user nosuchuser does not exist here"), r.stderr)
    }
}
