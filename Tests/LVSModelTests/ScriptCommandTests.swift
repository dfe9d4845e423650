import XCTest
@testable import LVSModel

/// Commands as keepalived executes them (lib/parser.c's two passes: quoted words, then argv with
/// escapes), read from the raw line, not from the words the other keywords get.
final class ScriptCommandTests: XCTestCase {
    func argv(_ s: String) -> [String]? {
        guard case .success(let c) = ScriptCommand.parse(Array(s.utf8)) else { return nil }
        return c.words
    }

    func testQuotingAndEscapes() {
        XCTAssertEqual(argv(#"'sh -c "test -e /x"'"#), ["sh", "-c", "test -e /x"])
        XCTAssertEqual(argv(#""/usr/local/bin/notify.sh MASTER 'arg with spaces'""#), ["/usr/local/bin/notify.sh", "MASTER", "arg with spaces"])
        XCTAssertEqual(argv("/bin/check"), ["/bin/check"])
        // Escapes are processed in both passes: a tab made by the first separates words in the
        // second, and four backslashes in the file are one in argv.
        XCTAssertEqual(argv(#""a\tb" 'c'"#), ["a", "b"])
        XCTAssertEqual(argv(#""printf a\\\\tb c\\x41 \x41\101\cA\q""#), ["printf", #"a\tb"#, "cA", "AA\u{01}q"])
        // Quotes in the middle of a word join it.
        XCTAssertEqual(argv(#""/bin/x ab'c d'e""#), ["/bin/x", "abc de"])
        // An unquoted command is its first word; the next words are the user and group.
        XCTAssertEqual(argv("/bin/check --fast"), ["/bin/check"])
        XCTAssertEqual(argv(#""echo ''""#), ["echo", ""])
        XCTAssertEqual(ScriptCommand.parse(Array("'sh -c x".utf8)), .failure(.unterminatedQuote(UInt8(ascii: "'"))))
        XCTAssertEqual(ScriptCommand.parse(Array("sh \\".utf8)), .failure(.backslashAtEnd))
        XCTAssertEqual(ScriptCommand.parse(Array("   ".utf8)), .failure(.empty))
    }

    func testUserAndGroup() throws {
        let a = try ScriptCommand.parse(Array(#""/bin/n.sh x" keepalived_script"#.utf8)).get()
        XCTAssertEqual(a.user, "keepalived_script")
        XCTAssertNil(a.group)
        let b = try ScriptCommand.parse(Array("/bin/n.sh nobody :nogroup".utf8)).get()
        XCTAssertEqual([b.user, b.group], ["nobody", "nogroup"])
        XCTAssertTrue(b.supplementaryGroups)
        let c = try ScriptCommand.parse(Array("/bin/n.sh nobody:daemon".utf8)).get()
        XCTAssertEqual([c.user, c.group], ["nobody", "daemon"])
    }

    func testTheModelHoldsTheArgvOfEveryCommandKeyword() throws {
        let text = #"""
        $CHECK=/usr/bin/check --port 80
        $QUOTED="/usr/bin/check --port 80"
        vrrp_script chk {
            script 'sh -c "test -e /run/ok"'
        }
        vrrp_sync_group G {
            group {
                VI_1
            }
            notify_master "/etc/keepalived/g.sh MASTER" root
        }
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            notify_backup "/etc/keepalived/n.sh 'to backup'"
            notify_master $CHECK
            notify_fault $QUOTED
            virtual_ipaddress {
                198.51.100.10/24
            }
        }
        virtual_server 198.51.100.10 80 {
            lb_kind DR
            real_server 192.0.2.11 80 {
                notify_up "/bin/up.sh \"quoted arg\""
                MISC_CHECK {
                    misc_path "/usr/lib/check 'a b' c"
                }
            }
        }

        """#
        let sources = SourceManager()
        let v = FrontEnd.read(file: sources.add(path: "s.conf", bytes: Array(text.utf8)), sources: sources, configID: nil)[0]
        XCTAssertEqual(v.diagnostics.items.filter { $0.severity == .error }.map(\.message), [])
        let c = v.config
        XCTAssertEqual(c.scripts[0].command?.value.words, ["sh", "-c", "test -e /run/ok"])
        XCTAssertEqual(c.syncGroups[0].notifyCommands["notify_master"]?.value.words, ["/etc/keepalived/g.sh", "MASTER"])
        XCTAssertEqual(c.syncGroups[0].notifyCommands["notify_master"]?.value.user, "root")
        XCTAssertEqual(c.instances[0].notifyCommands["notify_backup"]?.value.words, ["/etc/keepalived/n.sh", "to backup"])
        // A $NAME expansion: its words, rejoined. Unquoted, as keepalived reads it, the command is
        // the first word and `--port` is taken for the user.
        XCTAssertEqual(c.instances[0].notifyCommands["notify_master"]?.value.words, ["/usr/bin/check"])
        XCTAssertEqual(c.instances[0].notifyCommands["notify_master"]?.value.user, "--port")
        XCTAssertEqual(c.instances[0].notifyCommands["notify_fault"]?.value.words, ["/usr/bin/check", "--port", "80"])
        let rs = c.virtualServers[0].realServers[0]
        XCTAssertEqual(rs.notifyUpCommand?.value.words, ["/bin/up.sh", "quoted arg"])
        guard case .misc(let m, _) = rs.checkers[0] else { return XCTFail("no MISC_CHECK") }
        XCTAssertEqual(m.command?.value.words, ["/usr/lib/check", "a b", "c"])
    }

    func testAnUnclosedSingleQuoteIsReportedAsKeepalivedDoes() {
        let text = "vrrp_script chk {\n    script 'sh -c true\n}\n"
        let sources = SourceManager()
        let v = FrontEnd.read(file: sources.add(path: "q.conf", bytes: Array(text.utf8)), sources: sources, configID: nil)[0]
        XCTAssertNil(v.config.scripts[0].command)
        XCTAssertTrue(v.diagnostics.items.contains { $0.message.contains("' that is never closed") }, "\(v.diagnostics.items.map(\.message))")
    }
}
