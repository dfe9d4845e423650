import Foundation
import XCTest
@testable import LVSCommands

/// A scratch folder for one test, removed afterwards.
final class Scratch {
    let url: URL
    var path: String { url.path }

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
    func write(_ name: String, bytes: [UInt8]) throws { try Data(bytes).write(to: url.appendingPathComponent(name)) }
    func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url.appendingPathComponent(name))) }
    func text(_ name: String) throws -> String { String(decoding: try read(name), as: UTF8.self) }
    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// lvsc run inside the folder.
    func lvsc(_ args: [String], stdin: Data? = nil) throws -> LVSCRun {
        try runProcess(lvscBinary, args, in: url, stdin: stdin, env: ["NO_COLOR": "1"])
    }

    func shell(_ script: String) throws -> LVSCRun { try sh(script, in: url) }
}

/// Classes of hostile input from issue 15: each test fails on the code before the fix.
final class HostileInputTests: XCTestCase {
    static let lvs01 = try! String(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/archive/lvs01.conf"), encoding: .utf8)
    static let lvs02 = try! String(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/archive/lvs02.conf"), encoding: .utf8)

    /// A small documentation-range cluster: a VRRP pair, a standalone director, DR real servers.
    func cluster(_ s: Scratch, iface: String = "eth0", realIface: String = "eth0", id: String? = nil, pe: String? = nil) throws {
        let vs = """
            virtual_server 192.0.2.100 80 {
                delay_loop 10
                lb_algo rr
                lb_kind DR
                protocol TCP
                \(pe.map { "persistence_timeout 60\n    persistence_engine \"\($0)\"" } ?? "")
                real_server 192.0.2.21 80 {
                    weight 1
                }
            }

            """
        try s.write("lvs01.conf", """
            vrrp_instance VI_1 {
                state MASTER
                interface eth0
                virtual_router_id 51
                priority 150
                virtual_ipaddress {
                    192.0.2.100/24
                }
            }
            """ + "\n" + vs)
        try s.write("lvs02.conf", """
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
                    192.0.2.100/24
                }
            }
            """ + "\n" + vs)
        try s.write("solo.conf", vs.replacingOccurrences(of: "192.0.2.100", with: "192.0.2.110"))
        try s.write("cluster.txt", """
            lvs01 02:00:00:00:00:01 LVS LVS01 lvs 192.0.2.11 conf=lvs01.conf,iface=eth0,net=192.0.2.0/24\(id.map { ",id=\($0)" } ?? "")
            lvs02 02:00:00:00:00:02 LVS LVS02 lvs 192.0.2.12 conf=lvs02.conf,iface=eth0,net=192.0.2.0/24
            solo  02:00:00:00:00:03 LVS SOLO  lvs 192.0.2.13 conf=solo.conf,iface=\(iface),net=192.0.2.0/24
            web1  02:00:00:00:00:21 WEB WEB1  www 192.0.2.21 iface=\(realIface)
            www   00:00:00:00:00:00 LB  WWW   www 192.0.2.100 -
            www2  00:00:00:00:00:00 LB  WWW2  www 192.0.2.110 -

            """)
    }

    /// Runs a script with stand-ins for every command a block calls (each records its argv, one
    /// word a line, and succeeds) and a `reboot` that must never run. Returns the records.
    func runWithStubs(_ s: Scratch, _ script: String) throws -> (calls: [[String]], status: Int32, rebooted: Bool) {
        let bin = s.url.appendingPathComponent("stub-bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for name in ["ip", "sysctl", "ipvsadm", "modprobe", "keepalived", "lvsc", "reboot", "touch"] {
            let stub = bin.appendingPathComponent(name)
            try Data("#!/bin/sh\n{ echo \"== \(name)\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done; } >> \"$STUB_LOG\"\n\(name == "reboot" || name == "touch" ? "echo x > \"$STUB_LOG.reboot\"\n" : "")exit 0\n".utf8).write(to: stub)
            chmod(stub.path, 0o755)
        }
        try s.write("script.sh", script.replacingOccurrences(of: "/usr/sbin/keepalived", with: "keepalived"))
        let log = s.file("stub.log")
        unlink(log)
        unlink(log + ".reboot")
        let r = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-e", s.file("script.sh")], in: s.url,
                               env: ["PATH": bin.path, "STUB_LOG": log])
        var calls: [[String]] = []
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("== ") { calls.append([String(line.dropFirst(3))]) } else if !calls.isEmpty, !line.isEmpty || true { calls[calls.count - 1].append(String(line)) }
        }
        calls = calls.map { c in c.last == "" ? Array(c.dropLast()) : c }
        return (calls, r.status, FileManager.default.fileExists(atPath: log + ".reboot"))
    }

    // MARK: 1. shell injection

    func testInjectedInventoryValuesAreRefusedAndQuotedEvenWhenForced() throws {
        let s = try Scratch("inject")
        try cluster(s, iface: "eth0;reboot", realIface: "eth0$(reboot)", id: "a`reboot`")
        let lint = try s.lvsc(["lint"])
        XCTAssertEqual(lint.status, 1)
        XCTAssertEqual(lint.stdout.components(separatedBy: "[inventory-bad-value]").count - 1, 3, lint.stdout)
        // Refused without --force.
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "solo"]).status, 1)
        // Forced: every value reaches its command as one word, and nothing else runs.
        for host in ["solo", "web1", "lvs01"] {
            let r = try s.lvsc(["emit", "rc-final", "--host", host, "--force"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let run = try runWithStubs(s, r.stdout)
            XCTAssertEqual(run.status, 0, "\(host): \(r.stdout)")
            XCTAssertFalse(run.rebooted, "\(host)'s block ran an injected command:\n\(r.stdout)")
            switch host {
            case "solo":
                XCTAssertTrue(run.calls.contains(["ip", "addr", "replace", "192.0.2.110/24", "dev", "eth0;reboot"]), "\(run.calls)")
            case "web1":
                XCTAssertTrue(run.calls.contains(["sysctl", "-w", "net.ipv4.conf.eth0$(reboot).arp_ignore=1"]), "\(run.calls)")
                XCTAssertTrue(run.calls.contains(["ip", "addr", "replace", "192.0.2.100/32", "dev", "lo"]), "\(run.calls)")
            default:
                XCTAssertTrue(run.calls.contains(["keepalived", "-f", "/specials/keepalived.conf", "-i", "a`reboot`"]), "\(run.calls)")
            }
        }
    }

    func testConfigValuesAndOptionsReachScriptsAsOneWord() throws {
        let s = try Scratch("inject-config")
        try cluster(s, pe: "sip;reboot")
        let lint = try s.lvsc(["lint"])
        XCTAssertTrue(lint.stdout.contains("[persistence-engine]"), lint.stdout)
        let script = try s.lvsc(["emit", "ipvsadm", "--host", "solo", "--style", "commands", "--force"])
        XCTAssertEqual(script.status, 0, script.stderr)
        let run = try runWithStubs(s, script.stdout)
        XCTAssertFalse(run.rebooted, script.stdout)
        XCTAssertTrue(run.calls.contains { $0.starts(with: ["ipvsadm", "-A", "-t", "192.0.2.110:80", "-s", "rr", "-p", "60", "--pe", "sip;reboot"]) }, "\(run.calls)")
        // --config-path goes into the director's block: an absolute path, quoted.
        try cluster(s)
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "lvs01", "--config-path", "x;reboot"]).status, 2)
        let path = "/etc/keep alived/it's.conf"
        let block = try s.lvsc(["emit", "rc-final", "--host", "lvs01", "--config-path", path])
        XCTAssertEqual(block.status, 0, block.stderr)
        let ran = try runWithStubs(s, block.stdout)
        XCTAssertTrue(ran.calls.contains(["keepalived", "-f", path]), "\(ran.calls)")
        // A path with a newline cannot end the header comment and start a command.
        try FileManager.default.createDirectory(at: s.url.appendingPathComponent("a\nreboot"), withIntermediateDirectories: true)
        for f in ["cluster.txt", "lvs01.conf", "lvs02.conf", "solo.conf"] {
            try FileManager.default.copyItem(atPath: s.file(f), toPath: s.file("a\nreboot/\(f)"))
        }
        let odd = try s.lvsc(["emit", "rc-final", "--host", "web1", "--inventory", "a\nreboot/cluster.txt"])
        XCTAssertEqual(odd.status, 0, odd.stderr)
        XCTAssertFalse(try runWithStubs(s, odd.stdout).rebooted, odd.stdout)
    }

    // MARK: 2. traps on input

    func testHugeNumbersAndGeneratorsEndInADiagnosticNotATrap() throws {
        let s = try Scratch("traps")
        let cases: [(String, String)] = [
            ("vrrp_instance A {\n priority 99999999999999999999\n}\n", "too large a number for priority"),
            ("vrrp_instance A {\n virtual_router_id -99999999999999999999999\n}\n", "too large a number"),
            ("virtual_server 192.0.2.1 80 {\n delay_loop 123456789012345678901234567890\n}\n", "delay_loop"),
            ("~SEQ(i, 9223372036854775806, 1, 9223372036854775807) global_defs { router_id r$i }\n", ""),
            ("~SEQ(i, -9223372036854775807, -1, -9223372036854775808) global_defs { router_id r$i }\n", ""),
            ("virtual_server fwmark 99999999999999999999999 {\n}\n", ""),
        ]
        for (text, message) in cases {
            try s.write("t.conf", text)
            for args in [["lint", "t.conf"], ["dump", "t.conf"], ["fmt", "t.conf"], ["emit", "ipvsadm", "-f", "t.conf", "--force"],
                         ["emit", "keepalived", "-f", "t.conf", "--force"], ["plan", "-f", "t.conf", "--force"]] {
                let r = try s.lvsc(args)
                XCTAssertTrue([0, 1, 2].contains(r.status), "\(args) on \(text): status \(r.status)\n\(r.stderr)")
            }
            if !message.isEmpty {
                XCTAssertTrue(try s.lvsc(["lint", "t.conf"]).stdout.contains(message), text)
            }
        }
    }

    func testKeepalivedFileForDirectorsWithoutVRRP() throws {
        let s = try Scratch("no-vrrp")
        try cluster(s)
        let solo = try s.lvsc(["emit", "keepalived", "--host", "solo"])
        XCTAssertEqual(solo.status, 0, solo.stderr)
        XCTAssertTrue(solo.stdout.contains("virtual_server 192.0.2.110 80 {"), solo.stdout)
        try s.write("empty.conf", "")
        let empty = try s.lvsc(["emit", "keepalived", "-f", "empty.conf"])
        XCTAssertEqual(empty.status, 0, empty.stderr)
    }

    // MARK: 3 (bytes). output is the bytes that were read

    func testOutputKeepsEveryByte() throws {
        let s = try Scratch("bytes")
        // A Latin-1 password (on both directors, so they agree) and a NUL in lvs01's comment.
        func latin1(_ text: String) throws -> [UInt8] {
            var b = Array(text.utf8)
            let at = try XCTUnwrap(b.firstRange(of: Array("auth_pass 1414".utf8)))
            b.replaceSubrange(at, with: Array("auth_pass ".utf8) + [0x31, 0x34, 0xE9, 0x31])
            return b
        }
        try s.write("lvs01.conf", bytes: try latin1(Self.lvs01) + Array("# trailing \u{0} comment with a NUL\n".utf8))
        try s.write("lvs02.conf", bytes: try latin1(Self.lvs02))
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Fixtures/archive/cluster.txt"), to: s.url.appendingPathComponent("cluster.txt"))
        let fmt = try s.lvsc(["fmt", "lvs01.conf"])
        XCTAssertEqual(fmt.status, 0, fmt.stderr)
        XCTAssertNotNil(fmt.stdoutBytes.firstRange(of: [0x31, 0x34, 0xE9, 0x31]), "fmt changed the Latin-1 byte")
        XCTAssertNotNil(fmt.stdoutBytes.firstRange(of: Array("# trailing \u{0} comment with a NUL\n".utf8)), "fmt cut the output at the NUL")
        let backup = try s.lvsc(["emit", "keepalived", "--host", "lvs02"])
        XCTAssertEqual(backup.status, 0, backup.stderr)
        XCTAssertNotNil(backup.stdoutBytes.firstRange(of: Array("auth_pass ".utf8) + [0x31, 0x34, 0xE9, 0x31]), "the backup's password changed")
        // The operator's own Latin-1 lines around the block stay as they were.
        let own: [UInt8] = Array("#!/bin/sh\n# caf".utf8) + [0xE9] + Array("\nexit 0\n".utf8)
        try s.write("rc.final", bytes: own)
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "www1", "--update", "rc.final"]).status, 0)
        let after = try s.read("rc.final")
        XCTAssertTrue(after.starts(with: Array("#!/bin/sh\n# caf".utf8) + [0xE9, 0x0A]), String(decoding: after, as: UTF8.self))
    }

    // MARK: 4. write failures

    func testAFullDiskIsExitTwo() throws {
        let s = try Scratch("full")
        try cluster(s)
        for args in ["emit ipvsadm --host solo", "lint --format json", "fmt lvs01.conf", "emit rc-final --host web1"] {
            let r = try s.shell("'\(lvscBinary.path)' \(args) > /dev/full")
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("cannot write standard output: No space left on device"), "\(args): \(r.stderr)")
        }
    }

    // MARK: 5. replacing files

    func testReplacingFilesIsSafe() throws {
        let s = try Scratch("replace")
        try cluster(s)
        try s.write("victim", "precious\n")
        // A link planted at the old predictable temporary name is never followed.
        try s.write("rc.local", "#!/bin/sh\n")
        chmod(s.file("rc.local"), 0o750)
        chown(s.file("rc.local"), 65534, 65534)
        try FileManager.default.createSymbolicLink(atPath: s.file("rc.local.lvsc-tmp"), withDestinationPath: s.file("victim"))
        let r = try s.lvsc(["emit", "rc-final", "--host", "web1", "--update", "rc.local"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try s.text("victim"), "precious\n")
        var st = stat()
        XCTAssertEqual(stat(s.file("rc.local"), &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o750, "rc.local lost its mode")
        XCTAssertEqual(st.st_uid, 65534, "rc.local lost its owner")
        XCTAssertTrue(try s.text("rc.local").contains("# BEGIN lvsc"))
        // No temporary file is left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: s.path).filter { $0.contains("lvsc-") && $0 != "rc.local.lvsc-tmp" }
        XCTAssertEqual(left, [])
        // A link, a FIFO, a read-only file: refused, untouched.
        try FileManager.default.createSymbolicLink(atPath: s.file("link"), withDestinationPath: s.file("victim"))
        mkfifo(s.file("fifo"), 0o644)
        try s.write("ro", "#!/bin/sh\n")
        chmod(s.file("ro"), 0o444)
        for (target, why) in [("link", "symbolic link"), ("fifo", "not a regular file"), ("ro", "read-only")] {
            for args in [["emit", "rc-final", "--host", "web1", "--update", target], ["fmt", "--write", target]] {
                let r = try s.lvsc(args)
                XCTAssertEqual(r.status, 2, "\(args)")
                XCTAssertTrue(r.stderr.contains(why), "\(args): \(r.stderr)")
            }
        }
        XCTAssertEqual(try s.text("victim"), "precious\n")
        XCTAssertEqual(try s.text("ro"), "#!/bin/sh\n")
        // --all --out never writes through a link in the folder.
        try FileManager.default.createDirectory(at: s.url.appendingPathComponent("out"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: s.file("out/web1.rc.final"), withDestinationPath: s.file("victim"))
        let all = try s.lvsc(["emit", "rc-final", "--all", "--out", "out"])
        XCTAssertEqual(all.status, 2, all.stderr)
        XCTAssertTrue(all.stderr.contains("symbolic link"), all.stderr)
        XCTAssertEqual(try s.text("victim"), "precious\n")
    }

    func testAFileChangedSinceItWasReadIsNotOverwritten() throws {
        let s = try Scratch("race")
        try s.write("f", "one\n")
        guard case .success(let snap?) = SafeFiles.readForReplace(s.file("f")) else { return XCTFail("not read") }
        usleep(20_000)
        try s.write("f", "someone else's edit\n")
        guard case .failure(let e) = SafeFiles.replace(s.file("f"), with: Array("mine\n".utf8), snapshot: snap) else { return XCTFail("overwrote") }
        XCTAssertTrue(e.message.contains("changed since lvsc read it"), e.message)
        XCTAssertEqual(try s.text("f"), "someone else's edit\n")
        // A new file that appears between the look and the write is not replaced either.
        guard case .failure = SafeFiles.replace(s.file("f"), with: Array("mine\n".utf8), snapshot: nil) else { return XCTFail("replaced") }
        XCTAssertEqual(try s.text("f"), "someone else's edit\n")
    }

    /// Property: over random contents (any bytes) and modes, a replacement writes exactly the
    /// new bytes, keeps the mode, leaves no temporary file, and never touches the file a
    /// planted link points at; a read-only file is refused and left as it was.
    func testReplaceKeepsBytesAndModeOverRandomFiles() throws {
        let s = try Scratch("replace-property")
        var rng = SystemRandomNumberGenerator()
        try s.write("victim", "precious\n")
        for round in 0..<200 {
            let old = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let new = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let mode = mode_t([0o600, 0o640, 0o644, 0o700, 0o750, 0o755, 0o444, 0o400][round % 8])
            let name = "f\(round)"
            try s.write(name, bytes: old)
            chmod(s.file(name), mode)
            // Links planted at names a careless writer might use.
            for planted in ["\(name).lvsc-tmp", ".\(name).lvsc-tmp", "\(name).tmp", "\(name)~"] {
                unlink(s.file(planted))
                try FileManager.default.createSymbolicLink(atPath: s.file(planted), withDestinationPath: s.file("victim"))
            }
            let read = SafeFiles.readForReplace(s.file(name))
            if mode & 0o222 == 0 {
                guard case .failure = read else { return XCTFail("read-only \(String(mode, radix: 8)) accepted") }
                XCTAssertEqual(try s.read(name), old)
                continue
            }
            guard case .success(let snap?) = read else { return XCTFail("not read: \(read)") }
            XCTAssertEqual(snap.bytes, old)
            guard case .success = SafeFiles.replace(s.file(name), with: new, snapshot: snap) else { return XCTFail("not replaced") }
            XCTAssertEqual(try s.read(name), new)
            var st = stat()
            XCTAssertEqual(lstat(s.file(name), &st), 0)
            XCTAssertEqual(st.st_mode & 0o7777, mode)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG)
        }
        XCTAssertEqual(try s.text("victim"), "precious\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: s.path).filter { $0.range(of: #"\.lvsc-[A-Za-z0-9]{6}$"#, options: .regularExpression) != nil }
        XCTAssertEqual(left, [], "temporary files left behind")
    }

    func testApplyCacheLockDoesNotFollowLinks() throws {
        let s = try Scratch("cache-lock")
        try s.write("victim", "precious\n")
        try FileManager.default.createSymbolicLink(atPath: s.file("cache.lock"), withDestinationPath: s.file("victim"))
        XCTAssertThrowsError(try ApplyCacheFile(path: s.file("cache"), host: "h"))
        XCTAssertEqual(try s.text("victim"), "precious\n")
    }

    // MARK: 6. files and secrets echoed

    func testFilesThatAreNotConfigurationsAreNeverQuoted() throws {
        let s = try Scratch("secrets")
        let outside = try Scratch("secrets-outside")
        let secret = "root:$6$SALTSALT$SECRETHASHVALUE:19000:0:99999:7:::\nMORESECRET line two\n"
        try outside.write("shadow", secret)
        try s.write("key.pem", "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETKEYMATERIALb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
        try cluster(s)
        // conf= outside the cluster's folder: absolute, ../, and a link that leads out.
        try FileManager.default.createSymbolicLink(atPath: s.file("lvs02.conf.link"), withDestinationPath: outside.file("shadow"))
        for conf in [outside.file("shadow"), "../\(outside.url.lastPathComponent)/shadow", "lvs02.conf.link"] {
            try s.write("cluster.txt", "lvs01 02:00:00:00:00:01 LVS LVS01 lvs 192.0.2.11 conf=\(conf),iface=eth0,net=192.0.2.0/24\n")
            for format in ["text", "json", "sarif", "github"] {
                let r = try s.lvsc(["lint", "--format", format])
                XCTAssertEqual(r.status, 1, conf)
                XCTAssertFalse(r.stdout.contains("SECRET") || r.stderr.contains("SECRET"), "\(conf) \(format): \(r.stdout)")
                if format == "text" { XCTAssertTrue(r.stdout.contains("outside the cluster's folder"), r.stdout) }
            }
        }
        // A key pulled in by include, a file linted by mistake, an inventory or state that is not one.
        try s.write("inc.conf", "global_defs {\n    router_id a\n}\ninclude key.pem\n")
        try FileManager.default.copyItem(atPath: outside.file("shadow"), toPath: s.file("shadow"))
        try cluster(s)
        for args in [["lint", "inc.conf"], ["lint", "shadow"], ["lint", "--format", "json", "shadow"], ["lint", "--inventory", "shadow"],
                     ["plan", "--host", "solo", "--state", "shadow"], ["dump", "shadow"], ["fmt", "shadow"]] {
            let r = try s.lvsc(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertFalse(r.stdout.contains("SECRET") || r.stderr.contains("SECRET"), "\(args): \(r.stdout)\(r.stderr)")
        }
        XCTAssertTrue(try s.lvsc(["lint", "inc.conf"]).stdout.contains("[not-keepalived]"))
    }

    func testEnvironmentValuesAreNeverPrinted() throws {
        let s = try Scratch("environ")
        try s.write("env.conf", """
            global_defs {
                router_id ${_ENV LVSC_TEST_SECRET}
            }
            vrrp_instance VI_1 {
                state MASTER
                interface eth0
                virtual_router_id ${_ENV LVSC_TEST_SECRET}
                priority x${_ENV LVSC_TEST_SECRET}
                virtual_ipaddress {
                    192.0.2.100/24
                }
            }
            include /proc/self/environ

            """)
        for args in [["lint", "env.conf"], ["lint", "--format", "json", "env.conf"], ["lint", "--format", "github", "env.conf"],
                     ["lint", "--format", "sarif", "env.conf"], ["dump", "env.conf"]] {
            let r = try runProcess(lvscBinary, args, in: s.url, env: ["LVSC_TEST_SECRET": "hunter2pass", "NO_COLOR": "1"])
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stdout.contains("hunter2pass") || r.stderr.contains("hunter2pass"), "\(args): \(r.stdout)")
        }
        let text = try runProcess(lvscBinary, ["lint", "env.conf"], in: s.url, env: ["LVSC_TEST_SECRET": "hunter2pass", "NO_COLOR": "1"])
        XCTAssertTrue(text.stdout.contains("${_ENV LVSC_TEST_SECRET}"), text.stdout)
        XCTAssertTrue(text.stdout.contains("environ does not look like a keepalived configuration"), text.stdout)
    }

    // MARK: 7. unbounded reads

    /// Inputs that used to take minutes or gigabytes: each now ends in bounded work with a
    /// finding that says what was cut short, and a tenfold input costs about ten times as much.
    func testHostileShapesStayInProportionToTheInput() throws {
        let s = try Scratch("bounds")
        // Ten files including each other through a glob (10! orders without a budget).
        try FileManager.default.createDirectory(at: s.url.appendingPathComponent("g"), withIntermediateDirectories: true)
        for i in 0..<10 { try s.write("g/f\(i).conf", "include *.conf\nglobal_defs {\n    router_id x\n}\n") }
        let globs = try s.lvsc(["lint", "g/f0.conf"])
        XCTAssertEqual(globs.status, 1)
        XCTAssertTrue(globs.stdout.contains("lvsc stops following them"), String(globs.stdout.prefix(2000)))
        // 2,000 config ids: checked under the first 64, and said so.
        try s.write("ids.conf", (0..<2000).map { "@id\($0) global_defs {\n@id\($0) router_id r\($0)\n@id\($0) }\n" }.joined())
        let ids = try s.lvsc(["lint", "ids.conf"])
        XCTAssertTrue(ids.stdout.contains("names 2000 config ids in @id lines; lvsc checks it under the first 64"), String(ids.stdout.prefix(2000)))
        XCTAssertEqual(try s.lvsc(["fmt", "ids.conf"]).status, 1, "fmt cannot check 2,000 readings: refused")
        // 30,000 nested blocks in a value block (where lvsc keeps every brace): refused by the
        // nesting limit; fmt does not indent 30,000 levels.
        try s.write("nested.conf", "static_ipaddress {\n" + String(repeating: "{\n", count: 30_000) + String(repeating: "}\n", count: 30_001))
        let nested = try s.lvsc(["fmt", "nested.conf"])
        XCTAssertEqual(nested.status, 1)
        XCTAssertTrue(nested.stderr.contains("blocks nest more than 64 levels deep"), String(nested.stderr.prefix(2000)))
        XCTAssertLessThan(nested.stdoutBytes.count, 1 << 20)
        // 30,000 global_defs inside each other: keepalived ignores every '{' after the first, so
        // the file is misread, not deep; fmt refuses it and says why.
        try s.write("misread.conf", String(repeating: "global_defs {\n", count: 30_000) + String(repeating: "}\n", count: 30_000))
        let misread = try s.lvsc(["fmt", "misread.conf"])
        XCTAssertEqual(misread.status, 1)
        XCTAssertTrue(misread.stderr.contains("keepalived ignores the '{' after it"), String(misread.stderr.prefix(2000)))
        XCTAssertLessThan(misread.stderr.utf8.count, 1 << 20)
        XCTAssertLessThan(nested.stdoutBytes.count, 1 << 20)

        let release = ProcessInfo.processInfo.environment["LVSC_RELEASE_BIN"] ?? ""
        try requirePrecondition(!release.isEmpty, "the scaling checks need the release binary: run scripts/test.sh (it sets LVSC_RELEASE_BIN)")
        let bin = URL(fileURLWithPath: release)
        func seconds(_ name: String, _ text: String) throws -> Double {
            try s.write(name, text)
            let t0 = Date()
            let r = try runProcess(bin, ["lint", "-q", name], in: s.url)
            XCTAssertTrue([0, 1].contains(r.status), "\(name): \(r.stderr)")
            return Date().timeIntervalSince(t0)
        }
        // One group of MASTERs and BACKUPs of one name, every BACKUP above every MASTER (a
        // finding per pair before), and a file of unknown keywords (an edit-distance scan each).
        func instances(_ n: Int) -> String {
            (0..<n).map { k in "vrrp_instance VI {\n state \(k % 2 == 0 ? "MASTER" : "BACKUP")\n interface eth0\n virtual_router_id 1\n priority \(k % 2 == 0 ? 100 : 200)\n virtual_ipaddress {\n 192.0.2.1/24\n }\n}\n" }.joined()
        }
        func unknown(_ n: Int) -> String { "global_defs {\n" + (0..<n).map { "unknownkw\($0) x\n" }.joined() + "}\n" }
        // A region keepalived reads at the wrong level after an ignored '{' (the fuzzer's
        // ~SEQ of 92,233 such lines took 6 s: a suggestion was looked for on every line).
        func misreadRegion(_ n: Int) -> String { "global_defs {\n" + (0..<n).map { "unknownkw\($0) {\n" }.joined() + "}\n" }
        var big: [String: Double] = [:]
        for (name, make) in [("instances", instances), ("unknown", unknown), ("misread", misreadRegion)] {
            let small = try seconds("\(name)-small.conf", make(4_000))
            big[name] = try seconds("\(name)-big.conf", make(40_000))
            print("bounds: \(name) 4,000 in \(small) s, 40,000 in \(big[name]!) s")
            XCTAssertLessThan(big[name]!, max(small, 0.05) * 40, "\(name): lint time grows faster than the input")
        }
        XCTAssertLessThan(big["misread"]!, 3 * big["unknown"]! + 0.2, "a misread region costs more than as many unknown keywords")
    }

    func testDevicesAreRefusedAndFIFOsDoNotBlock() throws {
        let s = try Scratch("devices")
        try cluster(s)
        let zero = try s.lvsc(["lint", "/dev/zero"])
        XCTAssertEqual(zero.status, 2)
        XCTAssertTrue(zero.stderr.contains("is a device"), zero.stderr)
        XCTAssertEqual(try s.lvsc(["plan", "--host", "solo", "--state", "/dev/zero"]).status, 2)
        XCTAssertEqual(try s.lvsc(["fmt", "/dev/urandom"]).status, 2)
        // A conf= that is a FIFO nobody writes to: refused at once, not read forever.
        mkfifo(s.file("fifo.conf"), 0o644)
        try s.write("cluster.txt", "lvs01 02:00:00:00:00:01 LVS LVS01 lvs 192.0.2.11 conf=fifo.conf,iface=eth0,net=192.0.2.0/24\n")
        let start = Date()
        let r = try s.lvsc(["lint"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("FIFO"), r.stdout)
    }

    // MARK: 8. readers that accepted garbage

    func testStateFilesWithUnreadableFieldsAreRefused() throws {
        let s = try Scratch("states")
        try cluster(s)
        let good = "-A -t 192.0.2.110:80 -s rr\n-a -t 192.0.2.110:80 -r 192.0.2.21:80 -g -w 1\n"
        try s.write("good.save", good)
        XCTAssertEqual(try s.lvsc(["plan", "--host", "solo", "--state", "good.save"]).status, 0)
        let bad: [(String, String)] = [
            ("x.save", good.replacingOccurrences(of: "-w 1", with: "-w 1 -x abc")),
            ("y.save", good.replacingOccurrences(of: "-w 1", with: "-w 1 -y -5")),
            ("w.save", good.replacingOccurrences(of: "-w 1", with: "-w -1")),
            ("w2.save", good.replacingOccurrences(of: "-w 1", with: "-w 99999999999")),
            ("p.save", good.replacingOccurrences(of: "-s rr", with: "-s rr -p 0")),
            ("s.save", good.replacingOccurrences(of: "-s rr", with: "-s \u{1B}[2Jrr")),
            ("t.save", good.replacingOccurrences(of: "-g -w 1", with: "-i -w 1 --tun-type vxlan")),
            ("dup.json", #"{"format": "lvsc-state/1", "format": "lvsc-state/1", "services": []}"#),
            ("neg.json", #"{"format": "lvsc-state/1", "services": [{"protocol": "tcp", "address": "192.0.2.110", "port": 80, "scheduler": "rr", "destinations": [{"address": "192.0.2.21", "port": 80, "weight": -3, "forwarding": "route"}]}]}"#),
            ("port.json", #"{"format": "lvsc-state/1", "services": [{"protocol": "tcp", "address": "192.0.2.110", "port": 80, "scheduler": "rr", "destinations": [{"address": "192.0.2.21", "port": 70000, "weight": 1, "forwarding": "route"}]}]}"#),
            ("thr.json", #"{"format": "lvsc-state/1", "services": [{"protocol": "tcp", "address": "192.0.2.110", "port": 80, "scheduler": "rr", "destinations": [{"address": "192.0.2.21", "port": 80, "weight": 1, "forwarding": "route", "upperThreshold": "x"}]}]}"#),
        ]
        for (name, text) in bad {
            try s.write(name, text)
            let r = try s.lvsc(["plan", "--host", "solo", "--state", name])
            XCTAssertEqual(r.status, 2, "\(name) was accepted: \(r.stdout)\(r.stderr)")
            XCTAssertFalse(r.stderr.contains("\u{1B}"), "a terminal escape reached the output: \(r.stderr)")
        }
    }

    /// A backup's generated keepalived.conf that still names the MASTER (a mail sender, a
    /// comment) or includes other files says so.
    func testGeneratedBackupFileSaysWhatStillNamesTheMaster() throws {
        let s = try Scratch("leftovers")
        try cluster(s)
        let lvs01 = try s.text("lvs01.conf")
        try s.write("extra.conf", "# nothing\n")
        try s.write("lvs01.conf", "global_defs {\n    notification_email_from lvs01@example.org\n}\ninclude extra.conf\n" + lvs01)
        try s.write("lvs02.conf", "global_defs {\n    notification_email_from lvs01@example.org\n}\ninclude extra.conf\n" + (try s.text("lvs02.conf")))
        let r = try s.lvsc(["emit", "keepalived", "--host", "lvs02"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("lvs02's generated file still names lvs01 (the MASTER it was generated from) on line 3"), r.stderr)
        XCTAssertTrue(r.stderr.contains("lvs02's generated file includes extra.conf: copy the included files to lvs02 as well"), r.stderr)
    }

    /// Directors on different hardware: cluster.txt maps each one's interfaces to LANs, peers
    /// are compared through that mapping, each generated file gets its own names, and an
    /// instance on another LAN than its peer's (split brain) is an error.
    func testDirectorsOnDifferentHardware() throws {
        let s = try Scratch("hardware")
        func conf(_ state: String, _ prio: Int, _ iface: String) -> String {
            """
            vrrp_instance VI_1 {
                state \(state)
                interface \(iface)
                virtual_router_id 51
                priority \(prio)
                track_interface {
                    \(iface)
                }
                virtual_ipaddress {
                    192.0.2.100/24 dev \(iface) label \(iface):1
                }
            }

            """
        }
        try s.write("lvs01.conf", conf("MASTER", 150, "eth0"))
        try s.write("lvs02.conf", conf("BACKUP", 100, "ens192"))
        try s.write("cluster.txt", """
            # lvsc: cluster=hw
            lvs01 02:00:00:00:00:01 LVS LVS01 lvs 192.0.2.11 conf=lvs01.conf,iface=eth0,net=192.0.2.0/24
            lvs02 02:00:00:00:00:02 LVS LVS02 lvs 192.0.2.12 conf=lvs02.conf,iface=ens192,net=192.0.2.0/24,iface=ens224,net=198.51.100.0/24
            www   00:00:00:00:00:00 LB  WWW   www 192.0.2.100 -

            """)
        let lint = try s.lvsc(["lint"])
        XCTAssertEqual(lint.status, 0, lint.stdout)
        XCTAssertFalse(lint.stdout.contains("peer-config-drift"), lint.stdout)
        let generated = try s.lvsc(["emit", "keepalived", "--host", "lvs02"])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        for want in ["interface ens192", "192.0.2.100/24 dev ens192 label ens192:1", "        ens192\n"] {
            XCTAssertTrue(generated.stdout.contains(want), "\(want) missing:\n\(generated.stdout)")
        }
        XCTAssertFalse(generated.stdout.contains("eth0"), generated.stdout)
        // The backup's instance on its other LAN: never hears the MASTER.
        try s.write("lvs02.conf", conf("BACKUP", 100, "ens224"))
        let split = try s.lvsc(["lint"])
        XCTAssertEqual(split.status, 1)
        XCTAssertTrue(split.stdout.contains("both become MASTER (split brain) [peer-config-drift]"), split.stdout)
        // An interface cluster.txt does not list is reported.
        try s.write("lvs02.conf", conf("BACKUP", 100, "eth7"))
        XCTAssertTrue(try s.lvsc(["lint"]).stdout.contains("[interface-not-in-inventory]"))
    }

    // MARK: 9. what ipvsadm prints and keepalived loads

    func testOutputMatchesIpvsadmAndKeepalived() throws {
        let s = try Scratch("ipvsadm-spelling")
        try s.write("d.conf", """
            virtual_server ::ffff:192.0.2.10 80 {
                lb_algo rr
                lb_kind DR
                protocol TCP
                real_server ::ffff:192.0.2.21 80 {
                    weight 1
                }
            }
            virtual_server 192.0.2.11 0 {
                lb_algo rr
                lb_kind DR
                protocol TCP
                real_server 192.0.2.22 0 {
                    weight 1
                }
            }

            """)
        let r = try s.lvsc(["emit", "ipvsadm", "-f", "d.conf", "--force"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("-A -t [::ffff:192.0.2.10]:80 -s rr\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("-r [::ffff:192.0.2.21]:80 -g -w 1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("-A -t 192.0.2.11:0 -s rr -p 360\n"), r.stdout)
        XCTAssertTrue(r.stderr.contains("keepalived makes it persistent for 360 s"), r.stderr)
        XCTAssertTrue(try s.lvsc(["lint", "d.conf"]).stdout.contains("[port-zero-persistence]"))
    }

    // MARK: 8. rc.final markers

    func testUpdateMarkersThatCannotBeTrustedAreRefused() throws {
        let s = try Scratch("markers")
        try cluster(s)
        // No cluster name in cluster.txt: the markers say "cluster", whatever the folder is called.
        let cluster = "cluster"
        let begin = "# BEGIN lvsc \(cluster)/web1", end = "# END lvsc \(cluster)/web1"
        // BEGIN without END: exit 2, the file untouched.
        try s.write("rc1", "#!/bin/sh\n\(begin)\nold\nexit 0\n")
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "web1", "--update", "rc1"]).status, 2)
        XCTAssertEqual(try s.text("rc1"), "#!/bin/sh\n\(begin)\nold\nexit 0\n")
        // CRLF markers: the block is replaced, not added again, and the file stays CRLF.
        try s.write("rc2", "#!/bin/sh\r\n\(begin)\r\nold\r\n\(end)\r\nexit 0\r\n")
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "web1", "--update", "rc2"]).status, 0)
        let crlf = try s.text("rc2")
        XCTAssertEqual(crlf.components(separatedBy: begin).count, 2, crlf)
        XCTAssertFalse(crlf.contains("old"), crlf)
        XCTAssertTrue(crlf.hasSuffix("\(end)\r\nexit 0\r\n"), crlf)
        // A new block goes before the closing `exit 0`, where it runs.
        try s.write("rc3", "#!/bin/sh\necho up\nexit 0\n")
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "web1", "--update", "rc3"]).status, 0)
        let added = try s.text("rc3")
        XCTAssertTrue(added.hasPrefix("#!/bin/sh\necho up\n\(begin)\n"), added)
        XCTAssertTrue(added.hasSuffix("\(end)\nexit 0\n"), added)
        // And twice is once.
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "web1", "--update", "rc3"]).status, 0)
        XCTAssertEqual(try s.text("rc3"), added)
    }

    /// The markers come from cluster.txt (`# lvsc: cluster=NAME`) or --cluster, never from the
    /// folder: a second clone updates the same block, and a block written under an older name
    /// is replaced, with a word, instead of left beside a new one.
    func testMarkersDoNotDependOnTheCheckout() throws {
        let s = try Scratch("checkout-a")
        try cluster(s)
        let text = try s.text("cluster.txt")
        try s.write("cluster.txt", "# lvsc: cluster=prod\n" + text)
        try s.write("rc.local", "#!/bin/sh\n# BEGIN lvsc checkout-a/web1\nip addr add 192.0.2.99/32 dev lo\n# END lvsc checkout-a/web1\nexit 0\n")
        let r = try s.lvsc(["emit", "rc-final", "--host", "web1", "--update", "rc.local"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("replaced web1's block written under cluster name 'checkout-a' with one under 'prod'"), r.stderr)
        let once = try s.text("rc.local")
        XCTAssertFalse(once.contains("192.0.2.99"), "the stale block stayed:\n\(once)")
        XCTAssertEqual(once.components(separatedBy: "# BEGIN lvsc").count, 2, once)
        XCTAssertTrue(once.contains("# BEGIN lvsc prod/web1\n"), once)
        // Another clone in another folder: the same bytes.
        let other = try Scratch("checkout-b")
        for f in ["cluster.txt", "lvs01.conf", "lvs02.conf", "solo.conf"] { try other.write(f, bytes: try s.read(f)) }
        try other.write("rc.local", bytes: try s.read("rc.local"))
        XCTAssertEqual(try other.lvsc(["emit", "rc-final", "--host", "web1", "--update", "rc.local"]).status, 0)
        XCTAssertEqual(try other.text("rc.local"), once)
        // --cluster names it on the command line; two older names for one host are refused.
        XCTAssertTrue(try s.lvsc(["emit", "rc-final", "--host", "web1", "--cluster", "staging"]).stdout.hasPrefix("# BEGIN lvsc staging/web1\n"))
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "web1", "--cluster", "../x"]).status, 2)
        try s.write("two", "# BEGIN lvsc a/web1\n# END lvsc a/web1\n# BEGIN lvsc b/web1\n# END lvsc b/web1\n")
        XCTAssertEqual(try s.lvsc(["emit", "rc-final", "--host", "web1", "--update", "two"]).status, 2)
    }
}
