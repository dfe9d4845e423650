import ArgumentParser
import Foundation
import LVSCommands
import XCTest

/// The command layer as swift-argument-parser intends it: each command owns its options,
/// checks them in validate(), and can be driven in-process; shells complete files, folders,
/// rule ids and the inventory's host names.
final class CommandLayerTests: XCTestCase {
    func testCommandsRunInProcessFromTheirOwnOptions() throws {
        let conf = repositoryRoot.appendingPathComponent("Fixtures/archive/lvs01.conf").path
        let lint = try Lint.parse(["--format", "json", conf])
        XCTAssertEqual(lint.files, [conf])
        let out = lint.execute()
        XCTAssertEqual(out.exitCode, .clean)
        XCTAssertTrue(out.stdout.string.contains("\"rule\": \"deprecated-keyword\""), out.stdout.string)
        // validate() refuses what cannot be run, before anything is read.
        XCTAssertThrowsError(try PlanCmd.parse(["--live", "--state", "x"]))
        XCTAssertThrowsError(try EmitIPVS.parse(["--all"]))
        XCTAssertThrowsError(try EmitRCFinal.parse(["--config-path", "relative/path"]))
        XCTAssertThrowsError(try Fmt.parse(["--write", "--check", conf]))
        // The cluster options are one group, shared by every emitting command.
        let plan = try PlanCmd.parse(["--inventory", "cluster.txt", "--host", "lvs01", "--cluster", "prod"])
        XCTAssertEqual([plan.cluster.inventory, plan.cluster.host, plan.cluster.clusterName], ["cluster.txt", "lvs01", "prod"])
        XCTAssertThrowsError(try Apply.parse(["--inventory", "a", "-f", "b"]))
    }

    func testShellCompletionKnowsTheInventorysHosts() throws {
        let archive = repositoryRoot.appendingPathComponent("Fixtures/archive")
        let hosts = try runProcess(lvscBinary, ["---completion", "emit", "rc-final", "--", "--host"], in: archive)
        XCTAssertEqual(hosts.status, 0)
        XCTAssertEqual(Set(hosts.stdout.split(separator: "\n").map(String.init)).intersection(["lvs01", "lvs02", "www1"]), ["lvs01", "lvs02", "www1"])
        let script = try runProcess(lvscBinary, ["--generate-completion-script", "bash"], in: archive)
        XCTAssertEqual(script.status, 0)
        XCTAssertTrue(script.stdout.contains("--inventory"))
    }
}
