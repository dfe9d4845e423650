import Foundation
import LVSCommands
import XCTest

/// Every rule the emitters report has a fixture that triggers it and one that does not:
/// Fixtures/emit-rules/ID/{bad,good}/, each with `args`, the lvsc command run in that folder.
final class EmitRuleFixtureTests: XCTestCase {
    static let dir = repositoryRoot.appendingPathComponent("Fixtures/emit-rules")

    func run(_ folder: URL) throws -> LVSCRun {
        let args = try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8)
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        return try runProcess(lvscBinary, args, in: folder)
    }

    func testEveryEmitRuleHasFixturesThatTriggerItAndNot() throws {
        let rules = RuleCatalog.all.filter { $0.scope == .emit }
        XCTAssertGreaterThanOrEqual(rules.count, 5)
        for rule in rules {
            let base = Self.dir.appendingPathComponent(rule.id.rawValue)
            let bad = try run(base.appendingPathComponent("bad"))
            XCTAssertTrue(bad.stderr.contains("[\(rule.id)]"), "bad fixture of \(rule.id) does not report it:\n\(bad.stderr)")
            XCTAssertTrue(bad.stderr.contains("\(rule.severity.name): "), "\(rule.id) is not reported as a \(rule.severity.name):\n\(bad.stderr)")
            let good = try run(base.appendingPathComponent("good"))
            XCTAssertEqual(good.status, 0, good.stderr)
            XCTAssertFalse(good.stderr.contains("[\(rule.id)]"), "good fixture of \(rule.id) reports it:\n\(good.stderr)")
        }
    }

    /// A note is also a finding: the same id, severity and text as a `Diagnostic`.
    func testEmitterNotesAreDiagnostics() {
        let note = EmitNote("quorum 2 is enforced by keepalived's checker, not by IPVS", at: nil, rule: .checkerOnly)
        let d = note.diagnostic
        XCTAssertEqual(d.rule, .checkerOnly)
        XCTAssertEqual(d.severity, .note)
        XCTAssertEqual(d.message, note.message)
        XCTAssertNotNil(RuleCatalog.rule(d.rule))
    }
}
