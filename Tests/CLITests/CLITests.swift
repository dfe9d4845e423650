import Foundation
import XCTest

/// Drives the built `lvsc` binary as a user or a CI job would.
final class CLITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    typealias Run = LVSCRun
    static var binary: URL { lvscBinary }

    @discardableResult
    func lvsc(_ args: [String], stdin: Data? = nil, env: [String: String?] = [:], binary: URL = lvscBinary) throws -> Run {
        try runLVSC(args, stdin: stdin, env: env, binary: binary)
    }

    let seed = ["Fixtures/archive/lvs01.conf", "Fixtures/archive/lvs02.conf"]

    func testSeedLintsWithWarningsAndExitZero() throws {
        let r = try lvsc(["lint"] + seed)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Fixtures/archive/lvs01.conf:8:4: warning: 'lvs_id' is a keepalived 1.x keyword: keepalived 2.x reports it as unknown and ignores it [deprecated-keyword]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  hint: in 1.x it named the director in alerts; renamed router_id in 1.1.8, so under 2.x router_id stays the host name"), r.stdout)
        XCTAssertTrue(r.stdout.contains(" 8 |    lvs_id LVS_FOO"), r.stdout)
        XCTAssertFalse(r.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
        XCTAssertEqual(r.stderr, "0 errors, 6 warnings\n")
        XCTAssertEqual(try lvsc(["lint", "--werror"] + seed).status, 1)
    }

    func testExitCodes() throws {
        XCTAssertEqual(try lvsc(["lint", "Fixtures/rules/syntax/bad.conf"]).status, 1)
        let missing = try lvsc(["lint", "/nonexistent/keepalived.conf"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("cannot read /nonexistent/keepalived.conf"), missing.stderr)
        XCTAssertEqual(try lvsc(["lint"]).status, 2, "no files and no cluster.txt in the repository root")
        XCTAssertEqual(try lvsc(["lint", "--format", "yaml", "x"]).status, 2)
        XCTAssertEqual(try lvsc(["frobnicate"]).status, 2)
        XCTAssertEqual(try lvsc(["lint", "Fixtures"]).status, 2, "a directory is unreadable input")
        XCTAssertEqual(try lvsc(["--help"]).status, 0)
        XCTAssertEqual(try lvsc(["--version"]).stdout, "0.1.0\n")
        XCTAssertEqual(try lvsc(["explain", "vip-clash"]).status, 0)
        XCTAssertEqual(try lvsc(["explain", "nope"]).status, 2)
    }

    func testStdin() throws {
        let r = try lvsc(["lint", "--format", "json", "-"], stdin: Data("vrrp_instance VI_1 {\n priorty 100\n}\n".utf8))
        XCTAssertEqual(r.status, 1)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        let unknown = json.first { $0["rule"] as? String == "unknown-keyword" }!
        XCTAssertEqual(unknown["file"] as? String, "<stdin>")
        XCTAssertEqual(unknown["line"] as? Int, 2)
        XCTAssertEqual(unknown["hint"] as? String, "did you mean 'priority'?")
    }

    func testJSONFields() throws {
        let r = try lvsc(["lint", "--format", "json", "Fixtures/rules/vip-clash/bad.conf"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        let d = try XCTUnwrap(json.first { $0["rule"] as? String == "vip-clash" })
        for key in ["file", "line", "column", "endLine", "endColumn", "severity", "rule", "message", "hint"] {
            XCTAssertTrue(d.keys.contains(key), key)
        }
        XCTAssertEqual(d["line"] as? Int, 25)
        XCTAssertEqual(d["column"] as? Int, 9)
        XCTAssertEqual(d["endColumn"] as? Int, 22)
        XCTAssertEqual(d["severity"] as? String, "error")
        XCTAssertEqual((d["related"] as? [[String: Any]])?.first?["line"] as? Int, 14)
    }

    func testSARIF() throws {
        let r = try lvsc(["lint", "--format", "sarif"] + seed)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(doc["version"] as? String, "2.1.0")
        let run = (doc["runs"] as! [[String: Any]])[0]
        let driver = (run["tool"] as! [String: Any])["driver"] as! [String: Any]
        XCTAssertEqual(driver["name"] as? String, "lvsc")
        let rules = driver["rules"] as! [[String: Any]]
        let results = run["results"] as! [[String: Any]]
        XCTAssertEqual(results.count, 6)
        for res in results {
            let idx = res["ruleIndex"] as! Int
            XCTAssertEqual(rules[idx]["id"] as? String, res["ruleId"] as? String)
            let region = (((res["locations"] as! [[String: Any]])[0]["physicalLocation"] as! [String: Any])["region"] as! [String: Any])
            XCTAssertNotNil(region["startLine"] as? Int)
        }
    }

    func testGitHubAnnotations() throws {
        let r = try lvsc(["lint", "--format", "github", "Fixtures/archive/lvs01.conf"])
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines.first.map(String.init),
                       "::warning file=Fixtures/archive/lvs01.conf,line=8,col=4,endLine=8,endColumn=10,title=lvsc deprecated-keyword::'lvs_id' is a keepalived 1.x keyword: keepalived 2.x reports it as unknown and ignores it%0Ahint: in 1.x it named the director in alerts; renamed router_id in 1.1.8, so under 2.x router_id stays the host name (write router_id VALUE to keep the name)")
    }

    func testColourOnlyWhenAskedByTerminalAndNotDisabled() throws {
        // `script` gives lvsc a terminal; NO_COLOR must still switch colour off.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            print("skipping colour test: /usr/bin/script (util-linux) is not installed"); return
        }
        let cmd = "\(Self.binary.path) lint Fixtures/archive/lvs01.conf"
        let tty = try lvsc(["-qc", cmd, "/dev/null"], env: ["NO_COLOR": nil], binary: URL(fileURLWithPath: "/usr/bin/script"))
        XCTAssertTrue(tty.stdout.contains("\u{1B}[1;35mwarning"), tty.stdout)
        let noColor = try lvsc(["-qc", cmd, "/dev/null"], env: ["NO_COLOR": "1"], binary: URL(fileURLWithPath: "/usr/bin/script"))
        XCTAssertFalse(noColor.stdout.contains("\u{1B}["), noColor.stdout)
    }

    func testConfigIDVariantsAreNamed() throws {
        let r = try lvsc(["lint", "Fixtures/rules/master-not-highest/bad.conf"])
        XCTAssertTrue(r.stdout.contains("VI_1 (config-id lvs01) starts as MASTER with priority 100, but BACKUP VI_1 (config-id lvs02) has priority 150"), r.stdout)
        let one = try lvsc(["lint", "--config-id", "lvs01", "Fixtures/rules/master-not-highest/bad.conf"])
        XCTAssertFalse(one.stdout.contains("config-id lvs02"), one.stdout)
    }

    func testDump() throws {
        let r = try lvsc(["dump", "Fixtures/archive/lvs01.conf"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let models = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        let m = models[0]
        XCTAssertEqual(m["format"] as? String, "lvsc-model/1")
        let inst = (m["vrrpInstances"] as! [[String: Any]])[0]
        XCTAssertEqual(inst["virtualRouterId"] as? Int, 42)
        XCTAssertEqual(((inst["virtualIpAddresses"] as! [[String: Any]])[0])["prefixLength"] as? Int, 21)
        let vs = (m["virtualServers"] as! [[String: Any]])[0]
        XCTAssertEqual(vs["scheduler"] as? String, "rr")
        XCTAssertEqual((vs["realServers"] as! [[String: Any]]).count, 3)
        XCTAssertEqual(((vs["at"] as! [String: Any])["line"] as? Int), 38)
        XCTAssertEqual(r.stdout, try lvsc(["dump", "Fixtures/archive/lvs01.conf"]).stdout, "dump output is stable")
    }
}
