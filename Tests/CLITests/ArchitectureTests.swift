import Foundation
import XCTest

/// docs/architecture.md says who may import whom; the sources and Package.swift must agree.
final class ArchitectureTests: XCTestCase {
    /// The module table: module → the modules its row allows (project modules and swift-nio's).
    func allowed() throws -> [String: Set<String>] {
        let doc = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        var rows: [String: String] = [:]
        for line in doc.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            rows[cells[1].replacingOccurrences(of: "`", with: "")] = cells[3]
        }
        let known = Set(rows.keys).union(["NIOCore", "NIOPosix"])
        return rows.mapValues { cell in
            Set(cell.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" }).map(String.init).filter(known.contains))
        }
    }

    func testEverySourceImportsOnlyWhatItsRowAllows() throws {
        let allowed = try allowed()
        let sources = repositoryRoot.appendingPathComponent("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { !$0.hasPrefix(".") }
        XCTAssertGreaterThan(modules.count, 10)
        let projectModules = Set(allowed.keys).union(["NIOCore", "NIOPosix"])
        for module in modules {
            let may = try XCTUnwrap(allowed[module], "Sources/\(module) has no row in docs/architecture.md")
            let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(module).path)?
                .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            for file in files {
                let text = try String(contentsOf: sources.appendingPathComponent(module).appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let i = words.firstIndex(of: "import"), words[..<i].allSatisfy({ $0.hasPrefix("@") }), i + 1 < words.count else { continue }
                    let imported = String(words[i + 1])
                    guard projectModules.contains(imported) else { continue }
                    XCTAssertTrue(may.contains(imported), "Sources/\(module)/\(file) imports \(imported), which docs/architecture.md does not allow \(module)")
                }
            }
        }
    }

    func testPackageDependenciesAreWhatTheTableAllows() throws {
        let allowed = try allowed()
        let package = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let names = Set(allowed.keys).union(["NIOCore", "NIOPosix"])
        var checked = 0
        for part in package.components(separatedBy: "arget(name: \"").dropFirst() {
            let name = String(part.prefix { $0 != "\"" })
            guard let may = allowed[name] else { continue }
            guard let open = part.range(of: "dependencies: ["), let close = part[open.upperBound...].firstIndex(of: "]") else { continue }
            let deps = part[open.upperBound..<close].components(separatedBy: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            for d in deps where names.contains(d) {
                XCTAssertTrue(may.contains(d), "Package.swift: \(name) depends on \(d), which docs/architecture.md does not allow")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 8)
        // The privileged layer never needs the front end.
        XCTAssertFalse(allowed["LVSNetlink"]!.contains("LVSModel"))
        XCTAssertFalse(allowed["LVSKernel"]!.contains("LVSModel"))
    }
}
