import Foundation
import XCTest

/// `lvsc run` against `lvsc run` in network namespaces (root): the election rules an operator
/// relies on when a director comes back — nopreempt, preempt_delay — a sync group moving as one,
/// and the bundled seed cluster's own directors (re-addressed, Fixtures/archive-doc) handing
/// their VIP over. Documentation addresses only.
final class RunLabElectionTests: XCTestCase {
    typealias Lab = RunLabTests.Lab
    let root = URL(fileURLWithPath: "/")

    /// A higher-priority director with `nopreempt` that comes back leaves the running MASTER
    /// alone, and takes over only when that MASTER goes.
    func testNopreemptKeepsTheRunningMaster() throws {
        let lab = try Lab(self)
        let b = try lab.lvsc(lab.b, try lab.conf("lvs02", iface: "vb", priority: 100, state: "MASTER"))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.b, "vb") }, "lvs02 takes the VIP: " + lab.log("lvsc-\(lab.b)"))
        let a = try lab.lvsc(lab.a, try lab.conf("lvs01", iface: "va", priority: 150, state: "BACKUP", extra: "    nopreempt\n"))
        // Without nopreempt lvs01 would take over after its master-down interval (3.41 s).
        XCTAssertTrue(lab.stays(6, onA: false), "nopreempt: lvs02 keeps the VIP: " + lab.log("lvsc-\(lab.a)"))
        lab.stop(b, signal: SIGTERM)
        XCTAssertNotNil(lab.wait(3) { lab.holds(lab.a, "va") }, "lvs01 takes over from lvs02's priority 0: " + lab.log("lvsc-\(lab.a)"))
        lab.stop(a, signal: SIGTERM)
        XCTAssertEqual(a.terminationStatus, 0)
    }

    /// `preempt_delay 5`: the higher-priority director that comes back waits 5 s before it
    /// preempts (then its master-down interval), where it would take 3.41 s without the delay.
    func testPreemptDelayHoldsPreemption() throws {
        let lab = try Lab(self)
        let b = try lab.lvsc(lab.b, try lab.conf("lvs02", iface: "vb", priority: 100, state: "MASTER"))
        XCTAssertNotNil(lab.wait(8) { lab.holds(lab.b, "vb") }, "lvs02 takes the VIP: " + lab.log("lvsc-\(lab.b)"))
        let a = try lab.lvsc(lab.a, try lab.conf("lvs01", iface: "va", priority: 150, state: "BACKUP", extra: "    preempt_delay 5\n"))
        let started = Date()
        XCTAssertTrue(lab.stays(4.5, onA: false), "preempt_delay: lvs02 keeps the VIP for now: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertNotNil(lab.wait(10) { lab.holds(lab.a, "va") && !lab.holds(lab.b, "vb") }, "lvs01 preempts after the delay: " + lab.log("lvsc-\(lab.a)"))
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 5.0, "not before preempt_delay")
        XCTAssertTrue(lab.log("lvsc-\(lab.b)").contains("MASTER -> BACKUP"), lab.log("lvsc-\(lab.b)"))
        lab.stop(a, signal: SIGTERM)
        lab.stop(b, signal: SIGTERM)
    }

    /// Two instances in a `vrrp_sync_group`: only VI_1 tracks an interface, yet when it goes
    /// down both instances go to FAULT and both VIPs move to the peer; back up, both return.
    func testASyncGroupMovesAsOne() throws {
        let lab = try Lab(self)
        let made = try sh("ip -n \(lab.a) link add vc type veth peer name vd && ip -n \(lab.a) link set vc up && ip -n \(lab.a) link set vd up", in: root)
        XCTAssertEqual(made.status, 0, made.stderr)
        func conf(_ name: String, iface: String, priority: Int, state: String, track: String) throws -> String {
            let path = lab.work + "/\(name).conf"
            func instance(_ n: Int, _ track: String) -> String {
                """
                vrrp_instance VI_\(n) {
                    state \(state)
                    interface \(iface)
                    virtual_router_id \(50 + n)
                    priority \(priority)
                    advert_int 1
                \(track)    virtual_ipaddress {
                        198.51.100.\(9 + n)/32
                    }
                }

                """
            }
            try """
            global_defs {
                router_id \(name)
            }
            vrrp_sync_group VG_1 {
                group {
                    VI_1
                    VI_2
                }
            }
            \(instance(1, track))\(instance(2, ""))
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let a = try lab.lvsc(lab.a, try conf("lvs01", iface: "va", priority: 150, state: "MASTER", track: "    track_interface {\n        vc\n    }\n"))
        let b = try lab.lvsc(lab.b, try conf("lvs02", iface: "vb", priority: 100, state: "BACKUP", track: ""))
        func onA() -> Bool { lab.holds(lab.a, "va", "198.51.100.10/32") && lab.holds(lab.a, "va", "198.51.100.11/32") }
        func onB() -> Bool { lab.holds(lab.b, "vb", "198.51.100.10/32") && lab.holds(lab.b, "vb", "198.51.100.11/32") }
        func none(_ ns: String, _ iface: String) -> Bool {
            !lab.holds(ns, iface, "198.51.100.10/32") && !lab.holds(ns, iface, "198.51.100.11/32")
        }
        XCTAssertNotNil(lab.wait(8) { onA() && none(lab.b, "vb") }, "lvs01 holds both VIPs: " + lab.log("lvsc-\(lab.a)"))
        _ = try sh("ip -n \(lab.a) link set vc down", in: root)
        let moved = lab.wait(4) { onB() && none(lab.a, "va") }
        XCTAssertNotNil(moved, "both VIPs move to lvs02: " + lab.log("lvsc-\(lab.a)") + lab.log("lvsc-\(lab.b)"))
        let log = lab.log("lvsc-\(lab.a)")
        XCTAssertTrue(log.contains("VI_1: MASTER -> FAULT") && log.contains("VI_2: MASTER -> FAULT"), log)
        // For 3 s (three adverts) nothing flaps back.
        let start = Date()
        while Date().timeIntervalSince(start) < 3 {
            XCTAssertTrue(onB() && none(lab.a, "va"), "the group stays on lvs02")
            usleep(100_000)
        }
        _ = try sh("ip -n \(lab.a) link set vc up", in: root)
        XCTAssertNotNil(lab.wait(8) { onA() && none(lab.b, "vb") }, "both come back to lvs01: " + lab.log("lvsc-\(lab.a)"))
        lab.stop(a, signal: SIGTERM)
        lab.stop(b, signal: SIGTERM)
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertEqual(b.terminationStatus, 0)
    }

    /// The seed cluster's directors as the HOWTO set them up (Fixtures/archive-doc: the same
    /// files re-addressed into 198.51.100.0/24), each in its namespace with its `eth0`, run
    /// from the inventory: lvs01 (state MASTER) takes the VIP, lvs02 stays BACKUP, and on
    /// SIGTERM lvs01 hands the VIP to lvs02.
    func testTheSeedClustersDirectorsHandOverTheVIP() throws {
        let lab = try Lab(self)
        // The pair's own link, named as the inventory names it, in two fresh namespaces.
        let id = "\(getpid())-\(UInt32.random(in: 0...0xFFFF))"
        let n1 = "lvsc-seed-1-\(id)", n2 = "lvsc-seed-2-\(id)"
        addTeardownBlock { _ = try? sh("ip netns del \(n1) 2>/dev/null; ip netns del \(n2) 2>/dev/null; true", in: URL(fileURLWithPath: "/")) }
        let made = try sh("""
            set -e
            ip netns add \(n1); ip netns add \(n2)
            ip link add eth0 netns \(n1) type veth peer name eth0 netns \(n2)
            ip -n \(n1) addr add 198.51.100.11/24 dev eth0; ip -n \(n2) addr add 198.51.100.12/24 dev eth0
            for n in \(n1) \(n2); do ip -n $n link set lo up; ip -n $n link set eth0 up; done
            """, in: root)
        XCTAssertEqual(made.status, 0, made.stderr)
        let inventory = repositoryRoot.appendingPathComponent("Fixtures/archive-doc/cluster.txt").path
        func run(_ ns: String, _ host: String) throws -> Process {
            try lab.start(ns, [lvscBinary.path, "run", "--inventory", inventory, "--host", host, "--vrrp-only"], log: host)
        }
        let vip = "198.51.100.241/24"
        let one = try run(n1, "lvs01")
        XCTAssertNotNil(lab.wait(8) { lab.holds(n1, "eth0", vip) }, "lvs01 takes the VIP: " + lab.log("lvs01"))
        let two = try run(n2, "lvs02")
        // Equal priorities (100): lvs02 accepts lvs01's adverts and stays BACKUP.
        let start = Date()
        while Date().timeIntervalSince(start) < 5 {
            XCTAssertTrue(lab.holds(n1, "eth0", vip) && !lab.holds(n2, "eth0", vip), "the VIP is on lvs01 alone: " + lab.log("lvs02"))
            usleep(100_000)
        }
        lab.stop(one, signal: SIGTERM)
        XCTAssertEqual(one.terminationStatus, 0, lab.log("lvs01"))
        XCTAssertFalse(lab.holds(n1, "eth0", vip), "lvs01 removed its VIP")
        let took = lab.wait(3) { lab.holds(n2, "eth0", vip) }
        XCTAssertNotNil(took, "lvs02 takes the VIP: " + lab.log("lvs02"))
        XCTAssertLessThan(took ?? 9, 1.5, "after lvs02's skew time, not its master-down interval")
        XCTAssertTrue(lab.log("lvs01").contains("VI_Z: MASTER -> "), lab.log("lvs01"))
        XCTAssertTrue(lab.log("lvs02").contains("VI_Z: BACKUP -> MASTER: the MASTER resigned (priority 0); skew time 0.609 s"), lab.log("lvs02"))
        lab.stop(two, signal: SIGTERM)
        XCTAssertEqual(two.terminationStatus, 0, lab.log("lvs02"))
    }

    /// `lvsc emit rc-final --runtime lvsc` for the seed's two directors, each block run twice
    /// under `sh -e` as pasted, in the directors' namespaces: both runs exit 0, the second start
    /// of lvsc run is refused (one per namespace) and changes nothing, lvs01 holds the VIP, and
    /// SIGTERM to lvs01's lvsc hands it to lvs02. The block runs exactly as emitted: a private
    /// mount namespace puts this build's lvsc at /usr/local/bin/lvsc and gives /var/log and /run
    /// folders of the test's own (keepalived -C starts there too, and stops at once: no IPVS).
    /// The shell first closes what this harness left open beyond standard input, output and
    /// error (Foundation's Process watches a descriptor its child inherits to see it end, and a
    /// background lvsc run holding it would look like a shell that never ends), as a shell at
    /// boot has nothing else open.
    func testRuntimeLvscBlocksRunTwiceAndHandOver() throws {
        let lab = try Lab(self)
        let id = "\(getpid())-\(UInt32.random(in: 0...0xFFFF))"
        let n1 = "lvsc-rtl-1-\(id)", n2 = "lvsc-rtl-2-\(id)"
        func pids(_ ns: String) -> [Int32] {
            ((try? sh("ip netns pids \(ns)", in: root).stdout) ?? "").split(separator: "\n").compactMap { Int32($0) }
        }
        addTeardownBlock {
            // Only what the blocks started: the processes in these two namespaces.
            for ns in [n1, n2] { for p in pids(ns) { kill(p, SIGKILL) } }
            _ = try? sh("sleep 0.3; ip netns del \(n1) 2>/dev/null; ip netns del \(n2) 2>/dev/null; true", in: URL(fileURLWithPath: "/"))
        }
        let made = try sh("""
            set -e
            ip netns add \(n1); ip netns add \(n2)
            ip link add eth0 netns \(n1) type veth peer name eth0 netns \(n2)
            ip -n \(n1) addr add 198.51.100.11/24 dev eth0; ip -n \(n2) addr add 198.51.100.12/24 dev eth0
            for n in \(n1) \(n2); do ip -n $n link set lo up; ip -n $n link set eth0 up; done
            """, in: root)
        XCTAssertEqual(made.status, 0, made.stderr)
        let cluster = repositoryRoot.appendingPathComponent("Fixtures/archive-doc")
        let vip = "198.51.100.241/24"
        var logs: [String: String] = [:]
        for (host, ns) in [("lvs01", n1), ("lvs02", n2)] {
            let dir = lab.work + "/\(host)"
            for sub in ["bin", "log", "run"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
            try FileManager.default.createSymbolicLink(atPath: dir + "/bin/lvsc", withDestinationPath: lvscBinary.path)
            let conf = try runProcess(lvscBinary, ["emit", "keepalived", "--host", host], in: cluster)
            XCTAssertEqual(conf.status, 0, conf.stderr)
            try conf.stdout.write(toFile: dir + "/keepalived.conf", atomically: true, encoding: .utf8)
            let block = try runProcess(lvscBinary, ["emit", "rc-final", "--host", host, "--runtime", "lvsc", "--config-path", dir + "/keepalived.conf"], in: cluster)
            XCTAssertEqual(block.status, 0, block.stderr)
            XCTAssertTrue(block.stdout.contains("/usr/local/bin/lvsc run -f"), block.stdout)
            try block.stdout.write(toFile: dir + "/block.sh", atomically: true, encoding: .utf8)
            logs[host] = dir + "/log/lvsc-run.log"
            for run in 1...2 {
                let r = try sh("""
                    ip netns exec \(ns) unshare -m --propagation private sh -c '
                        mount --bind \(dir)/bin /usr/local/bin && mount --bind \(dir)/log /var/log && mount --bind \(dir)/run /run &&
                        exec python3 -c "import os, sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])" sh -e \(dir)/block.sh'
                    """, in: root, timeout: 60)
                XCTAssertEqual(r.status, 0, "\(host)'s block, run \(run): \(r.stdout)\(r.stderr)\n\(block.stdout)")
                if host == "lvs01" && run == 1 {
                    XCTAssertNotNil(lab.wait(8) { lab.holds(n1, "eth0", vip) }, "lvs01's lvsc run takes the VIP: " + ((try? String(contentsOfFile: logs[host]!, encoding: .utf8)) ?? ""))
                }
                usleep(500_000)
            }
            let log = (try? String(contentsOfFile: logs[host]!, encoding: .utf8)) ?? ""
            XCTAssertTrue(log.contains("lvsc run is already running in this network namespace (pid "), "the second start is refused: \(log)")
            let running = pids(ns).filter { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8)) == "lvsc\n" }
            XCTAssertEqual(running.count, 1, "one lvsc run in \(host)'s namespace: \(running)")
        }
        func log(_ h: String) -> String { (try? String(contentsOfFile: logs[h]!, encoding: .utf8)) ?? "" }
        let start = Date()
        while Date().timeIntervalSince(start) < 4 {
            XCTAssertTrue(lab.holds(n1, "eth0", vip) && !lab.holds(n2, "eth0", vip), "the VIP is on lvs01 alone: " + log("lvs02"))
            usleep(100_000)
        }
        let lvs01 = try XCTUnwrap(pids(n1).first { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8)) == "lvsc\n" })
        kill(lvs01, SIGTERM)
        let took = lab.wait(3) { lab.holds(n2, "eth0", vip) && !lab.holds(n1, "eth0", vip) }
        XCTAssertLessThan(took ?? 9, 1.5, "lvs02 takes the VIP from lvs01's priority 0: " + log("lvs02"))
        XCTAssertNotNil(lab.wait(3) { log("lvs01").contains("stopped (signal 15)") }, log("lvs01"))
    }
}
