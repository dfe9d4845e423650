import Foundation
import XCTest
@testable import LVSCheck
import LVSModel
import LVSCommands

/// Every cluster rule has a fixture cluster (Fixtures/cluster-rules/ID/bad) that triggers it
/// exactly on the lines its `# expect-here: RULE LINE` comments name, and a corrected one
/// (…/good) on which lvsc reports nothing.
final class ClusterRuleFixtureTests: XCTestCase {
    static let root = RuleFixtureTests.root
    static let dir = root.appendingPathComponent("Fixtures/cluster-rules")
    static let clusterRules = RuleCatalog.all.filter { $0.scope == .cluster || $0.scope == .both }

    func lint(_ folder: URL) throws -> (SourceManager, [Diagnostic]) {
        let sources = SourceManager()
        let cluster = try ClusterLoader.load(inventoryPath: folder.appendingPathComponent("cluster.txt").path, sources: sources).get()
        return (sources, ClusterLinter(sources: sources).lint(cluster).diagnostics)
    }

    func expectations(in dir: URL) throws -> Set<RuleFixtureTests.Expectation> {
        var out = Set<RuleFixtureTests.Expectation>()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("# expect-here: ") {
                let parts = line.dropFirst("# expect-here: ".count).split(separator: " ")
                out.insert(.init(file: name, rule: String(parts[0]), line: Int(parts[1])!))
            }
        }
        return out
    }

    func testEveryClusterRuleHasFixtures() throws {
        XCTAssertGreaterThan(Self.clusterRules.count, 15)
        for rule in Self.clusterRules {
            let bad = Self.dir.appendingPathComponent(rule.id.rawValue).appendingPathComponent("bad")
            let good = Self.dir.appendingPathComponent(rule.id.rawValue).appendingPathComponent("good")
            XCTAssertTrue(FileManager.default.fileExists(atPath: bad.appendingPathComponent("cluster.txt").path), "no bad cluster for \(rule.id)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: good.appendingPathComponent("cluster.txt").path), "no good cluster for \(rule.id)")
            XCTAssertTrue(try expectations(in: bad).contains { $0.rule == rule.id.rawValue }, "bad cluster of \(rule.id) expects no \(rule.id) finding")
        }
    }

    func testBadClustersTriggerExactlyTheExpectedFindings() throws {
        for rule in Self.clusterRules {
            let bad = Self.dir.appendingPathComponent(rule.id.rawValue).appendingPathComponent("bad")
            let expected = try expectations(in: bad)
            let (sources, diags) = try lint(bad)
            let rules = Set(expected.map(\.rule))
            var got = Set<RuleFixtureTests.Expectation>()
            for d in diags where rules.contains(d.rule.rawValue) {
                guard let span = d.span else { XCTFail("\(d.rule) without location: \(d.message)"); continue }
                let r = sources.resolve(span)
                got.insert(.init(file: URL(fileURLWithPath: r.path).lastPathComponent, rule: d.rule.rawValue, line: r.line))
            }
            XCTAssertEqual(got, expected, "cluster rule \(rule.id): findings differ from the fixture's expect-here lines")
            for d in diags { XCTAssertNotNil(RuleCatalog.rule(d.rule), "rule id \(d.rule) is not in the catalog") }
        }
    }

    func testGoodClustersAreClean() throws {
        for rule in Self.clusterRules {
            let (_, diags) = try lint(Self.dir.appendingPathComponent(rule.id.rawValue).appendingPathComponent("good"))
            XCTAssertEqual(diags.filter { $0.severity != .note }.map { "\($0.rule): \($0.message)" }, [], "good cluster of \(rule.id) is not clean")
        }
    }

    /// Findings relating two directors carry the other director's line as a related location.
    func testDriftPointsAtBothFiles() throws {
        let (sources, diags) = try lint(Self.dir.appendingPathComponent("peer-config-drift/bad"))
        let drift = diags.filter { $0.rule == .peerConfigDrift }
        XCTAssertFalse(drift.isEmpty)
        for d in drift {
            XCTAssertTrue(sources.resolve(d.span!).path.hasSuffix("lvs02.conf"), d.message)
            XCTAssertEqual(d.related.map { URL(fileURLWithPath: sources.resolve($0.span).path).lastPathComponent }, ["lvs01.conf"], d.message)
        }
    }

    /// The seed's cluster (HOWTO sections 3 and 6) lints without errors, with the warnings its
    /// template earns: a 1.x keyword, a sync group of one, cleartext auth, the shared lvs_id and
    /// the shared priority of MASTER and BACKUP.
    func testSeedClusterLintsWithItsWarnings() throws {
        let (sources, diags) = try lint(Self.root.appendingPathComponent("Fixtures/archive"))
        let summary = diags.map { "\($0.severity.name) \($0.rule) \(URL(fileURLWithPath: sources.resolve($0.span!).path).lastPathComponent):\(sources.resolve($0.span!).line)" }
        XCTAssertEqual(summary, [
            "warning deprecated-keyword lvs01.conf:8",
            "warning sync-group-member lvs01.conf:15",
            "warning auth-cleartext lvs01.conf:29",
            "warning deprecated-keyword lvs02.conf:8",
            "warning sync-group-member lvs02.conf:15",
            "warning master-backup-mismatch lvs02.conf:26",
            "warning auth-cleartext lvs02.conf:29",
        ])
    }

    /// Two directors reading one shared file through @id lines: each gets its own variant.
    func testSharedFileIsReadPerDirector() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-shared-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let inv = try String(contentsOf: Self.dir.appendingPathComponent("peer-config-drift/good/cluster.txt"), encoding: .utf8)
            .replacingOccurrences(of: "conf=lvs01.conf", with: "conf=shared.conf")
            .replacingOccurrences(of: "conf=lvs02.conf", with: "conf=shared.conf")
        try inv.write(to: tmp.appendingPathComponent("cluster.txt"), atomically: true, encoding: .utf8)
        let conf = try String(contentsOf: Self.dir.appendingPathComponent("peer-config-drift/good/lvs01.conf"), encoding: .utf8)
            .replacingOccurrences(of: "    router_id lvs01\n", with: "@lvs01 router_id lvs01\n@lvs02 router_id lvs02\n")
            .replacingOccurrences(of: "    state MASTER\n", with: "@lvs01 state MASTER\n@lvs02 state BACKUP\n")
            .replacingOccurrences(of: "    priority 150\n", with: "@lvs01 priority 150\n@lvs02 priority 150\n")
        try conf.write(to: tmp.appendingPathComponent("shared.conf"), atomically: true, encoding: .utf8)
        let (sources, diags) = try lint(tmp)
        // lvs02's @ line against lvs01's: the variants were told apart.
        XCTAssertEqual(diags.map { "\($0.rule) \(sources.resolve($0.span!).line) \($0.related.map { sources.resolve($0.span).line })" },
                       ["master-backup-mismatch 14 [13]"], diags.map(\.message).joined(separator: "\n"))
    }
}
