import Foundation
import XCTest

/// `lvsc graph`: every bundled cluster rendered by Graphviz (the nodes and edges of the SVG are
/// exactly those of lvsc's DOT), a PNG that is one, Mermaid with the same nodes, a simulated
/// failure drawn on the picture, and hostile names that cannot break out of a label.
final class GraphTests: XCTestCase {
    static let clusters = ["Fixtures/archive", "Fixtures/archive-doc", "Fixtures/examples/shop", "Fixtures/emit/checked", "Fixtures/emit/mixed"]

    /// Node ids and edges (`from->to`) of lvsc's DOT.
    func parseDOT(_ dot: String) -> (nodes: Set<String>, edges: [String]) {
        var nodes = Set<String>(), edges: [String] = []
        for raw in dot.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let head = line.prefix { $0 != " " && $0 != ";" }
            guard head.count > 1, head.first == "n", head.dropFirst().allSatisfy(\.isNumber) else { continue }
            if line.dropFirst(head.count).hasPrefix(" -> ") {
                let to = line.dropFirst(head.count + 4).prefix { $0 != " " && $0 != ";" }
                edges.append("\(head)->\(to)")
            } else {
                nodes.insert(String(head))
            }
        }
        return (nodes, edges)
    }

    func testGraphvizRendersEveryBundledCluster() throws {
        try requirePrecondition(access("/usr/bin/dot", X_OK) == 0, "GraphTests: Graphviz is not installed (scripts/test.sh installs it)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-graph-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        for c in Self.clusters {
            let inventory = c + "/cluster.txt"
            let dot = try runLVSC(["graph", "--inventory", inventory])
            XCTAssertEqual(dot.status, 0, "\(c): \(dot.stderr)")
            let (nodes, edges) = parseDOT(dot.stdout)
            XCTAssertFalse(nodes.isEmpty, c)
            // Graphviz's SVG has one <g class="node"> per node titled with its id, one
            // <g class="edge"> per edge titled "from->to" (escaped).
            let svgPath = work.appendingPathComponent("g.svg").path
            let svg = try runLVSC(["graph", "--inventory", inventory, "--format", "svg", "--out", svgPath])
            XCTAssertEqual(svg.status, 0, "\(c): \(svg.stderr)")
            let text = try String(contentsOfFile: svgPath, encoding: .utf8)
            let titles = text.components(separatedBy: "<title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
            let svgNodes = Set(titles.filter { !$0.contains("&#45;&gt;") && $0.hasPrefix("n") })
            let svgEdges = titles.filter { $0.contains("&#45;&gt;") }.map { $0.replacingOccurrences(of: "&#45;&gt;", with: "->") }
            XCTAssertEqual(svgNodes, nodes, c)
            XCTAssertEqual(svgEdges.sorted(), edges.sorted(), c)
            XCTAssertEqual(text.components(separatedBy: "class=\"node\"").count - 1, nodes.count, c)
            XCTAssertEqual(text.components(separatedBy: "class=\"edge\"").count - 1, edges.count, c)
            // What an operator looks for is in the picture's text.
            for dir in ["lvs01", "lvs02", "lb1", "lb2", "lvs09", "lvs20"] where dot.stdout.contains("label=\"\(dir)\\n") {
                XCTAssertTrue(text.contains(">\(dir)</text>"), "\(c): \(dir)")
            }
            // PNG: the signature and a picture of some size.
            let pngPath = work.appendingPathComponent("g.png").path
            let png = try runLVSC(["graph", "--inventory", inventory, "--format", "png", "-o", pngPath])
            XCTAssertEqual(png.status, 0, "\(c): \(png.stderr)")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pngPath)))
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], c)
            let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertGreaterThan(width, 100, c)
            XCTAssertGreaterThan(height, 50, c)
            // Mermaid: the same node ids.
            let mermaid = try runLVSC(["graph", "--inventory", inventory, "--format", "mermaid"])
            XCTAssertEqual(mermaid.status, 0)
            XCTAssertTrue(mermaid.stdout.contains("flowchart LR\n"), c)
            for n in nodes { XCTAssertTrue(mermaid.stdout.contains("  \(n)[") || mermaid.stdout.contains("  \(n)(") || mermaid.stdout.contains("  \(n)>"), "\(c): \(n)") }
        }
    }

    /// The example cluster as drawn: five VIPs, thirty real servers pooled by the services they
    /// serve, who is MASTER; after lb1 dies, lb1 is marked down and every VIP's edge to lb2 says
    /// it moved; a failed real server is named in its pool.
    func testExampleClusterAndASimulatedFailure() throws {
        let inventory = "Fixtures/examples/shop/cluster.txt"
        let plain = try runLVSC(["graph", "--inventory", inventory])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        for vip in ["203.0.113.10", "203.0.113.11", "203.0.113.20", "203.0.113.30", "198.51.100.1"] {
            XCTAssertTrue(plain.stdout.contains("label=\"\(vip)\\n"), vip)
        }
        XCTAssertTrue(plain.stdout.contains("label=\"12 real servers\\nwww1 www2 www3 www4\\nwww5 www6 www7 www8\\nwww9 www10 www11 www12\""), plain.stdout)
        XCTAssertEqual(plain.stdout.components(separatedBy: "label=\"MASTER 150").count - 1, 4, plain.stdout)
        XCTAssertEqual(plain.stdout.components(separatedBy: "label=\"BACKUP 100").count - 1, 4, plain.stdout)
        XCTAssertTrue(plain.stdout.contains("subgraph cluster_0 {\n    label=\"LAN 203.0.113.0/24\""), plain.stdout)
        let after = try runLVSC(["graph", "--inventory", inventory, "--down", "lb1", "--real-server-down", "www3"])
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertTrue(after.stdout.contains("label=\"shop: after lb1 down, real server 198.51.100.103 down\""), after.stdout)
        XCTAssertTrue(after.stdout.contains("label=\"lb1\\n203.0.113.2\\nDOWN\""), after.stdout)
        XCTAssertEqual(after.stdout.components(separatedBy: "label=\"MASTER 100 (from lb1, ").count - 1, 4, after.stdout)
        XCTAssertEqual(after.stdout.components(separatedBy: "label=\"DOWN 150").count - 1, 4, after.stdout)
        XCTAssertTrue(after.stdout.contains("DOWN: www3\""), after.stdout)
        let bad = try runLVSC(["graph", "--inventory", inventory, "--down", "lb7"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("lvsc graph: --down lb7: not a director"), bad.stderr)
    }

    /// Names from the configuration are labels only: a quote, a backslash or a Mermaid
    /// delimiter in an instance name stays inside its label.
    func testHostileNamesStayInsideTheirLabels() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-graph-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let conf = work.appendingPathComponent("keepalived.conf").path
        try """
        vrrp_instance VI_1];n9->n0;x[|end<br>\\ {
            state MASTER
            interface eth0
            virtual_router_id 51
            priority 100
            virtual_ipaddress {
                192.0.2.10/24
            }
        }

        """.write(toFile: conf, atomically: true, encoding: .utf8)
        let dot = try runLVSC(["graph", "-f", conf])
        XCTAssertEqual(dot.status, 0, dot.stderr)
        let (_, edges) = parseDOT(dot.stdout)
        XCTAssertFalse(edges.contains("n9->n0"), dot.stdout)
        XCTAssertTrue(dot.stdout.contains(#"n1 [label="VI_1];n9->n0;x[|end<br>\\\nvrid 51""#), dot.stdout)
        let mermaid = try runLVSC(["graph", "-f", conf, "--format", "mermaid"])
        XCTAssertFalse(mermaid.stdout.contains("n9->n0"), mermaid.stdout)
        XCTAssertTrue(mermaid.stdout.contains(#"n1(["VI_1];n9-#gt;n0;x[#124;end#lt;br#gt;\<br/>vrid 51"])"#), mermaid.stdout)
        if access("/usr/bin/dot", X_OK) == 0 {
            let svg = try runLVSC(["graph", "-f", conf, "--format", "svg"])
            XCTAssertEqual(svg.status, 0, svg.stderr)
            XCTAssertEqual(svg.stdout.components(separatedBy: "class=\"node\"").count - 1, parseDOT(dot.stdout).nodes.count)
        }
    }
}
