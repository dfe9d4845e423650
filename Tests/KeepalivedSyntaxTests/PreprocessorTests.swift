import Foundation
import XCTest
@testable import KeepalivedSyntax
import Diagnostics

/// The lexer and preprocessor on small inputs: structure, expansion, and where locations point.
final class PreprocessorTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-pp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func parse(_ text: String, configID: String? = nil, name: String = "main.conf") throws -> (SourceManager, ParseResult) {
        let path = try write(name, text)
        let sources = SourceManager()
        let file = sources.add(path: path, bytes: Array(text.utf8))
        return (sources, ConfigParser(sources: sources, options: ParseOptions(configID: configID)).parse(file: file))
    }

    /// Statements as "keyword arg arg {…}" lines, children indented.
    func outline(_ r: ParseResult) -> [String] {
        var out: [String] = []
        func walk(_ n: Node, _ depth: Int) {
            let words = ([r.tree.keyword(n)] + Array(r.tree.args(n))).map { r.tree.string($0) }
            out.append(String(repeating: "  ", count: depth) + words.joined(separator: " ") + (n.hasBlock ? " {" : ""))
            for c in r.tree.children(n) { walk(c, depth + 1) }
        }
        for i in r.tree.roots { walk(r.tree.nodes[Int(i)], 0) }
        return out
    }

    func where_(_ s: SourceManager, _ span: SourceSpan) -> String {
        let r = s.resolve(span)
        return "\(URL(fileURLWithPath: r.path).lastPathComponent):\(r.line):\(r.column)"
    }

    func testCommentsQuotesAndBracesAnywhere() throws {
        let (_, r) = try parse("""
        ! banner
        vrrp_instance VI_1 { state MASTER }   # inline block
        vrrp_script chk
        {
            script "/bin/check # not a comment" ! comment
            weight -2
        }
        """)
        XCTAssertEqual(outline(r), [
            "vrrp_instance VI_1 {", "  state MASTER",
            "vrrp_script chk {", "  script /bin/check # not a comment", "  weight -2",
        ])
        XCTAssertTrue(r.diagnostics.items.isEmpty)
    }

    func testUnbalancedBracesAndUnterminatedQuote() throws {
        let (s, r) = try parse("vrrp_instance a {\n  b \"open\n}\n}\nvrrp_script c {\n")
        let found = r.diagnostics.items.map { "\(where_(s, $0.span!)) \($0.message)" }
        XCTAssertEqual(found, [
            "main.conf:2:5 unterminated quote",
            "main.conf:4:1 extra '}' with no open block",
            "main.conf:5:15 block 'vrrp_script' is never closed: 1 missing '}'",
        ])
    }

    func testDefinitionsAndExpansionKeepTheUseSite() throws {
        let (s, r) = try parse("""
        $PRIO=150
        $IF=eth0
        vrrp_instance VI_1 {
            priority $PRIO
            interface ${IF}
            state $UNDEFINED
        }
        """)
        XCTAssertEqual(outline(r), ["vrrp_instance VI_1 {", "  priority 150", "  interface eth0", "  state $UNDEFINED"])
        let prio = r.tree.arg(r.tree.nodes[Int(r.tree.nodes[Int(r.tree.roots[0])].firstChild)], 0)
        XCTAssertEqual(where_(s, r.tree.span(prio)), "main.conf:4:14", "an expanded word points at its $NAME")
    }

    func testMultiLineDefinitionExpandsToSeveralLines() throws {
        let (s, r) = try parse("""
        $RS=real_server $IP 80 { \\
            weight 1 \\
            TCP_CHECK { connect_timeout 3 } \\
        }
        virtual_server 192.0.2.10 80 {
        $IP=192.0.2.21
            $RS
        $IP=192.0.2.22
            $RS
        }
        """)
        XCTAssertEqual(outline(r), [
            "virtual_server 192.0.2.10 80 {",
            "  real_server 192.0.2.21 80 {", "    weight 1", "    TCP_CHECK {", "      connect_timeout 3",
            "  real_server 192.0.2.22 80 {", "    weight 1", "    TCP_CHECK {", "      connect_timeout 3",
        ])
        // The weight line of the second expansion points at the definition's line, the line a person edits.
        let vs = r.tree.nodes[Int(r.tree.roots[0])]
        let rs2 = r.tree.nodes[Int(r.tree.nodes[Int(vs.firstChild)].nextSibling)]
        let weight = r.tree.nodes[Int(rs2.firstChild)]
        XCTAssertEqual(where_(s, r.tree.span(r.tree.keyword(weight))), "main.conf:2:5")
    }

    func testConditionalLinesFollowTheConfigID() throws {
        let text = """
        vrrp_instance VI_1 {
        @lvs01 state MASTER
        @^lvs01 state BACKUP
        @lvs01
        }
        """
        let (_, master) = try parse(text, configID: "lvs01")
        XCTAssertEqual(outline(master), ["vrrp_instance VI_1 {", "  state MASTER"])
        let (_, backup) = try parse(text, configID: "lvs02")
        XCTAssertEqual(outline(backup), ["vrrp_instance VI_1 {", "  state BACKUP"])
        XCTAssertEqual(backup.conditionIDs, ["lvs01"])
    }

    func testSequenceAndListGeneratorsPointAtTheirLine() throws {
        let (s, r) = try parse("""
        static_ipaddress {
        ~SEQ(N, 1, 2, 5) item 192.0.2.$N
        ~LST({A,B}, {x,1}, {y,2}) pair $A $B
        ~SEQx(H, 9, 11) hex $H
        }
        """)
        XCTAssertEqual(outline(r), ["static_ipaddress {", "  item 192.0.2.1", "  item 192.0.2.3", "  item 192.0.2.5",
                                    "  pair x 1", "  pair y 2", "  hex 9", "  hex a", "  hex b"])
        let third = r.tree.nodes[Int(r.tree.nodes[Int(r.tree.nodes[Int(r.tree.nodes[Int(r.tree.roots[0])].firstChild)].nextSibling)].nextSibling)]
        XCTAssertEqual(where_(s, r.tree.span(r.tree.keyword(third))).prefix(11), "main.conf:2")
        let (_, bad) = try parse("~SEQ(N, 1, 0, 5) x $N\n")
        XCTAssertEqual(bad.diagnostics.items.first?.rule, .syntax)
    }

    func testIncludeGlobRelativeToIncludingFileAndCycles() throws {
        _ = try write("conf.d/10-a.conf", "a 1\ninclude ../sub/b.conf\n")
        _ = try write("conf.d/20-c.conf", "c 3\n")
        _ = try write("sub/b.conf", "b 2\ninclude ../main.conf\n")
        let (s, r) = try parse("top 0\ninclude conf.d/*.conf\ninclude missing-*.conf\nincludem missing.conf\n")
        XCTAssertEqual(outline(r), ["top 0", "a 1", "b 2", "c 3"])
        let found = r.diagnostics.items.map { "\($0.severity.name) \(where_(s, $0.span!))" }
        XCTAssertEqual(found, ["error b.conf:2:1", "warning main.conf:3:1", "error main.conf:4:1"])
        XCTAssertTrue(r.diagnostics.items[0].message.contains("include cycle"))
    }

    func testHostileInputStaysBounded() throws {
        let deep = String(repeating: "{", count: 100_000) + "\n" + String(repeating: "}", count: 100_000)
        let (_, r) = try parse(deep)
        XCTAssertTrue(r.diagnostics.items.contains { $0.message.hasPrefix("unexpected '{' with no keyword before it: keepalived ignores it") })
        XCTAssertLessThanOrEqual(r.diagnostics.items.count, r.diagnostics.limit)
        let (_, selfRef) = try parse("$A=$A $A\nx $A\n")
        XCTAssertTrue(selfRef.diagnostics.items.contains { $0.message.contains("40 levels") })
        let (_, long) = try parse("router_id " + String(repeating: "x", count: 4000) + "\n")
        XCTAssertTrue(long.diagnostics.items.contains { $0.message.contains("4010 bytes") })
    }
}
