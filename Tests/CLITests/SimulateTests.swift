import Foundation
import XCTest
import LVSCheck
import LVSModel
import LVSSimulate
import VRRP

/// `lvsc simulate` on the bundled clusters: the directors' own VRRP engines on a simulated LAN
/// give the protocol's answers (who becomes MASTER, after how long, what a recovery does), and
/// every single-failure rule has a cluster that triggers it and one that does not.
final class SimulateTests: XCTestCase {
    func model(_ folder: String) throws -> (SimulationModel, Cluster, SourceManager) {
        let sources = SourceManager()
        let cluster = try ClusterLoader.load(inventoryPath: repositoryRoot.appendingPathComponent(folder + "/cluster.txt").path, sources: sources).get()
        return (SimulationModel.build(cluster), cluster, sources)
    }

    func director(_ m: SimulationModel, _ name: String) -> Int { m.directors.firstIndex { $0.name == name }! }

    func group(_ m: SimulationModel, _ name: String) -> Int { m.groups.firstIndex { $0.name == name }! }

    func masters(_ m: SimulationModel, _ s: SimSnapshot, _ g: String) -> [String] {
        s.groups[group(m, g)].masters.map { m.directors[$0].name }
    }

    /// The seed's pair: lvs01 (state MASTER) and lvs02 at equal priority 100.
    func testSeedClusterKillStopAndRecovery() throws {
        let (m, _, _) = try model("Fixtures/archive-doc")
        let sim = Simulator(model: m)
        let lvs01 = director(m, "lvs01")
        // Killed: lvs02 waits the master-down interval, 3 × 1 s + (256 − 100)/256 s.
        let kill = sim.run([.directorDown(lvs01)], recover: true)
        XCTAssertEqual(masters(m, kill.before, "VI_Z"), ["lvs01"])
        XCTAssertEqual(masters(m, kill.after, "VI_Z"), ["lvs02"])
        let moved = try XCTUnwrap(kill.moves.first)
        XCTAssertEqual(moved.seconds ?? 0, 3.609, accuracy: 0.002)
        XCTAssertEqual(moved.reason, "no advert for the master-down interval (3.609 s)")
        // Back: lvs01 starts as MASTER, meets lvs02 at the same priority and yields to the
        // higher address (198.51.100.12): lvs02 keeps the VIP, lvs01 held it briefly too.
        XCTAssertEqual(masters(m, try XCTUnwrap(kill.recovered), "VI_Z"), ["lvs02"])
        XCTAssertTrue(kill.recoveryMoves.isEmpty)
        let brief = try XCTUnwrap(kill.recoveryTransients.first)
        XCTAssertEqual(m.directors[brief.director].name, "lvs01")
        XCTAssertGreaterThan(brief.seconds, 0)
        XCTAssertLessThanOrEqual(brief.seconds, 1.001)
        // Stopped: priority 0, lvs02 waits only its skew time.
        let stop = sim.run([.directorStopped(lvs01)])
        XCTAssertEqual(masters(m, stop.after, "VI_Z"), ["lvs02"])
        XCTAssertEqual(stop.moves.first?.seconds ?? 0, 0.609, accuracy: 0.002)
        XCTAssertEqual(stop.moves.first?.reason, "the MASTER resigned (priority 0); skew time 0.609 s")
        // The service follows the VIP; connections do not (no lvs_sync_daemon).
        XCTAssertEqual(stop.before.services[0].servedBy, lvs01)
        XCTAssertEqual(stop.after.services[0].servedBy, director(m, "lvs02"))
        XCTAssertEqual(stop.after.services[0].liveServers.count, 3)
    }

    /// The example cluster: a sync group (web VIPs and the NAT gateway), nopreempt for mail,
    /// unicast DNS with a weighted script.
    func testExampleClusterSyncGroupNopreemptAndScriptWeight() throws {
        let (m, _, _) = try model("Fixtures/examples/shop")
        let sim = Simulator(model: m)
        let lb1 = director(m, "lb1")
        // The back link: VI_GW to FAULT, its sync group takes VI_WEB along (priority 0 on the
        // front LAN: lb2 after its skew time); mail and DNS stay. The link back: lb1 preempts
        // (after the master-down interval: lb2's lower-priority adverts do not hold it back).
        let link = sim.run([.linkDown(lb1, "eth1")], recover: true)
        for g in ["VI_WEB", "VI_GW"] {
            XCTAssertEqual(masters(m, link.before, g), ["lb1"], g)
            XCTAssertEqual(masters(m, link.after, g), ["lb2"], g)
            XCTAssertEqual(masters(m, try XCTUnwrap(link.recovered), g), ["lb1"], g)
        }
        XCTAssertEqual(link.after.groups[group(m, "VI_GW")].members.first { $0.ref.director == lb1 }?.state, .fault)
        XCTAssertEqual(link.moves.first { $0.group == group(m, "VI_WEB") }?.seconds ?? 0, 0.609, accuracy: 0.002)
        XCTAssertEqual(link.recoveryMoves.first { $0.group == group(m, "VI_WEB") }?.seconds ?? 0, 3.0 + 106.0 / 256, accuracy: 0.002)
        for g in ["VI_MAIL", "VI_DNS"] { XCTAssertEqual(masters(m, link.after, g), ["lb1"], g) }
        XCTAssertTrue(link.splitSyncGroups.isEmpty)
        // lb1 dies and comes back: everything to lb2; back, lb1 preempts all but mail (nopreempt).
        let kill = sim.run([.directorDown(lb1)], recover: true)
        for g in ["VI_WEB", "VI_GW", "VI_MAIL", "VI_DNS"] { XCTAssertEqual(masters(m, kill.after, g), ["lb2"], g) }
        let back = try XCTUnwrap(kill.recovered)
        for g in ["VI_WEB", "VI_GW", "VI_DNS"] { XCTAssertEqual(masters(m, back, g), ["lb1"], g) }
        XCTAssertEqual(masters(m, back, "VI_MAIL"), ["lb2"], "nopreempt keeps mail on lb2")
        // chk_dns fails on lb1: weight −60 takes VI_DNS to 90, below lb2's 100; unicast peers
        // list each other, so lb1 hears lb2 and yields.
        let script = sim.run([.scriptFails(lb1, "chk_dns")])
        XCTAssertEqual(masters(m, script.after, "VI_DNS"), ["lb2"])
        XCTAssertEqual(script.after.groups[group(m, "VI_DNS")].members.first { $0.ref.director == lb1 }?.priority, 90)
        XCTAssertEqual(masters(m, script.after, "VI_WEB"), ["lb1"])
        // Real servers: www1 and www2 fail; both web services keep ten of twelve.
        let rs = sim.run([.realServerDown(IPAddress.parse("198.51.100.101")!), .realServerDown(IPAddress.parse("198.51.100.102")!)])
        let web = try XCTUnwrap(m.services.firstIndex { $0.label == "TCP 203.0.113.10:80" })
        XCTAssertEqual(rs.after.services[web].liveServers.count, 10)
        XCTAssertEqual(rs.after.services[web].liveWeight, 10)
        XCTAssertEqual(rs.after.services[web].servedBy, lb1)
        // No single failure loses anything.
        let sweep = SingleFailureSweep(sim)
        XCTAssertEqual(sweep.directorFailures, 2)
        XCTAssertEqual(sweep.linkFailures, 4)
        XCTAssertEqual(sweep.realServerFailures, 30)
        XCTAssertTrue(sweep.findings.isEmpty, sweep.findings.map(\.message).joined(separator: "\n"))
    }

    /// Fixtures/simulate-rules/RULE/bad triggers RULE exactly on the lines its `# expect-here`
    /// comments name; …/good gives no finding at all.
    func testEverySimulateRuleHasFixturesThatTriggerItExactly() throws {
        let rules = RuleCatalog.all.filter { $0.scope == .simulate }
        XCTAssertEqual(Set(rules.map(\.id.rawValue)), Set(SimFinding.Kind.allCases.map(\.rule.rawValue)))
        for rule in rules {
            let base = "Fixtures/simulate-rules/\(rule.id.rawValue)"
            let (bad, _, badSources) = try model(base + "/bad")
            var expected = Set<String>()
            let folder = repositoryRoot.appendingPathComponent(base + "/bad")
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("# expect-here: ") {
                    let parts = line.dropFirst("# expect-here: ".count).split(separator: " ")
                    expected.insert("\(name) \(parts[0]) \(parts[1])")
                }
            }
            XCTAssertFalse(expected.isEmpty, "\(rule.id): the bad cluster expects nothing")
            let sweep = SingleFailureSweep(Simulator(model: bad))
            let got = Set(sweep.findings.map { f -> String in
                guard let span = f.span else { return "(no line) \(f.rule) \(f.message)" }
                let r = badSources.resolve(span)
                return "\(URL(fileURLWithPath: r.path).lastPathComponent) \(f.rule) \(r.line)"
            })
            XCTAssertEqual(got, expected, "\(rule.id): " + sweep.findings.map(\.message).joined(separator: "; "))
            let (good, _, _) = try model(base + "/good")
            let clean = SingleFailureSweep(Simulator(model: good))
            XCTAssertTrue(clean.findings.isEmpty, "\(rule.id) good: " + clean.findings.map(\.message).joined(separator: "; "))
            // lvsc explain knows it.
            let explained = try runLVSC(["explain", rule.id.rawValue])
            XCTAssertEqual(explained.status, 0)
            XCTAssertTrue(explained.stdout.hasPrefix("\(rule.id.rawValue) ("), explained.stdout)
        }
    }

    /// The command: text, JSON, exit statuses, bad options.
    func testCommandLine() throws {
        let seed = "Fixtures/archive-doc/cluster.txt"
        let down = try runLVSC(["simulate", "--inventory", seed, "--down", "lvs01"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertTrue(down.stdout.contains("moved:     lvs01 -> lvs02 after 3.609 s: no advert for the master-down interval (3.609 s)"), down.stdout)
        XCTAssertTrue(down.stdout.contains("connections: lost on takeover (no lvs_sync_daemon on both directors)"), down.stdout)
        XCTAssertTrue(down.stdout.hasSuffix("Nothing is lost.\n"), down.stdout)
        // Why each is where it is: state MASTER at start-up, and on the way back the tie-break
        // of equal priorities by the higher address.
        let back = try runLVSC(["simulate", "--inventory", seed, "--down", "lvs01", "--recover"])
        XCTAssertTrue(back.stdout.contains("before:    lvs01 MASTER (priority 100; configured state MASTER), lvs02 BACKUP (priority 100)"), back.stdout)
        XCTAssertTrue(back.stdout.contains("recovered: lvs01 BACKUP (priority 100; advert with equal priority 100 from the higher address 198.51.100.12)"), back.stdout)
        XCTAssertTrue(back.stdout.contains("briefly:   lvs01 was MASTER for "), back.stdout)
        let json = try runLVSC(["simulate", "--inventory", seed, "--stop", "lvs01", "--recover", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let moves = try XCTUnwrap(object["moves"] as? [[String: Any]])
        XCTAssertEqual(moves.first?["to"] as? [String], ["lvs02"])
        XCTAssertEqual(moves.first?["seconds"] as? Double, 0.609)
        XCTAssertNotNil(object["recovered"])
        XCTAssertEqual(object["lost"] as? [String], [])
        // Both directors down: the VIP and the service are lost (exit 1).
        let both = try runLVSC(["simulate", "--inventory", seed, "--down", "lvs01", "--down", "lvs02"])
        XCTAssertEqual(both.status, 1)
        XCTAssertTrue(both.stdout.contains("VI_Z: no director holds 198.51.100.241"), both.stdout)
        XCTAssertTrue(both.stdout.contains("TCP 198.51.100.241:80: no director serves it"), both.stdout)
        // A real server by its inventory name; all three: the service has none left.
        let one = try runLVSC(["simulate", "--inventory", seed, "--real-server-down", "www1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stdout.contains("real servers 2/3, weight 2/3, quorum 1 up"), one.stdout)
        XCTAssertTrue(one.stdout.contains("connections: those to the 1 failed real server lost"), one.stdout)
        let all = try runLVSC(["simulate", "--inventory", seed, "--real-server-down", "www1", "--real-server-down", "www4", "--real-server-down", "198.51.100.86"])
        XCTAssertEqual(all.status, 1)
        XCTAssertTrue(all.stdout.contains("TCP 198.51.100.241:80: no real server left"), all.stdout)
        // Single failures: the seed has one of each kind of director, link and real server, and
        // nothing lost by one of them; a cluster with a single point of failure exits 1.
        let sweep = try runLVSC(["simulate", "--inventory", seed, "--all-single-failures"])
        XCTAssertEqual(sweep.status, 0, sweep.stdout + sweep.stderr)
        XCTAssertTrue(sweep.stdout.contains("failed one at a time: 2 directors, 2 links, 3 real servers"), sweep.stdout)
        let spof = try runLVSC(["simulate", "--inventory", "Fixtures/simulate-rules/spof-no-takeover/bad/cluster.txt", "--all-single-failures", "--format", "json"])
        XCTAssertEqual(spof.status, 1)
        let findings = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(spof.stdout.utf8)) as? [String: Any])?["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.map { $0["rule"] as? String }, ["spof-no-takeover"])
        XCTAssertEqual(findings.first?["location"] as? String, "Fixtures/simulate-rules/spof-no-takeover/bad/lb1.conf:17:15")
        // Bad options: exit 2 with the reason.
        for (args, says) in [(["--down", "lvs09"], "--down lvs09: not a director of the cluster (directors: lvs01, lvs02)"),
                             (["--link-down", "lvs01:eth7"], "lvs01 neither runs nor tracks a VRRP instance on eth7"),
                             (["--script-fails", "lvs01:chk"], "--script-fails lvs01:chk: give HOST:SCRIPT"),
                             (["--real-server-down", "nosuch"], "neither an address nor a host of the inventory"),
                             (["--all-single-failures", "--down", "lvs01"], "give no failure options with it")] {
            let r = try runLVSC(["simulate", "--inventory", seed] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains(says), "\(args): \(r.stderr)")
        }
        let missing = try runLVSC(["simulate", "--inventory", "Fixtures/nosuch/cluster.txt"])
        XCTAssertEqual(missing.status, 2)
    }
}
