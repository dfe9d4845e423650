import Foundation
import GrammarGen
import XCTest
@testable import KeepalivedSyntax

/// The keyword tables the parser uses are generated from Grammar/keywords.md; this fails when
/// someone edits one without the other (`swift run lvsc-grammar` regenerates).
final class GrammarDriftTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testGeneratedTableMatchesGrammar() throws {
        let md = try String(contentsOf: Self.root.appendingPathComponent("Grammar/keywords.md"), encoding: .utf8)
        let generated = try String(contentsOf: Self.root.appendingPathComponent("Sources/KeepalivedSyntax/Generated/GeneratedKeywords.swift"), encoding: .utf8)
        let rendered = try GrammarGen.render(try GrammarGen.parse(md))
        XCTAssertTrue(rendered == generated, "GeneratedKeywords.swift is stale: run `swift run lvsc-grammar`")
    }

    func testTableCoversTheBlocksKeepalivedDocuments() {
        let contexts = Set(KeywordTable.specs.map { "\($0.context)" })
        for c in ["global_defs", "vrrp_script", "vrrp_track_process", "vrrp_sync_group", "vrrp_instance",
                  "virtual_server", "real_server", "TCP_CHECK", "HTTP_GET", "MISC_CHECK", "SMTP_CHECK",
                  "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "FILE_CHECK", "BFD_CHECK"] {
            XCTAssertTrue(contexts.contains(c), c)
        }
        let t = KeywordTable.shared
        XCTAssertEqual(t.lookup(.virtual_server, "lb_algo")?.aliasOf, "lvs_sched")
        XCTAssertEqual(t.lookup(.virtual_server, "lb_kind")?.id, t.lookup(.virtual_server, "lvs_method")?.id)
        XCTAssertEqual(t.lookup(.HTTP_GET, "nb_get_retry")?.deprecatedAlias, true)
        XCTAssertEqual(t.lookup(.global_defs, "lvs_id")?.status, .removed("in 1.x it named the director in alerts; renamed router_id in 1.1.8, so under 2.x router_id stays the host name (write router_id VALUE to keep the name)"))
        XCTAssertEqual(t.lookup(.vrrp_instance, "virtual_router_id")?.max, 255)
        XCTAssertNil(t.lookup(.vrrp_instance, "Priority"), "keywords are case-sensitive")
        XCTAssertEqual(t.suggestion(for: "priorty", in: .vrrp_instance), "priority")
        XCTAssertEqual(t.suggestion(for: "tcp_check", in: .real_server), "TCP_CHECK")
    }

    func testGrammarParserRejectsMalformedRows() {
        let bad = "## context root\n\n| keyword | kind |\n|---|---|\n| x | value | 1 | int | 1..2 | - | - | - | - |\n"
        XCTAssertThrowsError(try GrammarGen.parse(bad))
        let badKind = "## context root\n| x | weird | 1 | int | - | - | - | - | - | s |\n"
        XCTAssertThrowsError(try GrammarGen.render(try GrammarGen.parse(badKind)))
    }
}
