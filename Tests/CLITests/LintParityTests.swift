import Foundation
import XCTest
@testable import LVSCommands

/// Issue 11: lint reads a file as keepalived 2.2.7 does, makes keepalived's own checks, relates
/// directors, leads to the fix, and lets a team control its rules. Each covers a behaviour lvsc
/// did not have before issue 11.
final class LintParityTests: XCTestCase {
    func json(_ r: LVSCRun) throws -> [[String: Any]] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], r.stdout + r.stderr)
    }

    func summary(_ r: LVSCRun) throws -> [String] {
        try json(r).map { "\($0["line"] as? Int ?? 0) \($0["severity"]!) \($0["rule"]!)" }
    }

    static let instance = """
    vrrp_instance VI_1 {
        state MASTER
        interface eth0
        virtual_router_id 51
        priority 150
        authentication {
            auth_type PASS
            auth_pass secret
        }
        virtual_ipaddress {
            192.0.2.10/24
        }
    }

    """

    // MARK: reading as keepalived does

    /// The model holds what keepalived holds: a misspelt block keyword leaves the instance
    /// without VIPs and its block's lines one level up.
    func testAMisspeltBlockIsReadAsKeepalivedReadsIt() throws {
        let s = try Scratch("misread")
        try s.write("k.conf", """
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            virtual_ipaddres {
                192.0.2.10/24
            }
            priority 100
        }

        """)
        let dump = try s.lvsc(["dump", "k.conf"])
        let model = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [[String: Any]])
        let inst = try XCTUnwrap((model[0]["vrrpInstances"] as? [[String: Any]])?.first)
        XCTAssertEqual((inst["virtualIpaddress"] as? [Any])?.count ?? 0, 0, "keepalived holds no VIP for VI_1")
        XCTAssertTrue(inst["priority"] is NSNull, "priority 100 is read at the top level, not in VI_1")
        let r = try s.lvsc(["lint", "--format", "json", "k.conf"])
        let findings = try json(r)
        let errors = findings.filter { $0["severity"] as? String == "error" }
        XCTAssertEqual(errors.count, 1, "one cause, one error: \(findings)")
        XCTAssertEqual(errors.first?["line"] as? Int, 4)
        XCTAssertTrue((errors.first?["message"] as? String ?? "").contains("the '}' meant for it closes the vrrp_instance block instead"))
        let related = try XCTUnwrap(errors.first?["related"] as? [[String: Any]])
        XCTAssertEqual(related.first?["line"] as? Int, 6, "the '}' keepalived ends VI_1 at")
        // Every other line keepalived reports is a note: 5 (the VIP), 7 (priority at the top), 8 ('}').
        let notes = Set(findings.filter { $0["severity"] as? String == "note" }.compactMap { $0["line"] as? Int })
        XCTAssertTrue(notes.isSuperset(of: [4, 5, 7, 8]), "\(notes)")
        XCTAssertEqual(r.status, 1)
    }

    /// A block whose own '}' is missing, after a misspelt one: the next top-level block reads
    /// normally again (its errors stay errors), and the count keepalived keeps of the braces is
    /// reported.
    func testReadingResumesAtTheNextTopLevelBlock() throws {
        let s = try Scratch("resync")
        try s.write("k.conf", "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddres {\n        192.0.2.10/24\n}\n"
                    + "vrrp_instance VI_2 {\n    interface eth0\n    virtual_router_id 52\n    bogus 1\n    virtual_ipaddress {\n        192.0.2.11/24\n    }\n}\n")
        let rules = try summary(try s.lvsc(["lint", "--format", "json", "k.conf"]))
        XCTAssertTrue(rules.contains("10 error unknown-keyword"), "bogus in VI_2 is an error of its own: \(rules)")
        XCTAssertTrue(rules.contains("4 error syntax"), "keepalived's 'missing }' count: \(rules)")
    }

    func testASecondInstanceOfOneNameIsSkippedWhole() throws {
        let s = try Scratch("dupname")
        try s.write("k.conf", Self.instance + Self.instance.replacingOccurrences(of: "192.0.2.10/24", with: "192.0.2.11/24\n        bogus_word"))
        let r = try s.lvsc(["lint", "--format", "json", "k.conf"])
        let rules = try summary(r)
        XCTAssertTrue(rules.contains("14 error duplicate-vrrp-name"), "\(rules)")
        XCTAssertFalse(rules.contains { $0.contains("unknown-keyword") }, "the skipped block's contents are not read: \(rules)")
        let dump = try s.lvsc(["dump", "k.conf"])
        XCTAssertFalse(dump.stdout.contains("192.0.2.11"), "keepalived holds only the first VI_1")
    }

    func testIncludePathsExpandDefinitionsAndBuiltIns() throws {
        let s = try Scratch("incl")
        try FileManager.default.createDirectory(at: s.url.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try s.write("sub/vi.conf", Self.instance)
        try s.write("sub/lvs07.conf", "global_defs {\n    router_id from-instance\n}\n")
        try s.write("main.conf", "$DIR=sub\ninclude ${_PWD}/${DIR}/vi.conf\ninclude ${DIR}/${_INSTANCE}.conf\n")
        let withID = try s.lvsc(["dump", "--config-id", "lvs07", "main.conf"])
        XCTAssertTrue(withID.stdout.contains("VI_1"), withID.stdout + withID.stderr)
        XCTAssertTrue(withID.stdout.contains("from-instance"), "${_INSTANCE} is the config id")
        // Without --config-id, keepalived uses the host name; lvsc says which it assumed.
        let lint = try s.lvsc(["lint", "main.conf"])
        let host = ConfigParser.hostConfigID
        XCTAssertTrue(lint.stdout.contains("lvsc assumed '\(host)'"), lint.stdout)
        XCTAssertTrue(lint.stdout.contains("sub/\(host).conf"), "the include names the host's file: " + lint.stdout)
    }

    func testSingleQuotedScriptsAreOneCommand() throws {
        let s = try Scratch("quotes")
        try s.write("k.conf", "global_defs {\n    enable_script_security\n    script_user nobody\n}\nvrrp_script chk {\n    script 'sh -c \"test -e /x\"'\n}\n")
        let r = try s.lvsc(["lint", "--format", "json", "k.conf"])
        XCTAssertEqual(try summary(r), [], r.stdout)
        let dump = try s.lvsc(["dump", "k.conf"])
        let model = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [[String: Any]])
        let script = try XCTUnwrap((model[0]["vrrpScripts"] as? [[String: Any]])?.first)
        XCTAssertEqual(script["argv"] as? [String], ["sh", "-c", "test -e /x"])
    }

    func testLvsIDIsWhatKeepalived2Ignores() throws {
        let s = try Scratch("lvsid")
        try s.write("k.conf", "global_defs {\n    lvs_id LVS_FOO\n    preempt\n}\n")
        let r = try s.lvsc(["lint", "k.conf"])
        XCTAssertTrue(r.stdout.contains("'lvs_id' is a keepalived 1.x keyword: keepalived 2.x reports it as unknown and ignores it"), r.stdout)
        XCTAssertTrue(r.stdout.contains("router_id stays the host name"), r.stdout)
        let dump = try s.lvsc(["dump", "k.conf"])
        XCTAssertTrue(dump.stdout.contains("\"routerId\": null"), dump.stdout)
        XCTAssertTrue(dump.stdout.contains("\"lvsId\": \"LVS_FOO\""), dump.stdout)
    }

    // MARK: keepalived's checks

    func testScriptSecurityAsKeepalivedJudgesIt() throws {
        let s = try Scratch("security")
        // keepalived runs vrrp_scripts only when it runs VRRP, that is with an instance.
        let script = "vrrp_script chk {\n    script \"/bin/true\"\n}\n" + Self.instance
        try s.write("none.conf", script)
        try s.write("nouser.conf", "global_defs {\n    enable_script_security\n}\n" + script)
        try s.write("ok.conf", "global_defs {\n    enable_script_security\n    script_user nobody\n}\n" + script)
        XCTAssertEqual(try summary(try s.lvsc(["lint", "--format", "json", "--disable", "auth-cleartext", "none.conf"])), ["2 error script-security"])
        XCTAssertEqual(try summary(try s.lvsc(["lint", "--format", "json", "--disable", "auth-cleartext", "nouser.conf"])), ["2 warning script-security"])
        XCTAssertEqual(try summary(try s.lvsc(["lint", "--format", "json", "--disable", "auth-cleartext", "ok.conf"])), [])
        // Real servers' scripts count too: MISC_CHECK and notify_up, each named.
        try s.write("rs.conf", "virtual_server 192.0.2.10 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n"
                    + "    real_server 192.0.2.21 80 {\n        notify_up /usr/local/bin/up.sh\n        MISC_CHECK {\n            misc_path \"/bin/true\"\n        }\n    }\n}\n")
        let rs = try json(try s.lvsc(["lint", "--format", "json", "rs.conf"])).first { $0["rule"] as? String == "script-security" }
        XCTAssertEqual(rs?["message"] as? String, "notify_up of real_server 192.0.2.21, MISC_CHECK of real_server 192.0.2.21 run as root without enable_script_security: keepalived reports a SECURITY VIOLATION and 'keepalived -t' exits 6")
        // keepalived itself, where installed: exit 6 for the first, not for the last.
        guard let keepalived = ["/usr/sbin/keepalived"].first(where: FileManager.default.isExecutableFile) else { return }
        for (file, six) in [("none.conf", true), ("ok.conf", false)] {
            let r = try runProcess(URL(fileURLWithPath: "/usr/bin/timeout"), ["10", keepalived, "-t", "-f", s.file(file)], in: s.url)
            if r.status == 143 { continue }   // 2.2.7 ending itself over script_user: no verdict
            XCTAssertEqual(r.status == 6, six, "\(file): keepalived -t exited \(r.status): \(r.stderr)")
        }
    }

    /// Found by the public corpus: a placeholder left in `interface` is longer than a Linux
    /// interface name can be, and keepalived ignores it.
    func testAnInterfaceNameLongerThanLinuxAllows() throws {
        let s = try Scratch("ifname")
        try s.write("k.conf", Self.instance.replacingOccurrences(of: "interface eth0", with: "interface KEEPALIVE_INTERFACE"))
        let r = try s.lvsc(["lint", "--format", "json", "k.conf"])
        XCTAssertTrue(try summary(r).contains("3 error invalid-value"), r.stdout)
    }

    // MARK: messages

    func testTyposPointAtTheNearestSpellingAndTheirConsequencesAreNotes() throws {
        let s = try Scratch("typos")
        try s.write("k.conf", "virtual_server 192.0.2.1 80 {\n    lb_alog rr\n    lb_knd DR\n    protocol TCP\n    real_server 192.0.2.2 80 {\n    }\n}\n")
        let r = try s.lvsc(["lint", "k.conf"])
        XCTAssertTrue(r.stdout.contains("hint: did you mean 'lb_algo'?"), r.stdout)
        XCTAssertTrue(r.stdout.contains("hint: did you mean 'lb_kind'?"), r.stdout)
        XCTAssertTrue(r.stdout.contains("k.conf:2:5: note: so virtual_server 192.0.2.1:80 has no lb_algo"), r.stdout)
        XCTAssertFalse(r.stdout.contains("warning: virtual_server 192.0.2.1:80 has no lb_algo"), r.stdout)
        let explain = try s.lvsc(["explain", "vip-clsh"])
        XCTAssertEqual(explain.status, 2)
        XCTAssertTrue(explain.stderr.contains("did you mean 'vip-clash'?"), explain.stderr)
        let list = try s.lvsc(["explain"]).stdout.split(separator: "\n")
        let columns = list.dropFirst().map { line -> Int in
            guard let r = line.range(of: " error ") ?? line.range(of: " warning ") ?? line.range(of: " note ") else { return -1 }
            return line.distance(from: line.startIndex, to: r.lowerBound)
        }
        XCTAssertEqual(Set(columns).count, 1, "the severity column is aligned: \(list.prefix(5))")
    }

    func testAnUnreadableFileIsOnlySaidToBeUnreadable() throws {
        let s = try Scratch("nosuch")
        let r = try s.lvsc(["lint", "nosuch.conf"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "lvsc: cannot read nosuch.conf: No such file or directory\n")
    }

    func testHelpFitsEightyColumnsAndNamesItsValues() throws {
        for args in [["--help"], ["lint", "--help"], ["emit", "ipvsadm", "--help"]] {
            let r = try runLVSC(args, env: ["COLUMNS": "80"])
            for line in r.stdout.split(separator: "\n") where !line.hasPrefix("USAGE:") {
                XCTAssertLessThanOrEqual(line.count, 80, "\(args): \(line)")
            }
            XCTAssertFalse(r.stdout.contains("seed"), "no project jargon in help: \(args)")
        }
        let root = try runLVSC(["--help"]).stdout
        for command in ["lint", "explain", "dump", "fmt", "emit", "plan", "apply", "state"] {
            XCTAssertTrue(root.contains("  lvsc \(command) "), "an example of \(command)")
        }
        XCTAssertTrue(try runLVSC(["emit", "ipvsadm", "--help"]).stdout.contains("-f <file>"))
        XCTAssertTrue(try runLVSC(["lint", "--help"]).stdout.contains("--disable <rule>"))
    }

    // MARK: rule control

    func testRuleSettingsFileAndCommandLine() throws {
        let s = try Scratch("policy")
        try s.write("k.conf", Self.instance)
        // auth-cleartext is a warning: --werror fails the run ...
        XCTAssertEqual(try s.lvsc(["lint", "--werror", "k.conf"]).status, 1)
        // ... unless the team turns it off, in .lvsc-rules or on the command line.
        XCTAssertEqual(try s.lvsc(["lint", "--werror", "--disable", "auth-cleartext", "k.conf"]).status, 0)
        try s.write(".lvsc-rules", "# our peers run 1.x\ndisable auth-cleartext\n")
        let quiet = try s.lvsc(["lint", "--werror", "k.conf"])
        XCTAssertEqual(quiet.status, 0, quiet.stdout)
        XCTAssertFalse(quiet.stdout.contains("auth-cleartext"))
        // The command line wins over the file.
        let raised = try s.lvsc(["lint", "--format", "json", "--error", "auth-cleartext", "k.conf"])
        XCTAssertEqual(try summary(raised), ["7 error auth-cleartext"])
        XCTAssertEqual(raised.status, 1)
        // A rule id that does not exist is a usage error, with the nearest id.
        let typo = try s.lvsc(["lint", "--disable", "auth-cleartxt", "k.conf"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("did you mean 'auth-cleartext'?"), typo.stderr)
        // Terminal escapes in a repository's settings file reach CI logs escaped.
        try s.write(".lvsc-rules", "\u{1B}[2Jdisable auth-cleartext\n")
        let hostile = try s.lvsc(["lint", "k.conf"])
        XCTAssertEqual(hostile.status, 2)
        XCTAssertFalse(hostile.stderr.contains("\u{1B}"), hostile.stderr)
        try s.write(".lvsc-rules", "silence auth-cleartext\n")
        let bad = try s.lvsc(["lint", "k.conf"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains(".lvsc-rules:1: 'silence' is not a setting"), bad.stderr)
        // Found from a folder below, as a pre-commit hook runs from the repository's root or below.
        try s.write(".lvsc-rules", "disable auth-cleartext\n")
        try FileManager.default.createDirectory(at: s.url.appendingPathComponent("d"), withIntermediateDirectories: true)
        let below = try runProcess(lvscBinary, ["lint", "--werror", "../k.conf"], in: s.url.appendingPathComponent("d"))
        XCTAssertEqual(below.status, 0, below.stdout + below.stderr)
    }

    func testInlineSuppressionsInTextSARIFAndJSON() throws {
        let s = try Scratch("suppress")
        try s.write("k.conf", Self.instance.replacingOccurrences(of: "    authentication {", with: "    authentication {    # lvsc-ignore auth-cleartext peers run keepalived 1.x")
                    + "# lvsc-ignore vip-clash\nvirtual_server 192.0.2.10 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 192.0.2.21 80 {\n    }\n}\n")
        let text = try s.lvsc(["lint", "--werror", "k.conf"])
        XCTAssertFalse(text.stdout.contains("auth-cleartext"), text.stdout)
        // Alone on its line, it applies to the next statement: the virtual_server block.
        XCTAssertTrue(text.stdout.contains("lvsc-ignore vip-clash matches no finding in lines 15-21 [unused-suppression]"), text.stdout)
        XCTAssertTrue(text.stderr.contains("1 suppressed by lvsc-ignore comments"), text.stderr)
        XCTAssertEqual(text.status, 1, "the stale suppression is a warning, and --werror counts it")
        let sarif = try s.lvsc(["lint", "--format", "sarif", "k.conf"])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(((doc["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
        let suppressed = try XCTUnwrap(results.first { $0["ruleId"] as? String == "auth-cleartext" })
        let sup = try XCTUnwrap((suppressed["suppressions"] as? [[String: Any]])?.first)
        XCTAssertEqual(sup["kind"] as? String, "inSource")
        XCTAssertEqual(sup["justification"] as? String, "peers run keepalived 1.x")
        let j = try json(try s.lvsc(["lint", "--format", "json", "k.conf"]))
        let entry = try XCTUnwrap(j.first { $0["rule"] as? String == "auth-cleartext" })
        XCTAssertEqual((entry["suppressed"] as? [String: Any])?["reason"] as? String, "peers run keepalived 1.x")
    }

    // MARK: directors against each other

    func cluster(_ s: Scratch, lvs02: String) throws {
        try s.write("cluster.txt", """
        lvs01 02:00:00:00:00:01 LVS LVS01 lvs 192.0.2.1 conf=lvs01.conf,iface=eth0,net=192.0.2.0/24
        lvs02 02:00:00:00:00:02 LVS LVS02 lvs 192.0.2.2 conf=lvs02.conf,iface=eth0,net=192.0.2.0/24
        vip 00:00:00:00:00:00 LB VIP www 192.0.2.10 -
        gw 00:00:00:00:00:00 LB GW gw 198.51.100.1 -

        """)
        let two = """
        vrrp_sync_group G {
            group {
                VI_1
                VI_2
            }
        }
        vrrp_instance VI_1 {
            state MASTER
            interface eth0
            virtual_router_id 51
            priority 150
            virtual_ipaddress {
                192.0.2.10/24
            }
        }
        vrrp_instance VI_2 {
            state MASTER
            interface eth1
            virtual_router_id 52
            priority 150
            virtual_ipaddress {
                198.51.100.1/24
            }
        }

        """
        try s.write("lvs01.conf", two)
        try s.write("lvs02.conf", lvs02.isEmpty ? two.replacingOccurrences(of: "MASTER", with: "BACKUP").replacingOccurrences(of: "150", with: "100") : lvs02)
    }

    func testCrossDirectorVRIDAndSyncGroupDrift() throws {
        let s = try Scratch("drift")
        let group = "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n"
        let backup = """
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 61
            priority 100
            virtual_ipaddress {
                192.0.2.10/24
            }
        }
        vrrp_instance VI_2 {
            state BACKUP
            interface eth1
            virtual_router_id 52
            priority 100
            virtual_ipaddress {
                198.51.100.1/24
            }
        }

        """
        // Another VRID for VI_1 on lvs02: one finding at its virtual_router_id, no VIP clash.
        try cluster(s, lvs02: group + backup)
        let findings = try json(try s.lvsc(["lint", "--format", "json"]))
        let drift = findings.filter { $0["rule"] as? String == "peer-config-drift" }.compactMap { $0["message"] as? String }
        XCTAssertTrue(drift.contains { $0.contains("virtual_router_id 61 on lvs02 but 51 on lvs01") }, "\(drift)")
        XCTAssertFalse(findings.contains { $0["rule"] as? String == "vip-clash" }, "the VRID is the cause, not a VIP clash: \(findings)")
        let vridLine = findings.first { ($0["message"] as? String ?? "").contains("virtual_router_id 61") }?["line"] as? Int
        XCTAssertEqual(vridLine, 10, "reported at lvs02's virtual_router_id")
        // The same VRIDs, but lvs02 does not move VI_1 and VI_2 together.
        try cluster(s, lvs02: backup.replacingOccurrences(of: "virtual_router_id 61", with: "virtual_router_id 51"))
        let split = try json(try s.lvsc(["lint", "--format", "json"])).filter { $0["rule"] as? String == "peer-config-drift" }.compactMap { $0["message"] as? String }
        XCTAssertTrue(split.contains { $0.contains("VI_1, VI_2 are in no vrrp_sync_group on lvs02, but vrrp_sync_group G moves them together on lvs01") }, "\(split)")
        // The same files with one VRID and one sync group: nothing to say.
        try cluster(s, lvs02: "")
        let clean = try s.lvsc(["lint", "--format", "json"])
        XCTAssertFalse(try json(clean).contains { $0["rule"] as? String == "peer-config-drift" }, clean.stdout)
    }

    func testOneMissingHostIsOneFinding() throws {
        let s = try Scratch("missing")
        try cluster(s, lvs02: "")
        let services = (80...83).map { "virtual_server 192.0.2.10 \($0) {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 192.0.2.99 \($0) {\n    }\n}\n" }.joined()
        for name in ["lvs01.conf", "lvs02.conf"] { try s.write(name, try s.text(name) + services) }
        let findings = try json(try s.lvsc(["lint", "--format", "json"])).filter { $0["rule"] as? String == "real-server-unknown" }
        XCTAssertEqual(findings.count, 1, "\(findings)")
        let message = findings.first?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("lvs01's virtual_server 192.0.2.10 80, virtual_server 192.0.2.10 81"), message)
        XCTAssertTrue(message.contains("lvs02's"), message)
    }

    // MARK: pre-commit

    func testTheHookSkipsConfFilesThatAreNotKeepalivedsOrTheClusters() throws {
        let s = try Scratch("hook")
        try s.write("site.conf", "server {\n    listen 80;\n    server_name example.com;\n    location / {\n        root /var/www;\n    }\n}\n")
        try s.write("keepalived.conf", Self.instance)
        let r = try s.lvsc(["lint", "--find-inventory", "site.conf", "keepalived.conf"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("skipped site.conf: no cluster.txt names it and it holds no keepalived keyword"), r.stderr)
        XCTAssertTrue(r.stdout.contains("keepalived.conf:7"), "the keepalived file is still linted: " + r.stdout)
        // Without --find-inventory (a person naming the file), it is refused as before.
        XCTAssertEqual(try s.lvsc(["lint", "site.conf"]).status, 1)
    }
}
