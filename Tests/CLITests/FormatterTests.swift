import Foundation
import XCTest
@testable import LVSCommands

/// `lvsc fmt` over every fixture and the corpus: idempotent, and the output reads to the same
/// model as the input.
final class FormatterTests: XCTestCase {
    func model(_ path: String, _ bytes: [UInt8]) -> String {
        let sources = SourceManager()
        let file = sources.add(path: path, bytes: bytes)
        let json = ModelJSON(sources: sources, includeLocations: false)
        return FrontEnd.read(file: file, sources: sources, configID: nil).map { json.config($0.config).rendered() }.joined(separator: "\n")
    }

    func check(_ path: String) throws -> Bool {
        let bytes = try XCTUnwrap(try? ConfigParser.readAll(path).get())
        let sources = SourceManager()
        let variants = FrontEnd.read(file: sources.add(path: path, bytes: bytes), sources: sources, configID: nil)
        if variants.contains(where: { $0.diagnostics.items.contains { $0.rule == "syntax" } }) { return false }
        let once = KeepalivedFormatter.format(bytes)
        XCTAssertEqual(KeepalivedFormatter.format(once), once, "fmt is not idempotent on \(path)")
        XCTAssertEqual(model(path, once), model(path, bytes), "fmt changes the model of \(path)")
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
