import Foundation
import XCTest

/// Hostile input: every case ends with diagnostics and a defined exit code, in bounded time.
final class RobustnessTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-robust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func lint(_ path: String, binary: URL = lvscBinary) throws -> LVSCRun {
        try runLVSC(["lint", "--format", "json", path], binary: binary)
    }

    func rules(_ r: LVSCRun) throws -> [String] {
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        return try XCTUnwrap(json, "output is not a JSON array: \(r.stdout.prefix(200)) \(r.stderr)").compactMap { $0["rule"] as? String }
    }

    func testBinaryGarbage() throws {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let r = try lint(try write("garbage.conf", Data(bytes)))
        XCTAssertEqual(r.status, 1, r.stderr)
        // Not one keepalived keyword: summed up in one finding, none of the bytes quoted.
        XCTAssertEqual(try rules(r), ["not-keepalived"])
    }

    func testInvalidUTF8IsShownEscaped() throws {
        let r = try runLVSC(["lint", try write("utf8.conf", Data(Array("global_defs {\n}\n".utf8) + [0x76, 0x72, 0xC3, 0x28, 0x20, 0x7B, 0x0A, 0x7D, 0x0A]))])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("unknown keyword 'vr\\xC3(' at the top level"), r.stdout)
    }

    func testHundredThousandNestedBraces() throws {
        let named = String(repeating: "virtual_server 192.0.2.1 80 {\n", count: 100_000) + String(repeating: "}\n", count: 100_000)
        let r1 = try lint(try write("nested.conf", Data(named.utf8)))
        XCTAssertEqual(r1.status, 1)
        XCTAssertTrue(try rules(r1).contains("unknown-keyword"), "nested virtual_server is not a virtual_server keyword")
        let bare = String(repeating: "{", count: 100_000) + "\n" + String(repeating: "}", count: 100_000) + "\n"
        let r2 = try lint(try write("braces.conf", Data(bare.utf8)))
        XCTAssertEqual(r2.status, 1)
        XCTAssertEqual(try rules(r2), ["not-keepalived"], "braces alone are no keepalived configuration")
        let unclosed = String(repeating: "global_defs {\n", count: 100_000)
        let r3 = try runLVSC(["lint", try write("unclosed.conf", Data(unclosed.utf8))])
        XCTAssertEqual(r3.status, 1)
        // keepalived ignores the '{' of a global_defs inside global_defs: one block stays open.
        XCTAssertTrue(r3.stdout.contains("block 'global_defs' is never closed: 1 missing '}'"), String(r3.stdout.prefix(500)))
    }

    func testLongLine() throws {
        let text = "global_defs {\n    router_id " + String(repeating: "x", count: 4000) + "\n}\n"
        let r = try runLVSC(["lint", try write("long.conf", Data(text.utf8))])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("line is 4014 bytes long"), r.stdout)
    }

    func testIncludeCycleAndMissingIncludes() throws {
        _ = try write("a.conf", Data("include b.conf\n".utf8))
        _ = try write("b.conf", Data("include a.conf\n".utf8))
        let cycle = try runLVSC(["lint", dir.appendingPathComponent("a.conf").path])
        XCTAssertEqual(cycle.status, 1)
        XCTAssertTrue(cycle.stdout.contains("include cycle:"), cycle.stdout)
        let soft = try runLVSC(["lint", try write("soft.conf", Data("include nowhere/*.conf\n".utf8))])
        XCTAssertEqual(soft.status, 0, "plain include of nothing is a warning, as keepalived skips it")
        XCTAssertTrue(soft.stdout.contains("matches no file"))
        let strict = try runLVSC(["lint", try write("strict.conf", Data("includem nowhere.conf\n".utf8))])
        XCTAssertEqual(strict.status, 1)
    }

    func testSelfReferencingDefinitionsStayBounded() throws {
        // Each expansion of $A doubles the lines: without a budget this is 2^40 lines.
        let text = "$A=x \\\n$A\\\n$A\n$A\n"
        let r = try lint(try write("bomb.conf", Data(text.utf8)))
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(try rules(r).contains("syntax"))
    }

    /// 100 MB of real configuration, and 10 MB of the same, through the optimised binary: both
    /// finish, and ten times the input takes less than forty times as long (linear, not quadratic).
    func testHundredMegabytes() throws {
        let release = ProcessInfo.processInfo.environment["LVSC_RELEASE_BIN"] ?? ""
        try requirePrecondition(!release.isEmpty, "the 100 MB test needs the release binary: run scripts/test.sh (it sets LVSC_RELEASE_BIN)")
        let bin = URL(fileURLWithPath: release)
        // Virtual servers on 198.18.x.y: unique up to 62,500 of them (the 10 MB file), repeated
        // beyond (the 100 MB file), so the big file has duplicate services, errors past the cap
        // of shown findings, which must still set the exit code.
        func config(bytes target: Int) -> Data {
            var out = Data("global_defs {\n    router_id LVS_BIG\n}\n".utf8)
            var i = 0
            var rs = ""
            for r in 1...4 {
                rs += "    real_server 198.19.0.\(r) 80 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n"
            }
            let body = Data(("    lb_algo rr\n    lb_kind DR\n    protocol TCP\n" + rs + "}\n").utf8)
            while out.count < target {
                out.append(Data("virtual_server 198.18.\(i / 250 % 250).\(i % 250 + 1) 80 {\n".utf8))
                out.append(body)
                i += 1
            }
            return out
        }
        let small = try write("10mb.conf", config(bytes: 10 << 20))
        let big = try write("100mb.conf", config(bytes: 100 << 20))
        let t0 = Date()
        let r1 = try runLVSC(["lint", "-q", small], binary: bin)
        let t1 = Date()
        let r2 = try runLVSC(["lint", "-q", big], binary: bin)
        let t2 = Date()
        XCTAssertEqual(r1.status, 0, r1.stderr)
        XCTAssertEqual(r2.status, 1, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("more findings not shown"), r2.stderr)
        let ratio = t2.timeIntervalSince(t1) / max(t1.timeIntervalSince(t0), 0.001)
        print("robustness: 10 MB in \(t1.timeIntervalSince(t0)) s, 100 MB in \(t2.timeIntervalSince(t1)) s (ratio \(ratio))")
        XCTAssertLessThan(ratio, 40, "lint time grows faster than the input")
    }
}
