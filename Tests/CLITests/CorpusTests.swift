import Foundation
import XCTest
import LVSCommands

/// Agreement with keepalived on the corpus of real configurations in ../shared/corpus:
/// recorded `keepalived -t` output (Debian's 2.2.7) and, where keepalived is installed, a live run.
///
/// keepalived's messages are sorted into three kinds: host-dependent (an interface that does not
/// exist on the machine that ran it, a script user it lacks), warnings (deprecations and
/// messages keepalived itself labels Warning), and errors (everything else). Then, per file:
/// - every message keepalived gives a line: lvsc has a finding (any severity) on that line;
/// - errors without a line: lvsc reports at least one error;
/// - a SECURITY VIOLATION: lvsc reports script-security;
/// - accepted, or only host-dependent messages: lvsc reports no error, apart from the rules
///   `hostDependentRules` names (each printed).
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
        // The machine's interfaces, its users, the scripts it has, and its DNS (keepalived
        // resolves an smtp_server name when it reads the file).
        if text.contains("doesn't exist") || text.contains("Non-existent interface") || text.contains("Unknown interface")
            || text.contains("Unable to set default user") || text.contains("not found, ignoring")
            || text.contains("not found/accessible") || isUnresolvedSMTPName(text) { return .host }
        let lower = text.lowercased()
        if lower.hasPrefix("warning") || lower.contains("deprecated") || text.contains("Please use")
            || text.contains("probably not what you want") || lower.contains("will be ignored")
            || lower.contains("setting default") || lower.contains("defaulting to") || text.contains("Ignoring ") { return .warning }
        return .error
    }

    /// "Invalid smtp server NAME PORT" for a host name (not an address): a DNS answer this
    /// machine did not get.
    static func isUnresolvedSMTPName(_ text: String) -> Bool {
        guard text.hasPrefix("Invalid smtp server ") else { return false }
        let name = text.dropFirst("Invalid smtp server ".count).split(separator: " ").first.map(String.init) ?? ""
        return IPAddress.parse(Array(name.utf8)) == nil && name.contains(where: \.isLetter)
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

    static func recorded(_ root: URL = corpus) throws -> [String: Verdict] {
        let text = try String(contentsOf: root.appendingPathComponent("keepalived-t.txt"), encoding: .utf8)
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

    /// A finding with the lines of the linted file it points at (its own and its related ones).
    struct Finding {
        var diagnostic: Diagnostic
        var lines: Set<Int>
        var line: Int?
    }

    func lint(_ path: String) -> [Finding] {
        let sources = SourceManager()
        guard case .success(let bytes) = ConfigParser.readAll(path) else { XCTFail("cannot read \(path)"); return [] }
        let file = sources.add(path: path, bytes: bytes)
        let diags = Linter(sources: sources).lint(file: file, configID: Self.configID).diagnostics.filter(\.isActive)
        return diags.map { d in
            let spans = (d.span.map { [$0] } ?? []) + d.related.map(\.span)
            let lines = Set(spans.filter { Int($0.file) == file.id }.map { sources.resolve($0).line })
            return Finding(diagnostic: d, lines: lines, line: d.span.map { sources.resolve($0).line })
        }
    }

    /// keepalived findings that depend on the machine keepalived ran on, not on the file: the
    /// interfaces it has, and whether the scripts a file names exist there (keepalived checks
    /// script security only for scripts it finds, so on a machine without them it accepts a
    /// file that makes a director exit 6; lvsc's script-security error is excused there).
    static let hostDependentRules: Set<RuleID> = [.scriptSecurity]

    func check(_ name: String, _ v: Verdict, source: String, root: URL = CorpusTests.corpus) {
        guard v.rc != 143 else { print("corpus: \(name): keepalived gave no verdict (exit 143)"); return }
        let path = root.appendingPathComponent(name).path
        let findings = lint(path)
        let counted = v.messages.filter { Self.kind($0.text) != .host && !$0.text.isEmpty }
        let sawSecurity = v.messages.contains { $0.text.contains("SECURITY VIOLATION") }
        let lintErrors = findings.filter { $0.diagnostic.severity == .error }
        let context = "\(source) \(name): keepalived said \(v.messages.map { "\($0.line.map(String.init) ?? "-"): \($0.text)" }); lvsc said \(findings.map { "\($0.line.map(String.init) ?? "-"): \($0.diagnostic.severity.name) \($0.diagnostic.rule) \($0.diagnostic.message.prefix(60))" })"
        // Every finding keepalived makes on a line, lvsc makes on that line too.
        for m in counted {
            guard let line = m.line else { continue }
            XCTAssertTrue(findings.contains { $0.lines.contains(line) }, "keepalived reports line \(line) ('\(m.text)'), lvsc says nothing there: " + context)
        }
        // keepalived's errors without a line: lvsc has an error.
        if counted.contains(where: { $0.line == nil && Self.kind($0.text) == .error }) {
            XCTAssertFalse(lintErrors.isEmpty, "keepalived rejects it, lvsc has no error: " + context)
        }
        if sawSecurity {
            XCTAssertTrue(lintErrors.contains { $0.diagnostic.rule == .scriptSecurity }, "keepalived reports a SECURITY VIOLATION, lvsc no script-security error: " + context)
        }
        if counted.isEmpty {
            let excused = lintErrors.filter { Self.hostDependentRules.contains($0.diagnostic.rule) }
            for e in excused { print("corpus: \(name): \(e.diagnostic.rule) at line \(e.line ?? 0) is host-dependent (keepalived here does not have the scripts)") }
            let unexcused = lintErrors.filter { !Self.hostDependentRules.contains($0.diagnostic.rule) }
            XCTAssertEqual(unexcused.map { "\($0.line ?? 0): \($0.diagnostic.rule) \($0.diagnostic.message)" }, [],
                           "keepalived accepts it (apart from host-dependent findings), lvsc reports errors: " + context)
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
        try live(keepalived, root: Self.corpus, source: "live")
    }

    func live(_ keepalived: String, root: URL, source: String) throws {
        for name in try Self.recorded(root).keys.sorted() {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: keepalived)
            p.arguments = ["-t", "-i", Self.configID, "-f", root.appendingPathComponent(name).path]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let data = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let messages = String(decoding: data, as: UTF8.self).split(separator: "\n").map { Self.message(String($0)) }
            check(name, Verdict(rc: p.terminationStatus, messages: messages.map { ($0.0, $0.1) }), source: source, root: root)
        }
    }

    // MARK: the public corpus

    /// Real configurations from public repositories (container images, deployment and HA
    /// repositories, an Ansible-style files/ tree). Their files stay out of this repository;
    /// `Fixtures/public-corpus.manifest` says where each came from (repository, commit, path) and
    /// its SHA-256, and the corpus lives beside the repository (../public-corpus, or
    /// LVSC_PUBLIC_CORPUS) with keepalived's recorded verdicts.
    static let publicCorpus: URL = {
        if let p = ProcessInfo.processInfo.environment["LVSC_PUBLIC_CORPUS"], !p.isEmpty { return URL(fileURLWithPath: p) }
        return root.deletingLastPathComponent().appendingPathComponent("public-corpus")
    }()

    struct ManifestEntry { var file: String; var repository: String; var commit: String; var path: String; var sha256: String }

    static func manifest() throws -> [ManifestEntry] {
        let text = try String(contentsOf: root.appendingPathComponent("Fixtures/public-corpus.manifest"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let f = line.split(separator: " ").map(String.init)
            return f.count == 5 ? ManifestEntry(file: f[0], repository: f[1], commit: f[2], path: f[3], sha256: f[4]) : nil
        }
    }

    func testPublicCorpus() throws {
        let entries = try Self.manifest()
        XCTAssertGreaterThanOrEqual(entries.count, 15)
        guard FileManager.default.fileExists(atPath: Self.publicCorpus.appendingPathComponent("keepalived-t.txt").path) else {
            throw XCTSkip("public corpus skipped: \(Self.publicCorpus.path) is absent (files from public repositories stay out of this repository; Fixtures/public-corpus.manifest lists each one's repository, commit, path and SHA-256)")
        }
        // The files judged are the files the manifest names, byte for byte.
        for e in entries {
            let r = try sh("sha256sum '\(e.file)'", in: Self.publicCorpus)
            XCTAssertEqual(String(r.stdout.prefix(64)), e.sha256, "\(e.file) is not the file \(e.repository) holds at \(e.commit)")
        }
        let verdicts = try Self.recorded(Self.publicCorpus)
        XCTAssertEqual(Set(verdicts.keys), Set(entries.map(\.file)), "keepalived-t.txt and the manifest name the same files")
        for name in verdicts.keys.sorted() { check(name, verdicts[name]!, source: "public recorded", root: Self.publicCorpus) }
        if let keepalived = ["/usr/sbin/keepalived", "/usr/local/sbin/keepalived"].first(where: FileManager.default.isExecutableFile) {
            try live(keepalived, root: Self.publicCorpus, source: "public live")
        } else {
            print("corpus: public corpus checked against recorded verdicts only: keepalived is not installed")
        }
    }
}
