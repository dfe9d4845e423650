import Foundation
import LVSCommands
import XCTest

/// The argv lvsc reads from a command keyword is the argv keepalived 2.2.7 executes: keepalived
/// (VRRP only, `-d`) runs in a network namespace and dumps every vrrp_script's command, and each
/// must equal lvsc's `ScriptCommand` for the same line.
final class CommandAgreementTests: XCTestCase {
    /// `script` lines, each the value keepalived and lvsc both read. `@` stands for the folder
    /// that holds an executable script (keepalived disables a script it cannot run).
    static let cases: [String] = [
        #""@/up.sh \"quoted arg\" 'x y' a\tb \x41\101""#,
        #"'@/up.sh -c "test -e /x"'"#,
        #"@/up.sh ab"c d"e 'f g'"#,
        #""@/up.sh a\\\\tb c\\x41""#,
        #""@/up.sh x'y z'w \"\"""#,
        "\"@/up.sh  two   blanks\ttab\"",
        #"$QUOTED"#,
    ]

    /// `'a' 'b c'` as keepalived dumps an argv.
    static func dumped(_ line: Substring) -> [String] {
        var out: [String] = []
        var rest = line[...]
        while let open = rest.firstIndex(of: "'") {
            let after = rest.index(after: open)
            guard let close = rest[after...].firstIndex(of: "'") else { break }
            out.append(String(rest[after..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    func testKeepalivedExecutesWhatLvscReads() throws {
        try requirePrecondition(getuid() == 0, "CommandAgreementTests: keepalived runs in a network namespace, which needs root")
        try requirePrecondition(FileManager.default.isExecutableFile(atPath: "/usr/sbin/keepalived"), "CommandAgreementTests: keepalived is not installed")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-cmd-\(getpid())")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let ns = "lvsc-cmd-\(getpid())"
        addTeardownBlock {
            _ = try? sh("ip netns del \(ns) 2>/dev/null; true", in: work)
            try? FileManager.default.removeItem(at: work)
        }
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: work.appendingPathComponent("up.sh"))
        chmod(work.appendingPathComponent("up.sh").path, 0o755)
        var conf = "global_defs {\n    enable_script_security\n    script_user root\n}\n"
        conf += "$QUOTED=\"@/up.sh --port 80 'a b'\"\n"
        for (i, c) in Self.cases.enumerated() { conf += "vrrp_script s\(i) {\n    script \(c)\n}\n" }
        conf += "vrrp_instance VI_1 {\n    interface v1\n    virtual_router_id 51\n    track_script {\n"
        for i in Self.cases.indices { conf += "        s\(i)\n" }
        conf += "    }\n    virtual_ipaddress {\n        192.0.2.10/32\n    }\n}\n"
        conf = conf.replacingOccurrences(of: "@", with: work.path)
        let path = work.appendingPathComponent("keepalived.conf").path
        try Data(conf.utf8).write(to: URL(fileURLWithPath: path))

        let run = try sh("""
            set -e
            ip netns add \(ns)
            ip -n \(ns) link add v1 type veth peer name v2
            ip -n \(ns) link set v1 up; ip -n \(ns) link set v2 up
            ip -n \(ns) addr add 192.0.2.1/24 dev v1
            ip netns exec \(ns) timeout 4 /usr/sbin/keepalived --dont-fork --log-console --dump-conf --vrrp \
                --use-file \(path) --pid \(work.path)/k.pid --vrrp_pid \(work.path)/v.pid 2>&1 && status=0 || status=$?
            # keepalived runs until `timeout` ends it (124); anything else is keepalived failing.
            [ "$status" -eq 124 ] || { echo "keepalived exited $status"; exit 1; }
            """, in: work, timeout: 60)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        var keepalived: [String: [String]] = [:]
        var current: String?
        for line in run.stdout.split(separator: "\n") {
            if let r = line.range(of: "VRRP Script = ") { current = String(line[r.upperBound...]); continue }
            if let r = line.range(of: "Command = "), let name = current { keepalived[name] = Self.dumped(line[r.upperBound...]) }
        }
        XCTAssertEqual(keepalived.count, Self.cases.count, "keepalived dumped \(keepalived.count) commands:\n\(run.stdout.suffix(3000))")

        let sources = SourceManager()
        let v = FrontEnd.read(file: sources.add(path: path, bytes: Array(conf.utf8)), sources: sources, configID: nil)[0]
        for s in v.config.scripts {
            XCTAssertEqual(s.command?.value.words, keepalived[s.name.value], "script \(s.name.value): \(s.script?.value ?? "")")
        }
        XCTAssertEqual(v.config.scripts.count, Self.cases.count)
    }
}
