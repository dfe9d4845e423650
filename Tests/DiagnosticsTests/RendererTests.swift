import XCTest
@testable import Diagnostics

final class RendererTests: XCTestCase {
    func testTextExcerptAndCaretFollowTabs() {
        let sources = SourceManager()
        let f = sources.add(path: "k.conf", bytes: Array("a {\n\tpriority 300\n}\n".utf8))
        let d = Diagnostic(rule: .valueRange, severity: .error, message: "bad", span: SourceSpan(file: UInt32(f.id), offset: 14, length: 3), hint: "use 1..255")
        let text = TextRenderer(sources: sources, color: false).render([d])
        XCTAssertEqual(text, "k.conf:2:11: error: bad [value-range]\n 2 | \tpriority 300\n   | \t         ^~~\n  hint: use 1..255\n")
    }

    func testGarbageBytesAreEscapedInExcerpts() {
        let sources = SourceManager()
        let f = sources.add(path: "g", bytes: [0xFF, 0x41, 0x1B, 0x0A])
        let d = Diagnostic(rule: .syntax, severity: .error, message: "m", span: SourceSpan(file: UInt32(f.id), offset: 0, length: 1))
        XCTAssertTrue(TextRenderer(sources: sources, color: false).render([d]).contains(" 1 | \\xFFA\\x1B\n"))
    }

    func testJSONEscaping() {
        XCTAssertEqual(JSON.string("a\"b\\\n\u{1}").rendered(), "\"a\\\"b\\\\\\n\\u0001\"")
    }

    func testGitHubEscaping() {
        let sources = SourceManager()
        let f = sources.add(path: "a,b:c", bytes: Array("x\n".utf8))
        let d = Diagnostic(rule: .syntax, severity: .note, message: "50% done\nnext", span: SourceSpan(file: UInt32(f.id), offset: 0, length: 1))
        XCTAssertEqual(GitHubRenderer(sources: sources).render([d]),
                       "::notice file=a%2Cb%3Ac,line=1,col=1,endLine=1,endColumn=2,title=lvsc syntax::50%25 done%0Anext\n")
    }
}
