import Foundation
import XCTest

/// `lvsc lint` over a cluster, as an operator and a CI job run it.
final class ClusterCLITests: XCTestCase {
    let drift = "Fixtures/cluster-rules/peer-config-drift/bad"

    func testNoArgumentsFindsClusterTxt() throws {
        let r = try sh("'\(lvscBinary.path)' lint", in: repositoryRoot.appendingPathComponent("Fixtures/archive"), env: ["NO_COLOR": "1"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("lvs02.conf:26:14: warning: lvs02's vrrp_instance VI_Z and lvs01's vrrp_instance VI_Z both have priority 100"), r.stdout)
        XCTAssertTrue(r.stdout.contains("lvs01.conf:26:14: note: the same priority"), r.stdout)
        XCTAssertEqual(r.stderr, "0 errors, 7 warnings\n")
        // The same, named explicitly.
        let named = try runLVSC(["lint", "--inventory", "Fixtures/archive/cluster.txt"], env: ["NO_COLOR": "1"])
        XCTAssertEqual(named.stderr, "0 errors, 7 warnings\n")
        // Both write lvs_id LVS_FOO, which keepalived 2.x ignores: their router_ids are their
        // host names, so no router-id-duplicate.
        XCTAssertFalse(named.stdout.contains("router-id-duplicate"), named.stdout)
    }

    func testInventoryErrorsAndExitCodes() throws {
        let missing = try runLVSC(["lint", "--inventory", "/nonexistent/cluster.txt"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("cannot read inventory /nonexistent/cluster.txt"), missing.stderr)
        let noConf = try runLVSC(["lint", "--inventory", "Fixtures/cluster-rules/inventory-conf/bad/cluster.txt"])
        XCTAssertEqual(noConf.status, 1)
        XCTAssertTrue(noConf.stdout.contains("cluster.txt:3:67: error: cannot read lvs02's configuration"), noConf.stdout)
        let empty = try sh("'\(lvscBinary.path)' lint", in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.stderr.contains("cluster.txt"), empty.stderr)
    }

    /// Every format carries both locations of a finding that relates two directors' files.
    func testFormatsCarryBothLocations() throws {
        let json = try runLVSC(["lint", "--format", "json", "--inventory", "\(drift)/cluster.txt"])
        XCTAssertEqual(json.status, 1)
        let items = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        let d = try XCTUnwrap(items.first { $0["rule"] as? String == "peer-config-drift" && ($0["message"] as! String).contains("lb_algo") })
        XCTAssertEqual(d["file"] as? String, "\(drift)/lvs02.conf")
        XCTAssertEqual(d["line"] as? Int, 18)
        let related = try XCTUnwrap(d["related"] as? [[String: Any]])
        XCTAssertEqual(related.first?["file"] as? String, "\(drift)/lvs01.conf")
        XCTAssertEqual(related.first?["line"] as? Int, 18)

        let sarif = try runLVSC(["lint", "--format", "sarif", "--inventory", "\(drift)/cluster.txt"])
        let log = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as! [String: Any]
        let run = (log["runs"] as! [[String: Any]])[0]
        let results = run["results"] as! [[String: Any]]
        let r = try XCTUnwrap(results.first { $0["ruleId"] as? String == "peer-config-drift" })
        let rel = try XCTUnwrap(r["relatedLocations"] as? [[String: Any]])
        let uri = ((rel[0]["physicalLocation"] as! [String: Any])["artifactLocation"] as! [String: Any])["uri"] as? String
        XCTAssertEqual(uri, "\(drift)/lvs01.conf")
        let ruleIDs = ((run["tool"] as! [String: Any])["driver"] as! [String: Any])["rules"] as! [[String: Any]]
        XCTAssertTrue(ruleIDs.contains { $0["id"] as? String == "peer-config-drift" })

        let gh = try runLVSC(["lint", "--format", "github", "--inventory", "\(drift)/cluster.txt"])
        let line = try XCTUnwrap(gh.stdout.split(separator: "\n").first { $0.contains("lb_algo") })
        XCTAssertTrue(line.hasPrefix("::error file=\(drift)/lvs02.conf,line=18,"), String(line))
        XCTAssertTrue(line.contains("%0A\(drift)/lvs01.conf:18:13: lvs01: lb_algo rr"), String(line))
    }

    /// The pre-commit entry: a changed director file re-checks its whole cluster.
    func testFindInventoryLintsTheClusterOfAChangedFile() throws {
        let r = try runLVSC(["lint", "--find-inventory", "\(drift)/lvs02.conf"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("[peer-config-drift]"), r.stdout)
        // A file outside any cluster is linted alone.
        let alone = try runLVSC(["lint", "--find-inventory", "Fixtures/rules/syntax/good.conf"])
        XCTAssertEqual(alone.status, 0, alone.stdout)
    }

    func testExplainClusterRule() throws {
        let r = try runLVSC(["explain", "peer-config-drift"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.hasPrefix("peer-config-drift (error): "), r.stdout)
    }
}

/// On a kernel without IPVS (this machine's), the netlink commands say so and exit 3.
final class NoIPVSTests: XCTestCase {
    func testApplyStateAndLivePlanExplainNoIPVS() throws {
        guard !FileManager.default.fileExists(atPath: "/proc/net/ip_vs") else {
            print("NoIPVSTests: skipped, this kernel has IPVS (the qemu lab covers apply there)")
            throw XCTSkip("this kernel has IPVS")
        }
        let dir = repositoryRoot.appendingPathComponent("Fixtures/archive")
        for args in ["apply --host lvs01", "apply --host lvs01 --dry-run", "state", "state --format json", "plan --host lvs01 --live"] {
            let r = try sh("'\(lvscBinary.path)' \(args)", in: dir)
            XCTAssertEqual(r.status, 3, "lvsc \(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("the kernel has no IPVS") && r.stderr.contains("modprobe ip_vs"), "lvsc \(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", "lvsc \(args)")
        }
    }
}
