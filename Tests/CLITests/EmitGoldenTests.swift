import Foundation
import XCTest

/// The seed cluster compiled into every output, compared byte for byte with
/// Fixtures/archive/expected/ (run from Fixtures/archive, as an operator in the admin tree would).
/// A fixture folder with golden outputs in expected/, commands run from inside it.
struct GoldenFolder {
    let folder: URL

    init(_ path: String) { folder = repositoryRoot.appendingPathComponent(path) }

    func run(_ args: String) throws -> LVSCRun {
        try sh("'\(lvscBinary.path)' \(args)", in: folder, env: ["NO_COLOR": "1"])
    }

    func expected(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent("expected/\(name)"), encoding: .utf8)
    }
}

final class EmitGoldenTests: XCTestCase {
    let golden = GoldenFolder("Fixtures/archive")
    var archive: URL { golden.folder }

    func run(_ args: String) throws -> LVSCRun { try golden.run(args) }
    func expected(_ name: String) throws -> String { try golden.expected(name) }

    func testGoldenOutputsOfTheSeedCluster() throws {
        let cases: [(String, String)] = [
            ("emit ipvsadm --host lvs01", "lvs01.ipvsadm"),
            ("emit ipvsadm --host lvs02", "lvs02.ipvsadm"),
            ("emit ipvsadm --host lvs01 --style commands", "lvs01.ipvsadm.sh"),
            ("emit ipvsadm --host lvs02 --style commands", "lvs02.ipvsadm.sh"),
            ("emit keepalived --host lvs01", "lvs01.keepalived.conf"),
            ("emit keepalived --host lvs02", "lvs02.keepalived.conf"),
            ("plan --host lvs01 --explain", "lvs01.plan"),
            ("plan --host lvs02 --explain", "lvs02.plan"),
            ("emit rc-final --host lvs01", "lvs01.rc.final"),
            ("emit rc-final --host lvs02", "lvs02.rc.final"),
            ("emit rc-final --host www1", "www1.rc.final"),
            ("emit rc-final --host www4", "www4.rc.final"),
            ("emit rc-final --host www6", "www6.rc.final"),
        ]
        for (args, file) in cases {
            let r = try run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, try expected(file), "lvsc \(args) differs from expected/\(file)")
        }
    }

    /// The generated keepalived.conf files form a cluster lvsc finds no drift or
    /// master/backup problem in, and each is stable under fmt.
    func testGeneratedDirectorFilesAgree() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-gen-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.copyItem(at: archive.appendingPathComponent("cluster.txt"), to: tmp.appendingPathComponent("cluster.txt"))
        for h in ["lvs01", "lvs02"] {
            try expected("\(h).keepalived.conf").write(to: tmp.appendingPathComponent("\(h).conf"), atomically: true, encoding: .utf8)
        }
        let lint = try sh("'\(lvscBinary.path)' lint --format json", in: tmp)
        XCTAssertEqual(lint.status, 0, lint.stdout + lint.stderr)
        let rules = Set((try JSONSerialization.jsonObject(with: Data(lint.stdout.utf8)) as! [[String: Any]]).map { $0["rule"] as! String })
        XCTAssertFalse(rules.contains("peer-config-drift"), lint.stdout)
        XCTAssertFalse(rules.contains("master-backup-mismatch"), lint.stdout)
        XCTAssertFalse(rules.contains("router-id-duplicate"), lint.stdout)
        let check = try sh("'\(lvscBinary.path)' fmt --check lvs01.conf lvs02.conf", in: tmp)
        XCTAssertEqual(check.status, 0, check.stdout)
    }

    func testRCFinalUpdateIsInPlaceAndIdempotent() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-rc-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let rc = tmp.appendingPathComponent("rc.final")
        let before = "#!/bin/sh\n# site set-up\nhostname www1\n# BEGIN lvsc archive/www1\nold line\n# END lvsc archive/www1\nexit 0\n"
        try before.write(to: rc, atomically: true, encoding: .utf8)
        XCTAssertEqual(try run("emit rc-final --host www1 --update '\(rc.path)'").status, 0)
        let once = try String(contentsOf: rc, encoding: .utf8)
        XCTAssertEqual(once, "#!/bin/sh\n# site set-up\nhostname www1\n" + (try expected("www1.rc.final")) + "exit 0\n")
        let again = try run("emit rc-final --host www1 --update '\(rc.path)'")
        XCTAssertTrue(again.stderr.contains("up to date"), again.stderr)
        XCTAssertEqual(try String(contentsOf: rc, encoding: .utf8), once)
        // A file without the block gets it appended; a missing file is created.
        let fresh = tmp.appendingPathComponent("new.rc.final")
        XCTAssertEqual(try run("emit rc-final --host lvs01 --update '\(fresh.path)'").status, 0)
        XCTAssertEqual(try String(contentsOf: fresh, encoding: .utf8), try expected("lvs01.rc.final"))
    }

    /// A director's block starts keepalived unless asked otherwise; `--runtime lvsc` starts
    /// `lvsc run` in the background for VRRP and, while lvsc has no health checks, keepalived's
    /// checker process for the virtual servers. (BlockNamespaceTests runs the block.)
    func testRuntimeLvscStartsLvscRunAndKeepalivedsChecker() throws {
        XCTAssertTrue(try expected("lvs01.rc.final").contains("\n/usr/sbin/keepalived -f /specials/keepalived.conf\n"))
        let r = try run("emit rc-final --host lvs01 --runtime lvsc")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\n/usr/local/bin/lvsc run -f /specials/keepalived.conf --host lvs01 --vrrp-only </dev/null >>/var/log/lvsc-run.log 2>&1 &\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\n/usr/sbin/keepalived -C -f /specials/keepalived.conf\n"), r.stdout)
        XCTAssertFalse(r.stdout.contains("keepalived -f"), r.stdout)
        XCTAssertEqual(r.stderr, "", "no warning: the line is what lvsc run does")
        // The options the block gives are the ones lvsc run takes (only the file is missing here).
        let missing = try run("run -f /nonexistent/keepalived.conf --host lvs01 --vrrp-only")
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("cannot read"), missing.stderr)
    }

    func testAllHostsAndLegacyHidden() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-all-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try run("emit rc-final --all --out '\(tmp.path)'")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted(),
                       ["lvs01.rc.final", "lvs02.rc.final", "www1.rc.final", "www4.rc.final", "www6.rc.final"])
        for h in ["lvs01", "www6"] {
            XCTAssertEqual(try String(contentsOf: tmp.appendingPathComponent("\(h).rc.final"), encoding: .utf8), try expected("\(h).rc.final"))
        }
        let legacy = try run("emit rc-final --host www4 --legacy-hidden")
        XCTAssertTrue(legacy.stdout.contains("sysctl -w net.ipv4.conf.lo.hidden=1\nsysctl -w net.ipv4.conf.all.hidden=1\nip addr replace 207.241.224.241/32 dev lo\n"), legacy.stdout)
        // Nothing is skipped without a word: the LB line gets no file, and says why.
        XCTAssertTrue(r.stderr.contains("lvsc: no block for www: a floating VIP (the MASTER director holds it)"), r.stderr)
        XCTAssertTrue(legacy.stderr.contains("warning: --legacy-hidden"), legacy.stderr)
        XCTAssertEqual(try run("emit rc-final --host www").status, 2, "the LB line has no role")
        XCTAssertEqual(try run("emit ipvsadm").status, 2, "two directors: --host is needed")
    }

    /// Whole-cluster forms: every director's keepalived.conf and ipvsadm table in one command,
    /// the same bytes as one command per director; fmt over every file the inventory names;
    /// fmt --check --diff prints a diff that patch(1) applies to give fmt's output.
    func testWholeClusterFormsAndFmtDiff() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-wc-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (cmd, suffix) in [("emit keepalived", ".keepalived.conf"), ("emit ipvsadm", ".ipvsadm"), ("emit ipvsadm --style commands", ".ipvsadm.sh")] {
            let dir = tmp.appendingPathComponent(suffix)
            let r = try run("\(cmd) --all --out '\(dir.path)'")
            XCTAssertEqual(r.status, 0, r.stderr)
            for h in ["lvs01", "lvs02"] {
                let one = try run("\(cmd) --host \(h)")
                XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent(h + suffix), encoding: .utf8), one.stdout, "\(cmd) \(h)")
            }
        }
        XCTAssertEqual(try run("emit keepalived --all").status, 2, "--all needs --out")
        // fmt over the inventory: both directors' files are the seed's layout, not lvsc's.
        let check = try run("fmt --check --inventory cluster.txt")
        XCTAssertEqual(check.status, 1)
        XCTAssertEqual(check.stdout, "lvs01.conf\nlvs02.conf\n")
        let diff = try run("fmt --check --diff lvs01.conf")
        XCTAssertEqual(diff.status, 1)
        XCTAssertTrue(diff.stdout.hasPrefix("--- lvs01.conf\n+++ lvs01.conf (lvsc fmt)\n@@ -1,"), diff.stdout)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: archive.appendingPathComponent("lvs01.conf"), to: tmp.appendingPathComponent("lvs01.conf"))
        try Data(diff.stdout.utf8).write(to: tmp.appendingPathComponent("fmt.diff"))
        let patched = try sh("patch -s lvs01.conf < fmt.diff && cat lvs01.conf", in: tmp)
        XCTAssertEqual(patched.status, 0, patched.stderr)
        XCTAssertEqual(patched.stdout, try run("fmt lvs01.conf").stdout)
    }

    func testEmitRefusesAClusterWithErrorsUnlessForced() throws {
        let bad = "--inventory '\(repositoryRoot.path)/Fixtures/cluster-rules/duplicate-vrid/bad/cluster.txt' --host lvs01"
        let refused = try run("emit ipvsadm \(bad)")
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("nothing emitted"), refused.stderr)
        let forced = try run("emit ipvsadm --force \(bad)")
        XCTAssertEqual(forced.status, 0)
        XCTAssertTrue(forced.stderr.contains("--force: emitting despite 1 lint error (shown above)"), forced.stderr)
        XCTAssertTrue(forced.stdout.hasPrefix("-A -t 192.0.2.100:80 -s rr\n"), forced.stdout)
    }

    func testPlanAgainstAnIpvsadmSaveState() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-state-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: tmp) }
        // The table as loaded, with one weight changed and one real server missing.
        let saved = try expected("lvs01.ipvsadm")
            .replacingOccurrences(of: "-r 207.241.228.168:80 -g -w 1", with: "-r 207.241.228.168:80 -g -w 5")
            .replacingOccurrences(of: "-a -t 207.241.224.241:80 -r 207.241.229.86:80 -g -w 1\n", with: "")
        try saved.write(to: tmp, atomically: true, encoding: .utf8)
        let r = try run("plan --host lvs01 --state '\(tmp.path)' --explain")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            add dest         ipvsadm -a -t 207.241.224.241:80 -r 207.241.229.86:80 -g -w 1
                because lvs01.conf:59: real_server 207.241.229.86 80 { # www6
                reverts the removal of 207.241.229.86:80 from -t 207.241.224.241:80, which the kernel still serves (taken out by hand, or by a health checker)
            update dest      ipvsadm -e -t 207.241.224.241:80 -r 207.241.228.168:80 -g -w 1   # weight 5 -> 1
                because lvs01.conf:52: real_server 207.241.228.168 80 { # www4
                reverts a weight set outside the configuration: 5 in the kernel, 1 in the configuration

            """)
        try expected("lvs01.ipvsadm").write(to: tmp, atomically: true, encoding: .utf8)
        // ipvsadm-save holds no sysctls: the plan leaves them alone and names them.
        let none = try run("plan --host lvs01 --state '\(tmp.path)'")
        XCTAssertEqual(none.stdout, "")
        XCTAssertTrue(none.stderr.contains("0 operations: the state already matches lvs01's configuration"), none.stderr)
        XCTAssertTrue(none.stderr.contains("the director needs net.ipv4.ip_forward=1"), none.stderr)
        // `ipvsadm -L -n` is recognised and refused with the command to use instead.
        try "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  207.241.224.241:80 rr persistent 9600\n".write(to: tmp, atomically: true, encoding: .utf8)
        let listing = try run("plan --host lvs01 --state '\(tmp.path)'")
        XCTAssertEqual(listing.status, 2)
        XCTAssertTrue(listing.stderr.contains("give 'ipvsadm-save -n' output"), listing.stderr)
        let json = try run("plan --host lvs01 --format json")
        let ops = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(ops.map { $0["op"] as! String }, ["set-sysctl", "add-service", "add-destination", "add-destination", "add-destination"])
        XCTAssertEqual(try run("plan --host lvs01 --live --state /dev/null").status, 2, "--live and --state exclude each other")
        XCTAssertEqual(try run("plan --host lvs01 --state /nonexistent").status, 2)
    }
}

/// A standalone director (seed section 4) with DR, TUN and NAT real servers, a
/// virtual_server_group with a range, IPv6, scheduler flags, a fwmark service, thresholds and
/// a weight ipvsadm cannot carry: every output against Fixtures/emit/mixed/expected/.
final class MixedClusterGoldenTests: XCTestCase {
    let golden = GoldenFolder("Fixtures/emit/mixed")

    func run(_ args: String) throws -> LVSCRun { try golden.run(args) }
    func expected(_ name: String) throws -> String { try golden.expected(name) }

    func testEveryOutput() throws {
        for host in ["lvs09", "web1", "web2", "far1", "app1", "web6"] {
            let r = try run("emit rc-final --host \(host)")
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, try expected("\(host).rc.final"), host)
        }
        let restore = try run("emit ipvsadm")
        XCTAssertEqual(restore.stdout, try expected("lvs09.ipvsadm"))
        XCTAssertEqual(restore.stderr, try expected("lvs09.ipvsadm.notes"), "what ipvsadm-save cannot carry is reported once each")
        XCTAssertEqual(try run("emit ipvsadm --style commands").stdout, try expected("lvs09.ipvsadm.sh"))
        XCTAssertEqual(try run("plan --explain").stdout, try expected("lvs09.plan"))
        let warn = try run("emit rc-final --host lvs09")
        XCTAssertTrue(warn.stderr.contains("warning: weight 70000 of [2001:db8::61]:443 is above ipvsadm's -w limit"), warn.stderr)
    }

    /// The plan from empty, applied, gives the compiled table (through lvsc's own state file).
    func testPlanFromEmptyThenFromItsResultIsEmpty() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-mixed-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: tmp) }
        // The compiled table as ipvsadm-save would print it (thresholds are not in that format,
        // so the plan then updates exactly the one destination that has one).
        try expected("lvs09.ipvsadm").write(to: tmp, atomically: true, encoding: .utf8)
        let r = try run("plan --state '\(tmp.path)'")
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 3, r.stdout)
        XCTAssertTrue(r.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("update dest") && $0.contains("-r 192.0.2.22:80") && $0.contains("upperThreshold 0 -> 1000") }, r.stdout)
    }
}

/// A standalone director whose real servers have health checks: its block starts keepalived's
/// checker process (-C), which owns the table, instead of loading a fixed table that would keep
/// sending traffic to a dead server.
final class CheckedClusterGoldenTests: XCTestCase {
    let golden = GoldenFolder("Fixtures/emit/checked")

    func testStandaloneDirectorWithChecksStartsTheChecker() throws {
        for host in ["lvs20", "web21"] {
            let r = try golden.run("emit rc-final --host \(host)")
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, try golden.expected("\(host).rc.final"), host)
        }
        let block = try golden.run("emit rc-final --host lvs20").stdout
        XCTAssertTrue(block.contains("\n/usr/sbin/keepalived -C -f /specials/keepalived.conf\n"), block)
        XCTAssertFalse(block.contains("ipvsadm"), "a fixed table next to the checker: two owners")
    }
}
