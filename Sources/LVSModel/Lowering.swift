/// Turns a block tree into the typed model, checking every keyword against the generated
/// table on the way: unknown and deprecated keywords, argument counts, numeric ranges,
/// enumerations and addresses. Semantic rules that need the whole model live in LVSCheck.
public struct Lowering {
    var tree = BlockTree()
    let table: KeywordTable
    public internal(set) var diags = DiagnosticBag()
    public internal(set) var config: KeepalivedConfig
    /// Files (by id) holding at least one keyword keepalived knows, or a near miss of one: a
    /// file without any is not a keepalived configuration, and its lines are not quoted back.
    public internal(set) var knownFiles: [Bool] = []
    /// Names of the instances and sync groups read so far: keepalived skips a second block
    /// with a name already defined.
    var instanceNames: [String: SourceSpan] = [:]
    /// The keyword the last unknown one was suggested to be, and where the typo is.
    var lastSuggestion: (keyword: String, span: SourceSpan)?
    var displacedNotes = 0
    var syncGroupNames: [String: SourceSpan] = [:]

    /// `table`: a lowering on its own thread gets a private table (KeywordTable(freshSpecs: true)).
    public init(path: String, configID: String?, table: KeywordTable = .shared) {
        config = KeepalivedConfig(path: path, configID: configID)
        self.table = table
    }

    /// Views of the chunk's byte buffers. They stay valid because `tree`, which owns the
    /// arrays, is held (and never mutated) for as long as `lower` runs; reading through them
    /// saves a retain/release pair on every word the lowering looks at.
    var bases: [UnsafeBufferPointer<UInt8>] = []
    var scratchBase = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

    /// Lowers complete top-level statements (the parser's `RootConsumer`).
    public mutating func lower(_ roots: ArraySlice<Int32>, of tree: BlockTree) {
        self.tree = tree
        bases = tree.buffers.map { $0.withUnsafeBufferPointer { $0 } }
        scratchBase = tree.scratch.withUnsafeBufferPointer { $0 }
        for root in roots { lowerRoot(tree.nodes[Int(root)]) }
        // Let go of the parser's arrays, so it can reuse them without copying.
        bases = []
        scratchBase = UnsafeBufferPointer(start: nil, count: 0)
        self.tree = BlockTree()
    }

    @inline(__always)
    func raw(_ t: Token) -> UnsafeBufferPointer<UInt8> {
        let base = t.text.buffer == BlockTree.scratchBuffer ? scratchBase : bases[Int(t.text.buffer)]
        let start = Int(t.text.offset)
        return UnsafeBufferPointer(rebasing: base[start ..< start + Int(t.text.length)])
    }

    // MARK: generic keyword checks

    func text(_ t: Token) -> String { String(decoding: raw(t), as: UTF8.self) }

    /// Token text for a message: bytes outside printable ASCII shown as `\xNN`, so a
    /// non-breaking space pasted from a web page or binary garbage is visible.
    func shown(_ t: Token) -> String {
        var s = ""
        for b in raw(t).prefix(80) {
            if b >= 0x20 && b < 0x7F { s.unicodeScalars.append(Unicode.Scalar(b)) }
            else {
                let h = String(b, radix: 16, uppercase: true)
                s += "\\x" + (h.count == 1 ? "0" + h : h)
            }
        }
        return raw(t).count > 80 ? s + "…" : s
    }
    func span(_ t: Token) -> SourceSpan { tree.span(t) }
    func keywordSpan(_ n: Node) -> SourceSpan { tree.span(tree.keyword(n)) }

    /// Looks the statement up in `context` and reports what is wrong with its shape.
    /// Returns nil when the statement cannot be used (unknown keyword, stray brace).
    mutating func spec(_ n: Node, _ context: ContextID) -> KeywordSpec? {
        if ConfigParser.isAnonymous(n, in: tree) { return nil }
        let kw = tree.keyword(n)
        let found: KeywordSpec?
        if n.lookedUpIn == context.rawValue {
            found = n.specIndex >= 0 ? table.spec(at: n.specIndex) : nil
        } else {
            found = table.lookup(context, raw(kw))
        }
        guard let spec = found else {
            reportUnknown(n, context)
            return nil
        }
        markKnown(kw)
        let where_ = keywordSpan(n)
        switch spec.status {
        case .deprecated(let why):
            diags.add(.deprecatedKeyword, .warning, "'\(spec.name)' is deprecated", at: where_, hint: why)
        case .removed(let why):
            diags.add(.deprecatedKeyword, .warning, "'\(spec.name)' is a keepalived 1.x keyword: keepalived 2.x reports it as unknown and ignores it", at: where_, hint: why)
        case .untyped:
            if case .value = spec.kind {} else if case .flag = spec.kind {} else {
                diags.add(.untypedBlock, .note, "'\(spec.name)' is parsed and kept, but lvsc does not check its contents yet", at: where_)
            }
        case .current: break
        }
        if spec.deprecatedAlias, let canonical = spec.aliasOf {
            diags.add(.deprecatedKeyword, .warning, "'\(spec.name)' is a deprecated spelling of '\(canonical)'",
                      at: where_, hint: "write '\(canonical)'")
        }
        switch spec.kind {
        case .value, .flag:
            if n.misread == .braceIgnored {
                diags.add(.syntax, .error, "'\(spec.name)' takes no block: keepalived ignores the '{' after it, \(braceConsequence(context))",
                          at: where_, hint: "remove the '{' and its '}'", related: braceRelated(n, context))
            } else if n.hasBlock {
                diags.add(.syntax, .error, "'\(spec.name)' takes no block; its '{ … }' is ignored by lvsc and misread by keepalived",
                          at: tree.openBrace(n) ?? where_)
            }
        case .block, .list:
            if !n.hasBlock {
                diags.add(.syntax, .error, "missing '{' after '\(spec.name)'", at: tree.lineSpan(n),
                          hint: "a '\(spec.name)' block starts with '{' on the same or the next line")
                return nil
            }
        }
        var count = n.argCount
        // A script line is split by keepalived's quoted-escaped rules, not by blanks: a single-
        // quoted command with blanks and double quotes inside is one word.
        if spec.type == .command, count > spec.maxArgs, let words = ScriptCommand.wordCount(rawArguments(n)) { count = words }
        if count < spec.minArgs {
            diags.add(.missingArgument, .error,
                      spec.minArgs == 1 ? "'\(spec.name)' needs a value" : "'\(spec.name)' needs at least \(spec.minArgs) values",
                      at: tree.lineSpan(n), hint: spec.summary.isEmpty ? nil : "\(spec.name): \(spec.summary)")
            return nil
        }
        if count > spec.maxArgs {
            let extra = tree.arg(n, min(spec.maxArgs, n.argCount - 1))
            diags.add(.syntax, .warning, "unexpected extra word '\(text(extra))' after '\(spec.name)'; keepalived ignores it",
                      at: span(extra).union(span(tree.arg(n, n.argCount - 1))))
        }
        if count > 0 { checkValue(n, spec) }
        return spec
    }

    @inline(__always)
    mutating func markKnown(_ kw: Token) {
        let f = kw.text.buffer == BlockTree.scratchBuffer ? Int(span(kw).file) : Int(kw.text.buffer)
        if f < knownFiles.count {
            if !knownFiles[f] { knownFiles[f] = true }
        } else {
            knownFiles += [Bool](repeating: false, count: f + 1 - knownFiles.count)
            knownFiles[f] = true
        }
    }

    mutating func reportUnknown(_ n: Node, _ context: ContextID) {
        let kw = tree.keyword(n)
        // Past the cap the finding is only counted: no hint to look for (1 MB of unknown
        // keywords must not cost an edit-distance scan each).
        if diags.isFull {
            diags.add(.unknownKeyword, n.misread == .displaced ? .note : .error, "", at: nil)
            return
        }
        lastSuggestion = nil
        if n.misread == .displaced {
            // A consequence of an ignored `{` above, reported there: a note, not a second
            // cause, and a few of them, not a flood; no suggestion is looked for (a generated
            // block read at the wrong level can be 100,000 lines).
            displacedNotes += 1
            if displacedNotes <= ConfigParser.maxMisreadNotes {
                diags.add(.unknownKeyword, .note, "keepalived reads '\(shown(kw))' \(context.place), where it does not know it, because it ignored a '{' above",
                          at: span(kw))
            } else if displacedNotes == ConfigParser.maxMisreadNotes + 1 {
                diags.add(.unknownKeyword, .note, "more lines follow that keepalived reads at the wrong level; they are not listed", at: span(kw))
            }
            return
        }
        let word = shown(kw)
        var hint: String?
        if raw(kw).contains(where: { $0 >= 0x80 || $0 < 0x20 }) {
            hint = raw(kw).starts(with: [0xC2, 0xA0]) ? "a non-breaking space (U+00A0) is not a blank to keepalived; replace it with a space"
                : "the line holds bytes that are not printable ASCII"
        }
        if hint != nil {
        } else if let s = table.suggestion(for: word, in: context) {
            hint = "did you mean '\(s)'?"
            lastSuggestion = (s, span(kw))
        } else {
            let elsewhere = KeywordTable.specs.filter { $0.name == word }.map { "\($0.context)" }
            if !elsewhere.isEmpty {
                var seen: [String] = []
                for e in elsewhere where !seen.contains(e) { seen.append(e) }
                hint = "'\(word)' is a keyword of \(seen.joined(separator: ", ")), not \(context == .root ? "a top-level one" : "of \(context)")"
            }
        }
        // A misspelt keyword still makes the file a keepalived configuration.
        if hint?.hasPrefix("did you mean") == true || hint?.contains("is a keyword of") == true { markKnown(kw) }
        switch n.misread {
        case .braceIgnored:
            diags.add(.unknownKeyword, .error, "unknown keyword '\(word)' \(context.place): keepalived ignores the '{' after it, \(braceConsequence(context))",
                      at: span(kw), hint: hint, related: braceRelated(n, context))
        case .displaced:
            break   // reported above
        case .none:
            let skipped = n.hasBlock ? "; its block is skipped" : ""
            diags.add(.unknownKeyword, .error, "unknown keyword '\(word)' \(context.place)\(skipped)", at: span(kw), hint: hint)
        }
    }

    /// The words of every finding whose `{` keepalived ignores (`lvsc fmt` refuses such files).
    public static let braceIgnored = "keepalived ignores the '{' after it"

    /// What keepalived does after ignoring a `{`, in words.
    func braceConsequence(_ context: ContextID) -> String {
        context == .root
            ? "so the lines up to the '}' meant for it are read as top-level keywords"
            : "so the '}' meant for it closes the \(context) block instead, and the lines after that '}' are read one level up"
    }

    func braceRelated(_ n: Node, _ context: ContextID) -> [RelatedLocation] {
        guard let close = tree.closeBrace(n) else { return [] }
        let what = context == .root ? "keepalived reads this '}' as an unknown keyword" : "keepalived ends the \(context) block at this '}'"
        return [RelatedLocation(span: close, message: what)]
    }

    /// Checks the first argument against the table's type and range.
    mutating func checkValue(_ n: Node, _ spec: KeywordSpec) {
        let t = tree.arg(n, 0)
        let bytes = raw(t)
        switch spec.type {
        case .int, .uint, .port:
            guard let v = NumberParser.integer(bytes) else {
                let digits = bytes.drop { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }
                if !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    let range = spec.min.flatMap { lo in spec.max.map { " (\(spec.name) takes \(NumberParser.format(lo))..\(NumberParser.format($0)))" } } ?? ""
                    diags.add(.valueRange, .error, "\(shown(t)) is too large a number for \(spec.name)\(range)", at: span(t))
                } else {
                    diags.add(.valueRange, .error, "'\(shown(t))' is not a whole number (\(spec.name))", at: span(t))
                }
                return
            }
            checkRange(Double(v), t, spec)
        case .decimal:
            guard let v = NumberParser.decimal(bytes) else {
                diags.add(.valueRange, .error, "'\(text(t))' is not a number of seconds (\(spec.name))", at: span(t))
                return
            }
            checkRange(v, t, spec)
        case .bool:
            if NumberParser.bool(bytes) == nil {
                diags.add(.invalidValue, .error, "'\(text(t))' is not a boolean; \(spec.name) takes on/off, true/false or yes/no", at: span(t))
            }
        case .enumeration(let values):
            let s = text(t)
            if !values.contains(s) {
                diags.add(.invalidValue, .error, "'\(s)' is not a valid \(spec.name); expected \(values.joined(separator: ", "))", at: span(t))
            }
        case .ip:
            if IPAddress.parse(bytes) == nil {
                diags.add(.invalidValue, .error, "'\(text(t))' is not an IP address (\(spec.name))", at: span(t))
            }
        default: break
        }
    }

    mutating func checkRange(_ v: Double, _ t: Token, _ spec: KeywordSpec) {
        if let lo = spec.min, let hi = spec.max, v < lo || v > hi {
            diags.add(.valueRange, .error, "\(spec.name) \(text(t)) is outside \(NumberParser.format(lo))..\(NumberParser.format(hi))",
                      at: span(t))
        }
    }

    // MARK: typed argument readers (after `spec` has validated)

    func string(_ n: Node, _ i: Int = 0) -> Located<String>? {
        guard n.argCount > i else { return nil }
        let t = tree.arg(n, i)
        return Located(text(t), span(t))
    }

    /// The arguments as keepalived's command keywords read them: the text of the line after the
    /// keyword, quotes and all. Words that `$NAME` or `~SEQ` produced are rejoined by one blank,
    /// double-quoted ones in double quotes again.
    func rawArguments(_ n: Node) -> [UInt8] {
        let args = tree.args(n)
        guard let first = args.first, let last = args.last else { return [] }
        if first.text.buffer != BlockTree.scratchBuffer, args.allSatisfy({ $0.text.buffer == first.text.buffer }) {
            let base = bases[Int(first.text.buffer)]
            var from = Int(first.text.offset), to = Int(last.text.offset + last.text.length)
            if first.quoted, from > 0, base[from - 1] == UInt8(ascii: "\"") { from -= 1 }
            if last.quoted, to < base.count, base[to] == UInt8(ascii: "\"") { to += 1 }
            if from <= to, to <= base.count { return Array(base[from..<to]) }
        }
        var out: [UInt8] = []
        for (k, t) in args.enumerated() {
            if k > 0 { out.append(0x20) }
            if t.quoted { out.append(0x22) }
            out += raw(t)
            if t.quoted { out.append(0x22) }
        }
        return out
    }

    /// A command keyword's value as the argv keepalived executes (`ScriptCommand`); a quote
    /// that is never closed is reported as keepalived reports it.
    mutating func command(_ n: Node) -> Located<ScriptCommand>? {
        guard n.argCount > 0 else { return nil }
        let span = span(tree.arg(n, 0)).union(span(tree.arg(n, n.argCount - 1)))
        switch ScriptCommand.parse(rawArguments(n)) {
        case .success(let c): return Located(c, span)
        case .failure(.unterminatedQuote(let q)):
            // An unclosed double quote is already reported by the tokenizer.
            if q == UInt8(ascii: "'") {
                diags.add(.invalidValue, .error, "the command has a ' that is never closed; keepalived refuses the line", at: span,
                          hint: "close the single quote, or use double quotes")
            }
            return nil
        case .failure(.backslashAtEnd):
            diags.add(.invalidValue, .error, "the command ends in a backslash that escapes nothing; keepalived refuses the line", at: span,
                      hint: "remove the trailing '\\', or write '\\\\' for a backslash")
            return nil
        case .failure(.empty):
            return nil
        }
    }

    /// All arguments joined by one blank (commands, free-form values).
    func joined(_ n: Node) -> Located<String>? {
        guard n.argCount > 0 else { return nil }
        let words = tree.args(n).map { text($0) }
        return Located(words.joined(separator: " "), span(tree.arg(n, 0)).union(span(tree.arg(n, n.argCount - 1))))
    }

    func int(_ n: Node, _ spec: KeywordSpec) -> Located<Int>? {
        guard n.argCount > 0, let v = NumberParser.integer(raw(tree.arg(n, 0))) else { return nil }
        if let lo = spec.min, let hi = spec.max, Double(v) < lo || Double(v) > hi { return nil }
        return Located(v, span(tree.arg(n, 0)))
    }

    func decimal(_ n: Node, _ spec: KeywordSpec) -> Located<Double>? {
        guard n.argCount > 0, let v = NumberParser.decimal(raw(tree.arg(n, 0))) else { return nil }
        if let lo = spec.min, let hi = spec.max, v < lo || v > hi { return nil }
        return Located(v, span(tree.arg(n, 0)))
    }

    func ip(_ n: Node) -> Located<IPAddress>? {
        guard n.argCount > 0, let a = IPAddress.parse(raw(tree.arg(n, 0))) else { return nil }
        return Located(a, span(tree.arg(n, 0)))
    }

    /// A flag with an optional BOOL: bare keyword = true.
    func flag(_ n: Node) -> Located<Bool> {
        if n.argCount > 0, let b = NumberParser.bool(raw(tree.arg(n, 0))) { return Located(b, keywordSpan(n)) }
        return Located(true, keywordSpan(n))
    }

    func blockSpan(_ n: Node) -> SourceSpan {
        var s = tree.lineSpan(n)
        if let c = tree.closeBrace(n) { s = s.union(c) }
        return s
    }

    func lineCount(_ n: Node) -> Int {
        var c = 0
        for _ in tree.children(n) { c += 1 }
        return c
    }
}

extension String {
    /// A large finite Double in plain digits (no exponent), as keepalived's %f would print it.
    init(format0 d: Double) {
        var digits: [UInt8] = []
        var x = abs(d).rounded()
        while x >= 1 {
            let q = (x / 10).rounded(.down)
            digits.append(UInt8(x - q * 10) + 0x30)
            x = q
        }
        if digits.isEmpty { digits = [0x30] }
        self = (d < 0 ? "-" : "") + String(decoding: digits.reversed(), as: UTF8.self)
    }
}

/// Number and boolean syntax as keepalived reads it, straight from bytes.
public enum NumberParser {
    /// Optional sign and decimal digits only (keepalived's strtol with base 10 and full consumption).
    public static func integer<C: Collection>(_ b: C) -> Int? where C.Element == UInt8 {
        var it = b.makeIterator()
        guard var c = it.next() else { return nil }
        var neg = false
        if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            neg = c == UInt8(ascii: "-")
            guard let d = it.next() else { return nil }
            c = d
        }
        var v = 0
        while true {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            // Checked arithmetic: a 20-digit number is "not a whole number lvsc can read", not a trap.
            let (times10, o1) = v.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(c - 0x30))
            if o1 || o2 { return nil }
            v = sum
            guard let d = it.next() else { break }
            c = d
        }
        return neg ? -v : v
    }

    /// Non-negative decimal: digits with an optional fraction.
    public static func decimal<C: Collection>(_ b: C) -> Double? where C.Element == UInt8 {
        var intPart = 0.0, frac = 0.0, scale = 1.0
        var seenDot = false, digits = 0
        for c in b {
            if c == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
            } else if c >= 0x30 && c <= 0x39 {
                digits += 1
                if digits > 20 { return nil }
                if seenDot { scale /= 10; frac += Double(c - 0x30) * scale } else { intPart = intPart * 10 + Double(c - 0x30) }
            } else {
                return nil
            }
        }
        return digits == 0 ? nil : intPart + frac
    }

    public static func bool<C: Collection>(_ b: C) -> Bool? where C.Element == UInt8 {
        switch String(decoding: b, as: UTF8.self) {
        case "on", "true", "yes": return true
        case "off", "false", "no": return false
        default: return nil
        }
    }

    /// Plain decimal notation (no exponent), at most 6 fractional digits, as keepalived prints.
    public static func format(_ d: Double) -> String {
        if !d.isFinite { return String(d) }
        if d == d.rounded() && abs(d) < 1e18 { return String(Int(d)) }
        // Beyond 2^63 microseconds no fraction is left to print (and Int would trap).
        if abs(d) >= 9e12 { return String(format0: d) }
        let micros = Int((abs(d) * 1_000_000).rounded())
        var frac = String(micros % 1_000_000)
        frac = String(repeating: "0", count: 6 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return (d < 0 ? "-" : "") + String(micros / 1_000_000) + "." + frac
    }
}
