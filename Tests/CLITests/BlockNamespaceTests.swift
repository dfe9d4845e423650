import Foundation
import XCTest

/// Every rc.final block of the bundled clusters, run as an operator would paste it: in a fresh
/// network namespace, under `sh -e`, twice. Both runs must exit 0 and leave the same addresses,
/// routes and sysctls.
///
/// Blocks this kernel cannot run — a director's (keepalived exits at once without IPVS, and a
/// standalone director's ipvsadm lines need it too) and a TUN real server's (no ipip here) — run
/// the same way in the qemu lab (lab/scenarios/90-blocks-twice.sh), with keepalived in the guest.
/// The seed cluster runs re-addressed into 198.51.100.0/24 (Fixtures/archive-doc).
final class BlockNamespaceTests: XCTestCase {
    struct Host { var name: String; var address: String; var iface: String }

    func hosts(_ cluster: URL) throws -> [Host] {
        try String(contentsOf: cluster.appendingPathComponent("cluster.txt"), encoding: .utf8).split(separator: "\n").compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count == 7, !f[0].hasPrefix("#") else { return nil }
            let iface = f[6].split(separator: ",").first { $0.hasPrefix("iface=") }.map { String($0.dropFirst(6)) } ?? "eth0"
            return Host(name: String(f[0]), address: String(f[5]), iface: iface)
        }
    }

    func testEveryBlockRunsTwiceToTheSameState() throws {
        try requirePrecondition(getuid() == 0, "BlockNamespaceTests: network namespaces need root; CI runs as root")
        var ran: [String] = []
        for folder in ["Fixtures/archive-doc", "Fixtures/emit/mixed"] {
            let cluster = repositoryRoot.appendingPathComponent(folder)
            for (k, h) in try hosts(cluster).enumerated() {
                let block = try runProcess(lvscBinary, ["emit", "rc-final", "--host", h.name], in: cluster)
                guard block.status == 0 else { continue }   // no role: no block
                if block.stdout.contains("keepalived -f") || block.stdout.contains("\nipvsadm ") || block.stdout.contains("\nmodprobe ipip") {
                    continue   // the lab runs these
                }
                try runTwice(folder: cluster, host: h, index: k, block: block.stdout)
                ran.append("\(folder.split(separator: "/").last!)/\(h.name)")
            }
        }
        print("BlockNamespaceTests: ran twice in namespaces: \(ran.joined(separator: ", "))")
        // The seed's three real servers, and the mixed cluster's DR (one with a fwmark), IPv6 and NAT real servers.
        XCTAssertEqual(Set(ran), ["archive-doc/www1", "archive-doc/www4", "archive-doc/www6",
                                  "mixed/web1", "mixed/web2", "mixed/app1", "mixed/web6"])
    }

    func runTwice(folder: URL, host h: Host, index: Int, block: String) throws {
        let ns = "lvsc-blk-\(getpid() % 10_000)-\(index)"
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(ns)
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer {
            // Only what this test started: the processes inside its own namespace.
            _ = try? sh("for p in $(ip netns pids \(ns) 2>/dev/null); do kill $p; done; sleep 0.5; ip netns del \(ns) 2>/dev/null; true", in: work)
            try? FileManager.default.removeItem(at: work)
        }
        let script = block
        try Data(script.utf8).write(to: work.appendingPathComponent("block.sh"))
        let sysctls = script.split(separator: "\n").filter { $0.hasPrefix("sysctl -w ") }.map { line -> String in
            let kv = line.dropFirst("sysctl -w ".count).replacingOccurrences(of: "'", with: "")
            return String(kv.split(separator: "=")[0])
        }
        let v6 = h.address.contains(":")
        // What the block leaves behind: addresses, routes, the sysctls it sets.
        let capture = """
            ip -o addr show | sed -e 's/ valid_lft.*//' -e 's/ tentative//' | sort
            ip route show table all | sort
            ip -6 route show table all | sort
            for k in \(sysctls.joined(separator: " ")); do echo "$k=$(sysctl -n $k)"; done
            """
        try Data("""
            set -u
            sh -e block.sh > run1.out 2>&1; echo $? > run1.rc
            { \(capture)
            } > state1
            sh -e block.sh > run2.out 2>&1; echo $? > run2.rc
            { \(capture)
            } > state2
            true

            """.utf8).write(to: work.appendingPathComponent("twice.sh"))
        let setup = """
            ip netns add \(ns)
            ip -n \(ns) link add \(h.iface) type veth peer name peer0
            ip -n \(ns) link set lo up
            ip -n \(ns) link set peer0 up
            ip -n \(ns) link set \(h.iface) up
            ip -n \(ns) addr add \(h.address)/\(v6 ? 64 : 24) dev \(h.iface) \(v6 ? "nodad" : "")
            ip netns exec \(ns) sh twice.sh
            """
        let r = try sh(setup, in: work, timeout: 120)
        XCTAssertEqual(r.status, 0, "\(h.name): \(r.stdout)\(r.stderr)")
        func read(_ f: String) -> String { (try? String(contentsOf: work.appendingPathComponent(f), encoding: .utf8)) ?? "(missing)" }
        XCTAssertEqual(read("run1.rc"), "0\n", "\(h.name)'s block failed on its first run:\n\(read("run1.out"))\n\(script)")
        XCTAssertEqual(read("run2.rc"), "0\n", "\(h.name)'s block failed on its second run:\n\(read("run2.out"))\n\(script)")
        XCTAssertEqual(read("state2"), read("state1"), "\(h.name): a second run changed the state")
        // What an operator pasting it expects: the VIPs on lo with the ARP settings (DR), the
        // default route (NAT).
        let state = read("state2")
        if script.contains("dev lo") { XCTAssertTrue(state.contains("lo    inet") || state.contains("lo    inet6"), "\(h.name): no VIP on lo\n\(state)") }
        if script.contains("arp_ignore=1") { XCTAssertTrue(state.contains("net.ipv4.conf.all.arp_ignore=1"), state) }
        if script.contains("default via") { XCTAssertTrue(state.contains("default via "), "\(h.name): no default route\n\(state)") }
        XCTAssertFalse(state.contains("224.0.0.0/4"), "\(h.name): a multicast route on a real server")
    }
}
