import Foundation
import XCTest
@testable import LVSCommands

/// `lvsc fmt` over every fixture and the corpus: idempotent, and the output reads to the same
/// model as the input.
final class FormatterTests: XCTestCase {
    /// The model under no config id and under every id the original names.
    func model(_ path: String, _ bytes: [UInt8], ids: [String]? = nil) -> [String] {
        KeepalivedFormatter.readings(bytes, path: path, ids: ids).models
    }

    func check(_ path: String) throws -> Bool {
        let bytes = try XCTUnwrap(try? ConfigParser.readAll(path).get())
        let sources = SourceManager()
        let variants = FrontEnd.read(file: sources.add(path: path, bytes: bytes), sources: sources, configID: nil)
        if variants.contains(where: { $0.diagnostics.items.contains { $0.rule == .syntax } }) { return false }
        let once = KeepalivedFormatter.format(bytes)
        XCTAssertEqual(KeepalivedFormatter.format(once), once, "fmt is not idempotent on \(path)")
        let ids = KeepalivedFormatter.readings(bytes, path: path, ids: nil).ids
        XCTAssertEqual(model(path, once, ids: ids), model(path, bytes, ids: ids), "fmt changes the model of \(path)")
        guard case .success(let checked) = KeepalivedFormatter.formatPreservingModel(bytes, path: path) else {
            XCTFail("fmt refuses \(path)"); return true
        }
        XCTAssertEqual(checked, once)
        return true
    }

    func confFiles(under dir: URL) -> [String] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { ($0 as? URL)?.path }.filter { $0.hasSuffix(".conf") }.sorted()
    }

    func testFixtures() throws {
        var n = 0
        for p in confFiles(under: repositoryRoot.appendingPathComponent("Fixtures")) where try check(p) { n += 1 }
        XCTAssertGreaterThan(n, 60)
    }

    func testCorpus() throws {
        let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        guard FileManager.default.fileExists(atPath: corpus.path) else {
            print("FormatterTests.testCorpus: skipped, ../shared/corpus is absent")
            throw XCTSkip("../shared/corpus is absent")
        }
        var n = 0
        let files = FileManager.default.enumerator(at: corpus.appendingPathComponent("keepalived-samples"), includingPropertiesForKeys: [.isRegularFileKey])!
            .compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .map(\.path).sorted()
        for p in files where try check(p) { n += 1 }
        XCTAssertGreaterThan(n, 20)
        print("FormatterTests.testCorpus: \(n) corpus files formatted and re-read to the same model")
    }

    /// Carriage returns are blanks to keepalived: a line of them is an empty line, and CRLF files
    /// come out with LF (found by the fuzzer: a line of several CRs lost one per pass).
    func testCarriageReturnsAreBlanks() {
        let input = Array("a {\r\r\r\r\r\n  b 1\r\n}\r\n".utf8)
        let once = KeepalivedFormatter.format(input)
        XCTAssertEqual(String(decoding: once, as: UTF8.self), "a {\n    b 1\n}\n")
        XCTAssertEqual(KeepalivedFormatter.format(once), once)
    }

    /// A backslash escapes only `#` and `!`, as in the parser; before a blank it is a word of its
    /// own (found by the fuzzer: `\\ }` was read as an escaped blank and changed on each pass).
    func testBackslashesEscapeOnlyCommentCharacters() {
        let input = Array("a \\\\\\ {\n  b x\\#y \\!z # c\n}\n".utf8)
        let once = KeepalivedFormatter.format(input)
        XCTAssertEqual(String(decoding: once, as: UTF8.self), "a \\\\\\ {\n    b x\\#y \\!z  # c\n}\n")
        XCTAssertEqual(KeepalivedFormatter.format(once), once)
    }

    /// Lines the preprocessor rewrites keep their text, so `${NAME}`, brace globs, one-line
    /// `@id` blocks and words after `{` that would be directives at a line's start all read
    /// the same after formatting, under every config id (the old formatter broke each).
    func testPreprocessorLinesKeepTheirMeaning() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-fmt-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("vrrp_instance X {\n state MASTER\n}\n".utf8).write(to: dir.appendingPathComponent("x.conf"))
        try Data("global_defs {\n router_id y\n}\n".utf8).write(to: dir.appendingPathComponent("y.conf"))
        let input = """
            $IFACE=eth0
            $PRI=150
            include {x,y}.conf
            @lvs01 vrrp_instance A { state MASTER }
            @^lvs01 vrrp_instance A { state BACKUP }
            vrrp_instance B { interface ${IFACE}
              priority ${PRI}
            }
            global_defs { $Z=1
              router_id  r$Z
            }
            global_defs { include y.conf
            }
            global_defs { @lvs01 notification_email_from a@example.org
            }

            """
        let path = dir.appendingPathComponent("t.conf").path
        let bytes = Array(input.utf8)
        let once = KeepalivedFormatter.format(bytes)
        XCTAssertEqual(KeepalivedFormatter.format(once), once)
        let ids = KeepalivedFormatter.readings(bytes, path: path, ids: nil).ids
        XCTAssertEqual(ids, ["lvs01"])
        XCTAssertEqual(model(path, once, ids: ids), model(path, bytes, ids: ids))
        let text = String(decoding: once, as: UTF8.self)
        for line in ["include {x,y}.conf", "@lvs01 vrrp_instance A { state MASTER }", "vrrp_instance B { interface ${IFACE}", "    priority ${PRI}", "global_defs { $Z=1"] {
            XCTAssertTrue(text.contains(line + "\n"), "\(line) not kept:\n\(text)")
        }
        guard case .success = KeepalivedFormatter.formatPreservingModel(bytes, path: path) else { return XCTFail("refused") }
    }

    /// The guard itself: a formatting that changes the reading under one config id is refused.
    func testAFormattingThatChangesTheModelIsRefused() {
        let input = Array("@lvs01 global_defs { router_id a }\nglobal_defs {\n router_id b\n}\n".utf8)
        let breaking: ([UInt8]) -> [UInt8] = { _ in Array("@lvs01 global_defs {\nrouter_id a\n}\nglobal_defs {\n router_id b\n}\n".utf8) }
        guard case .failure(let r) = KeepalivedFormatter.formatPreservingModel(input, path: "t.conf", using: breaking) else {
            return XCTFail("a changed model was accepted")
        }
        XCTAssertNil(r.configID, "without an id the split line's router_id now applies")
    }

    func testLayout() {
        let input = "global_defs {   router_id  x   # name\n}\n\n\n\nvrrp_instance VI_1 { state MASTER\n  virtual_ipaddress { 192.0.2.1/24 }\n    # trailing comment line\n}\n"
        XCTAssertEqual(String(decoding: KeepalivedFormatter.format(Array(input.utf8)), as: UTF8.self), """
            global_defs {
                router_id x  # name
            }

            vrrp_instance VI_1 {
                state MASTER
                virtual_ipaddress {
                    192.0.2.1/24
                }
                # trailing comment line
            }

            """)
    }
}
