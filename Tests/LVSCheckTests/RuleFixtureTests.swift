import Foundation
import XCTest
@testable import LVSCheck
import LVSModel
import LVSCommands

/// Every rule has a fixture that triggers it exactly where its `# expect:` lines say, and a
/// corrected fixture on which lvsc reports nothing at all.
final class RuleFixtureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let rulesDir = root.appendingPathComponent("Fixtures/rules")

    struct Expectation: Hashable, CustomStringConvertible {
        var file: String
        var rule: String
        var line: Int
        /// A consequence reported at note severity (`# expect: RULE LINE note`).
        var note = false
        var description: String { "\(file):\(line) \(rule)\(note ? " note" : "")" }
    }

    func lint(_ path: String, configID: String? = nil) throws -> (SourceManager, [Diagnostic]) {
        let sources = SourceManager()
        let bytes = try XCTUnwrap(try? ConfigParser.readAll(path).get(), "cannot read \(path)")
        let file = sources.add(path: path, bytes: bytes)
        return (sources, Linter(sources: sources).lint(file: file, configID: configID).diagnostics)
    }

    /// `# expect: RULE LINE [note]` in bad.conf, `# expect-here: RULE LINE` in any other file of the folder.
    func expectations(in dir: URL) throws -> Set<Expectation> {
        var out = Set<Expectation>()
        let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "conf" {
            let name = url.path.replacingOccurrences(of: dir.path + "/", with: "")
            let marker = name == "bad.conf" ? "# expect: " : "# expect-here: "
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where line.hasPrefix(marker) {
                let parts = line.dropFirst(marker.count).split(separator: " ")
                out.insert(Expectation(file: name, rule: String(parts[0]), line: Int(parts[1])!, note: parts.count > 2 && parts[2] == "note"))
            }
        }
        return out
    }

    static let fileRules = RuleCatalog.all.filter { $0.scope == .file || $0.scope == .both }

    func testEveryRuleHasTriggeringAndCleanFixtures() throws {
        for rule in Self.fileRules {
            let dir = Self.rulesDir.appendingPathComponent(rule.id.rawValue)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.conf").path), "no bad.conf for \(rule.id)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("good.conf").path), "no good.conf for \(rule.id)")
            let exp = try expectations(in: dir)
            XCTAssertTrue(exp.contains { $0.rule == rule.id.rawValue }, "bad.conf of \(rule.id) expects no \(rule.id) finding")
        }
    }

    func testBadFixturesTriggerExactlyTheExpectedFindings() throws {
        for rule in Self.fileRules {
            let dir = Self.rulesDir.appendingPathComponent(rule.id.rawValue)
            let expected = try expectations(in: dir)
            let (sources, diags) = try lint(dir.appendingPathComponent("bad.conf").path)
            let rules = Set(expected.map(\.rule))
            var got = Set<Expectation>()
            for d in diags where rules.contains(d.rule.rawValue) {
                guard let span = d.span else { XCTFail("\(d.rule) without location: \(d.message)"); continue }
                let r = sources.resolve(span)
                got.insert(Expectation(file: r.path.replacingOccurrences(of: dir.path + "/", with: ""), rule: d.rule.rawValue, line: r.line,
                                       note: d.severity == .note))
            }
            XCTAssertEqual(got, expected, "rule \(rule.id): findings differ from the fixture's expect lines")
            for d in diags { XCTAssertNotNil(RuleCatalog.rule(d.rule), "rule id \(d.rule) is not in the catalog") }
        }
    }

    func testGoodFixturesAreClean() throws {
        for rule in Self.fileRules {
            let path = Self.rulesDir.appendingPathComponent(rule.id.rawValue).appendingPathComponent("good.conf").path
            let (_, diags) = try lint(path)
            // A finding an lvsc-ignore comment silences is not reported.
            let findings = diags.filter { $0.isActive && ($0.severity != .note || $0.rule == rule.id) }
            XCTAssertEqual(findings.map { "\($0.rule): \($0.message)" }, [], "good.conf of \(rule.id) is not clean")
        }
    }

    /// The seed's configuration (HOWTO section 3) gets the warnings it deserves, and no error.
    func testSeedDirectorsLintWithTheirWarnings() throws {
        for name in ["lvs01.conf", "lvs02.conf"] {
            let path = Self.root.appendingPathComponent("Fixtures/archive/\(name)").path
            let (sources, diags) = try lint(path)
            let summary = diags.map { "\($0.severity.name) \($0.rule) \(sources.resolve($0.span!).line)" }
            XCTAssertEqual(summary, [
                "warning deprecated-keyword 8",
                "warning sync-group-member 15",
                "warning auth-cleartext 29",
            ], name)
        }
    }

    func testREADMEListsEveryRule() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        for rule in RuleCatalog.all {
            XCTAssertTrue(readme.contains("| `\(rule.id)` | \(rule.severity.name) | \(rule.summary) |"), "README's rule table lacks \(rule.id)")
        }
    }

    /// Every rule of the catalog has its typed id, and every typed id a rule.
    func testRuleIDsAreTheCatalog() {
        XCTAssertEqual(RuleCatalog.all.map(\.id), RuleID.all)
        XCTAssertEqual(Set(RuleID.all.map(\.rawValue)).count, RuleID.all.count)
        XCTAssertEqual(RuleID(named: "vip-clash"), .vipClash)
        XCTAssertNil(RuleID(named: "vip_clash"))
    }

    func testExplainHasEveryRule() {
        for rule in RuleCatalog.all {
            let out = ExplainCommand.run(rule.id.rawValue)
            XCTAssertEqual(out.exitCode, .clean)
            XCTAssertTrue(out.stdout.string.hasPrefix(rule.id.rawValue), rule.id.rawValue)
            XCTAssertGreaterThan(rule.explanation.count, 80, "explanation of \(rule.id) is too thin")
        }
        XCTAssertEqual(ExplainCommand.run("no-such-rule").exitCode, .usage)
    }
}
