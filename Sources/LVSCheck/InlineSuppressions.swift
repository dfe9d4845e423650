import LVSModel
#if canImport(Glibc)
import Glibc
#endif

/// `# lvsc-ignore RULE[,RULE…] [reason]`: a comment keepalived ignores that silences findings
/// of those rules on its line, or, written on a block's opening line, in the whole block. A
/// comment alone on its line applies to the next line that has a statement.
public struct InlineSuppression: Sendable {
    public var file: Int
    /// The comment, from its `#`.
    public var comment: SourceSpan
    public var rules: [RuleID]
    public var reason: String?
    public var lines: ClosedRange<Int>
}

public enum InlineSuppressions {
    static let marker = Array("lvsc-ignore".utf8)

    /// The suppressions a file holds, and findings about malformed ones.
    public static func scan(_ file: SourceFile) -> ([InlineSuppression], [Diagnostic]) {
        let bytes = file.bytes
        guard contains(bytes, marker) else { return ([], []) }
        var found: [InlineSuppression] = []
        var problems: [Diagnostic] = []
        let starts = file.lineStarts
        var lines: [(code: ArraySlice<UInt8>, comment: Int?)] = []
        lines.reserveCapacity(starts.count)
        for (n, start) in starts.enumerated() {
            var end = n + 1 < starts.count ? starts[n + 1] - 1 : bytes.count
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            let comment = commentStart(bytes, start, end)
            lines.append((bytes[start..<(comment ?? end)], comment))
        }
        for (n, line) in lines.enumerated() {
            guard let c = line.comment else { continue }
            var i = c + 1
            let end = n + 1 < starts.count ? starts[n + 1] - 1 : bytes.count
            while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            guard i + marker.count <= end, Array(bytes[i..<(i + marker.count)]) == marker else { continue }
            let after = i + marker.count
            guard after == end || bytes[after] == 0x20 || bytes[after] == 0x09 || bytes[after] == UInt8(ascii: ":") else { continue }
            var textEnd = end
            if textEnd > after, bytes[textEnd - 1] == 0x0D { textEnd -= 1 }
            let span = SourceSpan(file: UInt32(file.id), offset: UInt32(c), length: UInt32(max(1, textEnd - c)))
            let words = bytes[(after == end ? end : after + (bytes[after] == UInt8(ascii: ":") ? 1 : 0))..<textEnd]
                .split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { String(decoding: $0, as: UTF8.self) }
            guard let list = words.first else {
                problems.append(Diagnostic(rule: .unusedSuppression, severity: .warning, message: "lvsc-ignore names no rule", span: span,
                                           hint: "write '# lvsc-ignore RULE-ID reason', e.g. '# lvsc-ignore auth-cleartext peers are 1.x'"))
                continue
            }
            var rules: [RuleID] = []
            for name in list.split(separator: ",").map(String.init) {
                if let id = RuleID(named: name) {
                    rules.append(id)
                } else {
                    let near = RuleCatalog.nearest(to: name)
                    problems.append(Diagnostic(rule: .unusedSuppression, severity: .warning,
                                               message: "lvsc-ignore names '\(name)', which is not a rule id", span: span,
                                               hint: near.map { "did you mean '\($0)'?" } ?? "'lvsc explain' lists the rule ids"))
                }
            }
            let reason = words.count > 1 ? words.dropFirst().joined(separator: " ") : nil
            // The statement it applies to: this line's, or the next line with one.
            var target = n
            if line.code.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                target = n + 1
                while target < lines.count, lines[target].code.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { target += 1 }
                if target == lines.count { target = n }
            }
            let last = blockEnd(lines.map(\.code), from: target)
            if !rules.isEmpty {
                found.append(InlineSuppression(file: file.id, comment: span, rules: rules, reason: reason, lines: (target + 1)...(last + 1)))
            }
        }
        return (found, problems)
    }

    /// Marks the findings the suppressions cover, and reports each rule of a suppression that
    /// matched nothing (a stale one would silence the next real finding on that line).
    public static func apply(_ diags: [Diagnostic], files: [SourceFile], sources: SourceManager) -> [Diagnostic] {
        var entries: [InlineSuppression] = []
        var out: [Diagnostic] = []
        for f in files {
            let (e, p) = scan(f)
            entries += e
            out += p
        }
        guard !entries.isEmpty else { return diags + out }
        var used = Set<[Int]>()
        for var d in diags {
            if let span = d.span, d.rule != .unusedSuppression {
                let fileEntries = entries.indices.filter { entries[$0].file == Int(span.file) }
                if !fileEntries.isEmpty {
                    let line = sources.resolve(span).line
                    for k in fileEntries where entries[k].lines.contains(line) {
                        if let r = entries[k].rules.firstIndex(of: d.rule) {
                            d.suppression = Suppression(span: entries[k].comment, reason: entries[k].reason)
                            used.insert([k, r])
                            break
                        }
                    }
                }
            }
            out.append(d)
        }
        for (k, e) in entries.enumerated() {
            for (r, rule) in e.rules.enumerated() where !used.contains([k, r]) {
                let where_ = e.lines.count == 1 ? "on line \(e.lines.lowerBound)" : "in lines \(e.lines.lowerBound)-\(e.lines.upperBound)"
                out.append(Diagnostic(rule: .unusedSuppression, severity: .warning,
                                      message: "lvsc-ignore \(rule) matches no finding \(where_)", span: e.comment,
                                      hint: "remove it: a stale suppression would hide the next real finding there"))
            }
        }
        return out
    }

    /// Where the first `#` or `!` outside double quotes starts, if any.
    static func commentStart(_ b: [UInt8], _ start: Int, _ end: Int) -> Int? {
        var quoted = false
        var i = start
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: "\"") { quoted.toggle() }
            else if !quoted, c == UInt8(ascii: "#") || c == UInt8(ascii: "!") { return i }
            i += 1
        }
        return nil
    }

    /// The last line (0-based) of the block a line opens, or the line itself.
    static func blockEnd(_ code: [ArraySlice<UInt8>], from line: Int) -> Int {
        var depth = 0
        var opened = false
        for n in line..<code.count {
            var quoted = false
            for c in code[n] {
                if c == UInt8(ascii: "\"") { quoted.toggle(); continue }
                if quoted { continue }
                if c == UInt8(ascii: "{") { depth += 1; opened = true }
                else if c == UInt8(ascii: "}") { depth -= 1 }
            }
            if !opened || depth <= 0 { return n }
        }
        return code.count - 1
    }

    /// Whether a comment may start with the marker: memchr for the comment characters (rare
    /// in large generated files, unlike any letter of the marker), then a compare. Every linted
    /// file is searched once, and almost none holds a suppression.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBufferPointer { h -> Bool in
            guard let base = h.baseAddress else { return false }
            for comment in [UInt8(ascii: "#"), UInt8(ascii: "!")] {
                var i = 0
                while i < h.count, let hit = memchr(base + i, Int32(comment), h.count - i) {
                    var j = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base + 1
                    while j < h.count, h[j] == 0x20 || h[j] == 0x09 { j += 1 }
                    if j + needle.count <= h.count, h[j..<(j + needle.count)].elementsEqual(needle) { return true }
                    i = j
                }
            }
            return false
        }
    }
}
