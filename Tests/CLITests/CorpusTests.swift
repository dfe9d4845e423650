import Foundation
import XCTest
import LVSCommands

/// Agreement with keepalived on the corpus of real configurations in ../shared/corpus:
/// recorded `keepalived -t` output (Debian's 2.2.7) and, where keepalived is installed, a live run.
///
/// keepalived's messages are sorted into three kinds: host-dependent (an interface that does not
/// exist on the machine that ran it), warnings (deprecations and messages keepalived itself
/// labels Warning), and errors (everything else). Then, per file:
/// - errors on lines: lvsc reports an error on at least one of those lines;
/// - errors without a line: lvsc reports at least one error;
/// - only warnings: lvsc reports a warning or error on one of their lines;
/// - accepted, or only host-dependent messages: lvsc reports no error.
/// keepalived 2.2.7 exiting 143 (killing itself over script security) is no verdict.
final class CorpusTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = root.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    /// keepalived ran with a host name no `@id` line names; lvsc reads the files the same way.
    static let configID = "corpus-host"

    struct Verdict {
        var rc: Int32
        var messages: [(line: Int?, text: String)]
    }

    enum Kind { case host, warning, error }

    static func kind(_ text: String) -> Kind {
        if text.contains("doesn't exist") || text.contains("Non-existent interface") { return .host }
        let lower = text.lowercased()
        if lower.hasPrefix("warning") || lower.contains("deprecated") || text.contains("Please use")
            || text.contains("probably not what you want") || lower.contains("will be ignored") { return .warning }
        return .error
    }

    /// `(Line N) msg` or `(PATH: Line N) msg`.
    static func message(_ raw: String) -> (Int?, String) {
        guard raw.hasPrefix("("), let close = raw.firstIndex(of: ")") else { return (nil, raw.trimmingCharacters(in: .whitespaces)) }
        let inside = raw[raw.index(after: raw.startIndex)..<close]
        guard let r = inside.range(of: "Line ", options: .backwards), let n = Int(inside[r.upperBound...]) else {
            return (nil, raw.trimmingCharacters(in: .whitespaces))
        }
        return (n, raw[raw.index(after: close)...].trimmingCharacters(in: .whitespaces))
    }

    static func recorded() throws -> [String: Verdict] {
        let text = try String(contentsOf: corpus.appendingPathComponent("keepalived-t.txt"), encoding: .utf8)
        var out: [String: Verdict] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("== ") {
                let parts = line.dropFirst(3).split(separator: " ")
                current = String(parts[0])
                out[current!] = Verdict(rc: Int32(parts.last!.dropFirst(3))!, messages: [])
                continue
            }
            guard let c = current, !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let (n, msg) = message(line)
            out[c]!.messages.append((n, msg))
        }
        return out
    }

    func lint(_ path: String) -> [Diagnostic] {
        let sources = SourceManager()
        guard case .success(let bytes) = ConfigParser.readAll(path) else { XCTFail("cannot read \(path)"); return [] }
        let file = sources.add(path: path, bytes: bytes)
        let diags = Linter(sources: sources).lint(file: file, configID: Self.configID).diagnostics
        return diags.map { d in
            var d = d
            // Keep only the line in `hint` to compare; the text stays for failure messages.
            d.hint = d.span.map { String(sources.resolve($0).line) }
            return d
        }
    }

    func check(_ name: String, _ v: Verdict, source: String) {
        guard v.rc != 143 else { print("corpus: \(name): keepalived gave no verdict (exit 143)"); return }
        let path = Self.corpus.appendingPathComponent(name).path
        let diags = lint(path)
        func lines(_ sev: Severity) -> Set<Int> { Set(diags.filter { $0.severity >= sev }.compactMap { $0.hint.flatMap(Int.init) }) }
        let errors = v.messages.filter { Self.kind($0.text) == .error }
        let warnings = v.messages.filter { Self.kind($0.text) == .warning }
        let lintErrors = diags.filter { $0.severity == .error }.map { "\($0.hint ?? "-"): \($0.rule) \($0.message)" }
        let context = "\(source) \(name): keepalived said \(v.messages.map { "\($0.line.map(String.init) ?? "-"): \($0.text)" }); lvsc said \(diags.map { "\($0.hint ?? "-"): \($0.severity.name) \($0.rule)" })"
        if !errors.isEmpty {
            let withLines = Set(errors.compactMap(\.line))
            if withLines.isEmpty {
                XCTAssertFalse(lintErrors.isEmpty, "keepalived rejects it, lvsc has no error: " + context)
            } else {
                XCTAssertFalse(lines(.error).isDisjoint(with: withLines), "no lvsc error on a line keepalived rejects: " + context)
            }
        } else if !warnings.isEmpty {
            let withLines = Set(warnings.compactMap(\.line))
            if withLines.isEmpty {
                XCTAssertTrue(diags.contains { $0.severity >= .warning }, "keepalived warns, lvsc does not: " + context)
            } else {
                XCTAssertFalse(lines(.warning).isDisjoint(with: withLines), "no lvsc warning on a line keepalived warns about: " + context)
            }
        } else {
            XCTAssertEqual(lintErrors, [], "keepalived accepts it (apart from host interfaces), lvsc reports errors: " + context)
        }
    }

    func testRecordedVerdicts() throws {
        guard FileManager.default.fileExists(atPath: Self.corpus.path) else {
            throw XCTSkip("corpus test skipped: \(Self.corpus.path) is absent (the repo stands alone without ../shared)")
        }
        let verdicts = try Self.recorded()
        XCTAssertGreaterThan(verdicts.count, 25)
        for name in verdicts.keys.sorted() { check(name, verdicts[name]!, source: "recorded") }
    }

    func testLiveKeepalived() throws {
        guard FileManager.default.fileExists(atPath: Self.corpus.path) else {
            throw XCTSkip("corpus test skipped: \(Self.corpus.path) is absent (the repo stands alone without ../shared)")
        }
        guard let keepalived = ["/usr/sbin/keepalived", "/usr/local/sbin/keepalived"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("live corpus test skipped: keepalived is not installed (scripts/test.sh installs it)")
        }
        let names = try Self.recorded().keys.sorted()
        for name in names {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: keepalived)
            p.arguments = ["-t", "-i", Self.configID, "-f", Self.corpus.appendingPathComponent(name).path]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let data = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let messages = String(decoding: data, as: UTF8.self).split(separator: "\n").map { Self.message(String($0)) }
            check(name, Verdict(rc: p.terminationStatus, messages: messages.map { ($0.0, $0.1) }), source: "live")
        }
    }
}
