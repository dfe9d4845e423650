import XCTest
@testable import LVSKernel
@testable import LVSModel

/// Large files are lowered on a second thread while the parser reads on; the result must be
/// exactly what the single-threaded path gives (diagnostics, their order, the whole model),
/// also with the addresses and interfaces that checkers keep in boxes.
final class PipelineTests: XCTestCase {
    func testPipelinedLoweringEqualsSequential() {
        var text = "global_defs {\n    router_id LVS_P\n}\n"
        for i in 0..<6000 {
            text += "virtual_server 198.18.\(i / 250).\(i % 250 + 1) 80 {\n    lb_algo \(i % 97 == 0 ? "bogus" : "rr")\n    lb_kind DR\n    protocol TCP\n"
            for r in 1...3 {
                text += "    real_server 198.19.\(i / 250).\(r) \(i % 89 == 0 ? 81 : 80) {\n        weight \(r)\n        TCP_CHECK {\n            connect_timeout 3\n"
                text += r == 2 ? "            connect_ip 198.19.\(i / 250).\(r)\n            bind_if eth\(i % 3)\n            bindto 192.0.2.1\n" : ""
                text += "        }\n    }\n"
            }
            text += i % 500 == 0 ? "    unknwon_keyword 1\n}\n" : "}\n"
        }
        let sources = SourceManager()
        let file = sources.add(path: "big.conf", bytes: Array(text.utf8))
        XCTAssertGreaterThan(file.bytes.count, FrontEnd.pipelineThreshold)
        let a = FrontEnd.readForComparison(file: file, sources: sources, pipelined: false)
        let b = FrontEnd.readForComparison(file: file, sources: sources, pipelined: true)
        XCTAssertEqual(a.config.virtualServers.count, 6000)
        XCTAssertEqual(a.diagnostics.items, b.diagnostics.items)
        XCTAssertGreaterThan(a.diagnostics.items.count, 10)
        let json = ModelJSON(sources: sources)
        XCTAssertTrue(json.config(b.config).rendered(pretty: false).contains("\"bindInterface\":\"eth2\""), "the boxed fields are in the model")
        XCTAssertEqual(json.config(a.config).rendered(pretty: false), json.config(b.config).rendered(pretty: false))
    }
}
