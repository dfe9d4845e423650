import Foundation
import XCTest

/// `lvsc diff` on real git repositories the test makes: revisions against the working tree and
/// against each other, folders, every output format, `--exit-code`, and bad revisions.
final class DiffTests: XCTestCase {
    func git(_ args: String, in dir: URL) throws {
        let r = try sh("git -c user.email=lvsc@example.org -c user.name=lvsc-test " + args, in: dir)
        XCTAssertEqual(r.status, 0, "git \(args): \(r.stderr)")
    }

    func edit(_ file: URL, _ from: String, _ to: String, all: Bool = false) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.contains(from), "\(file.lastPathComponent) lacks \(from)")
        let changed = all ? text.replacingOccurrences(of: from, with: to) : text.replacingFirst(from, with: to)
        try changed.write(to: file, atomically: true, encoding: .utf8)
    }

    func testRevisionsFoldersFormatsAndExitCodes() throws {
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "DiffTests: git is not installed")
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-diff-\(UUID().uuidString)")
        let cluster = repo.appendingPathComponent("cluster")
        try FileManager.default.createDirectory(at: cluster, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: repo) }
        for name in ["cluster.txt", "lb1.conf", "lb2.conf"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Fixtures/examples/shop/\(name)"), to: cluster.appendingPathComponent(name))
        }
        try git("init -q", in: repo)
        try git("add -A", in: repo)
        try git("commit -q -m one", in: repo)
        // The change under review: lb2 outranks lb1 (every VIP moves), lb1's web service on 443
        // changes scheduler and persistence, www12 leaves port 80, mail moves to a new VIP
        // (the mail servers' rc.final blocks change with it).
        let lb1 = cluster.appendingPathComponent("lb1.conf"), lb2 = cluster.appendingPathComponent("lb2.conf")
        try edit(lb2, "    priority 100\n", "    priority 200\n", all: true)
        try edit(lb1, "    lb_algo wlc\n    lb_kind NAT\n    persistence_timeout 300", "    lb_algo rr\n    lb_kind NAT\n    persistence_timeout 600")
        try edit(lb1, "    real_server 198.51.100.112 80 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n", "")
        for f in [lb1, lb2] { try edit(f, "203.0.113.20", "203.0.113.21", all: true) }
        try edit(cluster.appendingPathComponent("cluster.txt"), "203.0.113.20 ", "203.0.113.21 ")
        func diff(_ args: [String]) throws -> LVSCRun { try runProcess(lvscBinary, ["diff"] + args + ["--inventory", "cluster/cluster.txt"], in: repo) }

        // The last commit against the working tree.
        let text = try diff(["HEAD"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("lvsc diff: HEAD ("), text.stdout)
        XCTAssertTrue(text.stdout.contains("deploying it moves VI_WEB (203.0.113.10, 203.0.113.11): MASTER lb1 -> lb2 (priorities now lb1 150, lb2 200)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("    VI_DNS: priority 100 -> 200\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("    VI_MAIL: VIP 203.0.113.21/24 added\n    VI_MAIL: VIP 203.0.113.20/24 removed\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("update service   ipvsadm -E -t 203.0.113.10:443 -s rr -p 600"), text.stdout)
        XCTAssertTrue(text.stdout.contains("-> scheduler wlc -> rr: new connections are spread differently; persistence 300 s -> 600 s: clients are rebalanced"), text.stdout)
        XCTAssertTrue(text.stdout.contains("-> real server 198.51.100.112:80 leaves TCP 203.0.113.10:80: its connections are lost"), text.stdout)
        XCTAssertTrue(text.stdout.contains("-> service TCP 203.0.113.20:25 removed: its clients' connections are cut"), text.stdout)
        XCTAssertTrue(text.stdout.contains("-    lb_algo wlc\n    +    lb_algo rr\n"), text.stdout)
        // A DR real server's block brings the VIP up on its loopback: mx1's changes.
        XCTAssertTrue(text.stdout.contains("mx1 (changed)\n  rc.final block\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("203.0.113.21"), text.stdout)
        XCTAssertFalse(text.stdout.contains("/tmp/lvsc-diff-"), "the temporary folder leaks into the output")
        XCTAssertFalse(text.stdout.contains("www1 (changed)"), "an unchanged host is listed")
        // --exit-code, as git has it; nothing left behind in /tmp.
        XCTAssertEqual(try diff(["HEAD", "--exit-code"]).status, 1)
        try git("commit -q -a -m two", in: repo)
        let none = try diff(["HEAD", "--exit-code"])
        XCTAssertEqual(none.status, 0, none.stdout + none.stderr)
        XCTAssertTrue(none.stdout.contains("No change to any director"), none.stdout)

        // Two revisions: JSON.
        let json = try diff(["HEAD~1..HEAD", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["changed"] as? Bool, true)
        let hosts = try XCTUnwrap(object["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.map { $0["host"] as? String }.prefix(2), ["lb1", "lb2"])
        let moves = try XCTUnwrap(hosts[1]["vip_moves"] as? [[String: Any]])
        XCTAssertEqual(Set(moves.compactMap { $0["group"] as? String }), ["VI_WEB", "VI_GW", "VI_MAIL", "VI_DNS"])
        XCTAssertEqual(moves.first?["to"] as? [String], ["lb2"])
        XCTAssertEqual(try diff(["HEAD~1", "HEAD"]).stdout.split(separator: "\n").dropFirst().joined(separator: "\n"),
                       try diff(["HEAD~1..HEAD"]).stdout.split(separator: "\n").dropFirst().joined(separator: "\n"))

        // Markdown for a review.
        let md = try diff(["HEAD~1..HEAD", "--format", "markdown"])
        XCTAssertTrue(md.stdout.hasPrefix("## lvsc diff: `HEAD~1 ("), md.stdout)
        XCTAssertTrue(md.stdout.contains("**Deploying this moves VIPs:**\n\n- VI\\_WEB (203.0.113.10, 203.0.113.11): MASTER lb1 -> lb2"), md.stdout)
        XCTAssertTrue(md.stdout.contains("| `update service   ipvsadm -E -t 203.0.113.10:443 -s rr -p 600   # scheduler wlc -> rr, persistence 300 -> 600` |"), md.stdout)
        XCTAssertTrue(md.stdout.contains("<details><summary>keepalived.conf</summary>\n\n```diff\n"), md.stdout)

        // Two folders: the bundled cluster against the committed change, checked out.
        let old = repositoryRoot.appendingPathComponent("Fixtures/examples/shop").path
        let folders = try runProcess(lvscBinary, ["diff", old, cluster.path], in: repo)
        XCTAssertEqual(folders.status, 0, folders.stderr)
        XCTAssertTrue(folders.stdout.hasPrefix("lvsc diff: \(old) -> \(cluster.path)\n"), folders.stdout)
        XCTAssertTrue(folders.stdout.contains("deploying it moves VI_WEB"), folders.stdout)

        // Bad sides: exit 2 with the reason.
        for (args, says) in [(["nosuchrev"], "nosuchrev is neither a folder nor a revision"),
                             (["HEAD~9"], "HEAD~9 is neither a folder nor a revision"),
                             (["HEAD", "--inventory", "/etc/cluster.txt"], "is not inside the repository")] {
            let r = try runProcess(lvscBinary, ["diff"] + args + (args.contains("--inventory") ? [] : ["--inventory", "cluster/cluster.txt"]), in: repo)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains(says), "\(args): \(r.stderr)")
        }
        let outside = try runProcess(lvscBinary, ["diff", "HEAD"], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(outside.status, 2)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
