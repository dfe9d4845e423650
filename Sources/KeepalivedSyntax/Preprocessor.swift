import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one parse sees the file: which `@id` lines apply and which environment `${_ENV}` reads.
public struct ParseOptions: Sendable {
    /// keepalived's `-i`; nil means no `@id` line matches (as on a host named otherwise).
    public var configID: String?
    public var maxIncludeDepth = 32
    /// Lines ~SEQ/~LST and multi-line definitions may produce, in all; a budget, so a
    /// self-referencing definition cannot grow exponentially.
    public var maxGeneratedLines = 1_000_000
    /// The fuzzer turns this off so random bytes cannot make it read /proc or /dev.
    public var followIncludes = true
    /// An included file larger than this is refused (a stray `include /var/log/*` should not
    /// read gigabytes).
    public var maxIncludeBytes = ConfigParser.maxInputBytes
    /// Files one parse may include in all, and their total size: ten files that include each
    /// other through a glob would otherwise be read in every order (10! times).
    public var maxIncludedFiles = 10_000
    public var maxIncludedBytes = ConfigParser.maxInputBytes

    public init(configID: String? = nil) { self.configID = configID }
}

/// The block tree of one configuration and what was found while building it.
public struct ParseResult: Sendable {
    public var tree: BlockTree
    public var diagnostics: DiagnosticBag
    /// Every id named by an `@id` or `@^id` line, in first-seen order.
    public var conditionIDs: [String]
    /// File ids read, the main file first.
    public var files: [Int]
    /// Every `${_ENV NAME}` expanded, so nothing lvsc prints shows the value it read.
    public var environment: [EnvironmentUse] = []
    /// Files holding a preprocessor directive (include, `$NAME=`, `@id`, `~SEQ`): keepalived
    /// files even when they hold no keyword.
    public var directiveFiles: Set<Int> = []
}

/// One `${_ENV NAME}` read from lvsc's environment: where, which variable, what it held.
public struct EnvironmentUse: Sendable, Hashable {
    public var span: SourceSpan
    public var name: String
    public var value: String

    public init(span: SourceSpan, name: String, value: String) {
        self.span = span
        self.name = name
        self.value = value
    }

    /// Whether a span takes anything from this expansion.
    public func overlaps(_ other: SourceSpan) -> Bool {
        other.file == span.file && other.offset < span.offset + max(span.length, 1) && span.offset < other.offset + max(other.length, 1)
    }
}

/// Reads keepalived.conf the way keepalived's `read_line` does, byte by byte: comments,
/// `@id` lines, `$NAME=` definitions and expansion, `~SEQ`/`~LST`, `include`, braces.
public final class ConfigParser {
    /// How deep blocks may nest before lvsc calls the file broken (keepalived's own nest 4 deep).
    public static let maxNesting = 64
    let sources: SourceManager
    let options: ParseOptions
    var tree = BlockTree()
    var diags = DiagnosticBag()
    var seenIDs: [String] = []
    var seenIDSet = Set<String>()
    var files: [Int] = []

    struct Definition {
        var lines: [LineText]
        var multiLine: Bool
    }
    var defs: [String: Definition] = [:]
    /// A multi-line `$NAME=… \` definition being collected.
    var collecting: (name: String, lines: [LineText])?
    var includeStack: [(realPath: String, dir: String)] = []
    var generated = 0
    var generatorOverflow = false
    var environment: [EnvironmentUse] = []
    var directiveFiles: Set<Int> = []
    var includedFiles = 0
    var includedBytes = 0
    var includeBudgetSpent = false
    var consumer: RootConsumer?
    var current: (file: UInt32, bytes: UnsafeBufferPointer<UInt8>)?
    /// Words and braces of the line being scanned by the fast path.
    struct PendingToken { var kind: UInt8; var start: Int32; var end: Int32 }
    /// A line has at most 1024 bytes (longer ones go the general path), so at most 1024 tokens:
    /// a fixed buffer, allocated once, with no uniqueness checks on every append.
    let pending = UnsafeMutablePointer<PendingToken>.allocate(capacity: 1024)
    var pendingCount = 0

    /// What each byte means to the fast path: part of a word, a blank, a brace, a quote, the
    /// start of a comment, or something only the general path handles ('$', '\\', NUL).
    enum ByteClass {
        static let word: UInt8 = 0, blank: UInt8 = 1, brace: UInt8 = 2, quote: UInt8 = 3, comment: UInt8 = 4, special: UInt8 = 5
    }
    let byteClass: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        t.initialize(repeating: ByteClass.word, count: 256)
        for b: UInt8 in [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D] { t[Int(b)] = ByteClass.blank }
        t[0x7B] = ByteClass.brace; t[0x7D] = ByteClass.brace
        t[0x22] = ByteClass.quote
        t[0x23] = ByteClass.comment; t[0x21] = ByteClass.comment
        t[0x24] = ByteClass.special; t[0x5C] = ByteClass.special; t[0] = ByteClass.special
        return t
    }()

    deinit {
        pending.deallocate()
        byteClass.deallocate()
    }
    let keywords = KeywordTable.shared
    /// Multi-line definitions being expanded, innermost last: one that refers to itself would
    /// double the output at every level.
    var expanding: [String] = []
    var lastExpanded: String?
    var assumedInstanceNoted = false

    /// This machine's host name up to the first '.', keepalived's default config id.
    public static let hostConfigID: String = {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(name.prefix { $0 != "." })
    }()

    // Tree-builder state.
    var stack: [Int32] = []
    var statementStart = 0
    /// The last statement closed at the current level with no block yet: a `{` alone on the
    /// next line belongs to it.
    var candidate: Int32 = -1
    /// `{`s keepalived ignores, not yet matched by a `}`: the statement whose `{` it was (-1 for
    /// a stray one, or once its chunk went to the consumer) and the stack depth it was read at.
    var ignoredBraces: [(node: Int32, depth: Int)] = []
    /// Ignored `{`s not yet balanced by an extra `}` at the top: while above zero, statements
    /// are read at a level their author did not mean.
    var misreadDepth = 0
    var misreadNotes = 0
    /// Every `{` minus every `}` read (keepalived counts them apart from how it nests blocks),
    /// and the last `{` keepalived ignored, to point at when they do not balance.
    var braceBalance = 0
    var lastIgnoredBrace: SourceSpan?
    /// Notes listed for the consequences of ignored `{`s, per file read.
    public static let maxMisreadNotes = 500

    public init(sources: SourceManager, options: ParseOptions = ParseOptions()) {
        self.sources = sources
        self.options = options
    }

    /// Parses a file already in `sources` (its path names the directory for relative includes).
    public func parse(file: SourceFile) -> ParseResult {
        parse(file: file, consumer: nil)
    }

    /// Receives top-level statements as soon as they are complete. The parser then drops them,
    /// so memory follows the largest block rather than the whole file; the returned tree holds
    /// only what the consumer has not seen (nothing, at the end).
    public typealias RootConsumer = (BlockTree, ArraySlice<Int32>) -> Void

    public func parse(file: SourceFile, consumer: RootConsumer?) -> ParseResult {
        self.consumer = consumer
        let dir = ConfigParser.directory(of: file.path)
        includeStack.append((ConfigParser.realPath(file.path) ?? file.path, dir))
        process(file: file)
        includeStack.removeLast()
        finishCollecting()
        endStatement()
        closeUnclosedBlocks()
        flush()
        return ParseResult(tree: tree, diagnostics: diags, conditionIDs: seenIDs, files: files, environment: environment,
                           directiveFiles: directiveFiles)
    }

    /// Hands every complete top-level statement to the consumer and forgets them.
    func flush() {
        guard let consumer, !tree.roots.isEmpty else { return }
        consumer(tree, tree.roots[...])
        tree.tokens.removeAll(keepingCapacity: true)
        tree.nodes.removeAll(keepingCapacity: true)
        tree.roots.removeAll(keepingCapacity: true)
        tree.spans.removeAll(keepingCapacity: true)
        tree.scratch.removeAll(keepingCapacity: true)
        statementStart = 0
        candidate = -1
        for i in ignoredBraces.indices { ignoredBraces[i].node = -1 }
    }

    // MARK: physical lines

    func registerBuffer(_ file: SourceFile) {
        while tree.buffers.count <= file.id { tree.buffers.append([]) }
        tree.buffers[file.id] = file.bytes
        files.append(file.id)
    }

    func process(file: SourceFile) {
        registerBuffer(file)
        let bytes = file.bytes
        let fid = UInt32(file.id)
        bytes.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            // The file being read, for keyword lookups in `endStatement` (restored after an
            // include, which reads another file in between).
            let outer = current
            current = (fid, p)
            defer { current = outer }
            let n = p.count
            var start = 0
            while start < n {
                let nl = memchr(base + start, 0x0A, n - start)
                let end = nl.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? n
                processPhysical(p, bytes, start, end, fid)
                start = end + 1
            }
        }
    }

    func span(_ file: UInt32, _ from: Int, _ to: Int) -> SourceSpan {
        SourceSpan(file: file, offset: UInt32(from), length: UInt32(max(0, to - from)))
    }

    func processPhysical(_ p: UnsafeBufferPointer<UInt8>, _ bytes: [UInt8], _ start: Int, _ endIn: Int, _ fid: UInt32) {
        var end = endIn
        if end > start, p[end - 1] == 0x0D { end -= 1 }
        if end - start >= 1024 {
            diags.add(.syntax, .error,
                      "line is \(end - start) bytes long; keepalived reads at most 1023 bytes a line and parses the rest as a new line",
                      at: span(fid, start, min(end, start + 40)),
                      hint: "split the line, or move long values into a $NAME= definition")
        }
        if collecting != nil {
            if memchr(p.baseAddress! + start, 0, end - start) != nil {
                diags.add(.syntax, .error, "line contains a NUL byte; keepalived drops such lines", at: span(fid, start, end))
                return
            }
            continueCollecting(LineText(text: bytes[start..<end], file: fid, origin: nil))
            return
        }
        // Fast path for the common line: one scan splits it into words and braces and stops at
        // a comment; anything that preprocessing could change ('$', '\\', '@', '~', include)
        // or a NUL sends the line down the general path instead.
        if scanPlainLine(p, start, end) {
            commitPending(p, fid)
            return
        }
        // Find the text without its comment (for the NUL check and the general path).
        var i = start, inQuote = false
        while i < end {
            let c = p[i]
            if c == 0 { break }
            if c == 0x22 { inQuote.toggle() } else if !inQuote, c == 0x23 || c == 0x21 { break }
            i += 1
        }
        if i < end, p[i] == 0 {
            diags.add(.syntax, .error, "line contains a NUL byte; keepalived drops such lines", at: span(fid, start, end))
            return
        }
        var s = start, e = i
        while s < e, isBlank(p[s]) { s += 1 }
        while e > s, isBlank(p[e - 1]) { e -= 1 }
        if s == e { return }
        processLogical(LineText(text: bytes[s..<e], file: fid, origin: nil), depth: 0)
    }

    /// Splits a line into `pending` words and braces, or returns false when it needs the
    /// general path. Nothing is added to the tree until the whole line is known to be plain.
    func scanPlainLine(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        pendingCount = 0
        if end - start >= 1024 { return false }
        let cls = byteClass
        var i = start
        // Indentation is a large share of a config's bytes: skip it eight spaces at a time.
        if let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= end, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) == 0x2020_2020_2020_2020 { i += 8 }
        }
        while i < end, cls[Int(p[i])] == ByteClass.blank { i += 1 }
        if i == end { return true }
        let first = p[i]
        if first == 0x40 || first == 0x7E { return false }   // '@', '~'
        if first == 0x69, end - i >= 7, p[i + 1] == 0x6E, p[i + 2] == 0x63, p[i + 3] == 0x6C { return false } // "incl…"
        while i < end {
            switch cls[Int(p[i])] {
            case ByteClass.blank:
                i += 1
            case ByteClass.word:
                var j = i + 1
                while j < end, cls[Int(p[j])] == ByteClass.word { j += 1 }
                if j < end, cls[Int(p[j])] == ByteClass.special { return false }
                push(PendingToken(kind: 0, start: Int32(i), end: Int32(j)))
                i = j
            case ByteClass.brace:
                push(PendingToken(kind: p[i], start: Int32(i), end: Int32(i + 1)))
                i += 1
            case ByteClass.quote:
                var j = i + 1
                while j < end {
                    let d = p[j]
                    if d == 0x22 { break }
                    if cls[Int(d)] == ByteClass.special { return false }
                    j += 1
                }
                if j == end { return false }                   // unterminated: the general path reports it
                push(PendingToken(kind: 0x22, start: Int32(i), end: Int32(j + 1)))
                i = j + 1
            case ByteClass.comment:
                return true
            default:                                           // '$', '\\', NUL
                return false
            }
        }
        return true
    }

    @inline(__always)
    func push(_ t: PendingToken) {
        pending[pendingCount] = t
        pendingCount += 1
    }

    func commitPending(_ p: UnsafeBufferPointer<UInt8>, _ fid: UInt32) {
        if pendingCount == 0 { return }
        for k in 0..<pendingCount {
            let t = pending[k]
            switch t.kind {
            case 0x7B:
                openBrace(span(fid, Int(t.start), Int(t.end)), TextRef(buffer: fid, offset: UInt32(t.start), length: 1))
            case 0x7D:
                closeBrace(span(fid, Int(t.start), Int(t.end)))
            case 0x22:
                tree.spans.append(span(fid, Int(t.start), Int(t.end)))
                tree.tokens.append(Token(text: TextRef(buffer: fid, offset: UInt32(t.start + 1), length: UInt32(t.end - t.start - 2)),
                                         spanIndex: Int32(tree.spans.count - 1), quoted: true))
            default:
                tree.tokens.append(Token(text: TextRef(buffer: fid, offset: UInt32(t.start), length: UInt32(t.end - t.start)),
                                         spanIndex: -1, quoted: false))
            }
        }
        endStatement()
    }

    // MARK: logical lines

    func processLogical(_ input: LineText, depth: Int) {
        if depth > 40 {
            diags.add(.syntax, .error, "expansion nests more than 40 levels deep (a definition that refers to itself?)",
                      at: spanOf(input))
            return
        }
        var line = decomment(input)
        if line.isEmpty { return }
        if line.text.first == UInt8(ascii: "@") {
            guard let rest = applyCondition(line) else { return }
            line = rest
            if line.isEmpty { return }
        }
        if line.text.first == UInt8(ascii: "$"), let (name, value) = definition(line) {
            directiveFiles.insert(Int(line.file))
            define(name, value, line)
            return
        }
        if let strictness = includeKeyword(line.text) {
            directiveFiles.insert(Int(line.file))
            // keepalived expands `$NAME`, `${NAME}` and the built-ins in the path first.
            var target = line
            if line.text.contains(UInt8(ascii: "$")) {
                let (expanded, _, changed) = substitute(line)
                if changed { target = expanded }
            }
            include(target, strictness: strictness)
            return
        }
        if line.text.first == UInt8(ascii: "~"), line.text.hasPrefix("~SEQ(") || line.text.hasPrefix("~LST(") || line.text.hasPrefix("~SEQx(") {
            directiveFiles.insert(Int(line.file))
            generate(line, depth: depth)
            return
        }
        if line.text.contains(UInt8(ascii: "$")) {
            let (expanded, extra, changed) = substitute(line)
            if changed {
                if !extra.isEmpty {
                    generated += extra.count
                    if generated > options.maxGeneratedLines {
                        if !generatorOverflow {
                            generatorOverflow = true
                            diags.add(.syntax, .error, "definitions and generators produce more than \(options.maxGeneratedLines) lines; stopping", at: spanOf(line))
                        }
                        return
                    }
                }
                let name = extra.isEmpty ? nil : lastExpanded
                if let name { expanding.append(name) }
                processLogical(expanded, depth: depth + 1)
                for l in extra { processLogical(l, depth: depth + 1) }
                if name != nil { expanding.removeLast() }
                return
            }
        }
        tokenize(line)
    }

    func spanOf(_ l: LineText) -> SourceSpan {
        guard let first = l.text.indices.first else { return SourceSpan(file: l.file, offset: 0, length: 0) }
        let a = l.offset(at: first), b = l.offset(at: l.text.endIndex - 1)
        return b >= a ? SourceSpan(file: l.file, offset: a, length: b - a + 1) : SourceSpan(file: l.file, offset: a, length: 1)
    }

    func spanOf(_ l: LineText, _ from: Int, _ to: Int) -> SourceSpan {
        let a = l.offset(at: from)
        let b = to > from ? l.offset(at: to - 1) : a
        return b >= a ? SourceSpan(file: l.file, offset: a, length: b - a + 1) : SourceSpan(file: l.file, offset: a, length: 1)
    }

    /// Strips a `#`/`!` comment (not inside double quotes) and surrounding blanks; `\#` and `\!`
    /// become literal characters.
    func decomment(_ l: LineText) -> LineText {
        let t = l.text
        var inQuote = false
        var cut = t.endIndex
        var escapes = false
        var i = t.startIndex
        while i < t.endIndex {
            let c = t[i]
            if c == UInt8(ascii: "\"") { inQuote.toggle() }
            else if !inQuote, c == UInt8(ascii: "\\"), i + 1 < t.endIndex,
                    t[i + 1] == UInt8(ascii: "#") || t[i + 1] == UInt8(ascii: "!") {
                escapes = true; i += 2; continue
            } else if !inQuote, c == UInt8(ascii: "#") || c == UInt8(ascii: "!") { cut = i; break }
            i += 1
        }
        var out = l
        out.text = t[t.startIndex..<cut].trimmed()
        if !escapes { return out }
        let (bytes, origin) = out.owned()
        var nb: [UInt8] = [], no: [UInt32] = []
        var j = 0
        var q = false
        while j < bytes.count {
            if bytes[j] == UInt8(ascii: "\"") { q.toggle() }
            if !q, bytes[j] == UInt8(ascii: "\\"), j + 1 < bytes.count,
               bytes[j + 1] == UInt8(ascii: "#") || bytes[j + 1] == UInt8(ascii: "!") {
                j += 1
            }
            nb.append(bytes[j]); no.append(origin[j]); j += 1
        }
        return LineText.make(nb, no, file: l.file)
    }

    /// `@ID rest` keeps `rest` when ID is the config id; `@^ID rest` when it is not.
    func applyCondition(_ l: LineText) -> LineText? {
        let t = l.text
        var i = t.startIndex + 1
        var negate = false
        if i < t.endIndex, t[i] == UInt8(ascii: "^") { negate = true; i += 1 }
        let idStart = i
        while i < t.endIndex, !isBlank(t[i]) { i += 1 }
        let id = String(decoding: t[idStart..<i], as: UTF8.self)
        if !id.isEmpty, seenIDSet.insert(id).inserted { seenIDs.append(id) }
        let matches = options.configID != nil && options.configID == id
        guard matches != negate else { return nil }
        return l.slice(i..<t.endIndex).trimmedLine()
    }

    // MARK: definitions

    /// `$NAME=VALUE` (no blank before `=`).
    func definition(_ l: LineText) -> (String, LineText)? {
        let t = l.text
        var i = t.startIndex + 1
        guard i < t.endIndex, isNameStart(t[i]) else { return nil }
        while i < t.endIndex, isNameChar(t[i]) { i += 1 }
        guard i < t.endIndex, t[i] == UInt8(ascii: "=") else { return nil }
        let name = String(decoding: t[(t.startIndex + 1)..<i], as: UTF8.self)
        var v = i + 1
        while v < t.endIndex, isBlank(t[v]) { v += 1 }
        return (name, l.slice(v..<t.endIndex))
    }

    func define(_ name: String, _ value: LineText, _ line: LineText) {
        if value.text.last == UInt8(ascii: "\\") {
            var first = value
            first.text = value.text.dropLast().trimmed()
            collecting = (name, first.isEmpty ? [] : [first])
            return
        }
        defs[name] = Definition(lines: [value], multiLine: false)
    }

    func continueCollecting(_ raw: LineText) {
        let l = decomment(raw)
        guard var c = collecting else { return }
        if l.isEmpty { collecting = nil; defs[c.name] = Definition(lines: c.lines, multiLine: true); return }
        if l.text.last == UInt8(ascii: "\\") {
            var part = l
            part.text = l.text.dropLast().trimmed()
            if !part.isEmpty { c.lines.append(part) }
            collecting = c
        } else {
            c.lines.append(l)
            collecting = nil
            defs[c.name] = Definition(lines: c.lines, multiLine: true)
        }
    }

    func finishCollecting() {
        if let c = collecting {
            defs[c.name] = Definition(lines: c.lines, multiLine: true)
            collecting = nil
        }
    }

    // MARK: substitution

    /// Expands `$NAME` and `${NAME}`; a multi-line definition referenced at the end of a line
    /// splices its first line there and returns the rest as extra lines.
    func substitute(_ l: LineText) -> (LineText, [LineText], Bool) {
        let t = l.text
        var out: [UInt8] = []
        var origin: [UInt32] = []
        out.reserveCapacity(t.count + 32)
        var extra: [LineText] = []
        var changed = false
        var i = t.startIndex
        while i < t.endIndex {
            let c = t[i]
            guard c == UInt8(ascii: "$"), i + 1 < t.endIndex else {
                out.append(c); origin.append(l.offset(at: i)); i += 1; continue
            }
            var nameStart = i + 1, nameEnd = i + 1, refEnd = i + 1
            var params: ArraySlice<UInt8> = []
            var ok = false
            if t[i + 1] == UInt8(ascii: "{") {
                var j = i + 2
                while j < t.endIndex, t[j] != UInt8(ascii: "}") { j += 1 }
                if j < t.endIndex {
                    let inner = t[(i + 2)..<j].trimmed()
                    var k = inner.startIndex
                    while k < inner.endIndex, !isBlank(inner[k]) { k += 1 }
                    nameStart = inner.startIndex; nameEnd = k
                    params = inner[k..<inner.endIndex].trimmed()
                    refEnd = j + 1; ok = nameEnd > nameStart
                }
            } else if isNameStart(t[i + 1]) {
                var j = i + 1
                while j < t.endIndex, isNameChar(t[j]) { j += 1 }
                if j == t.endIndex || isBlank(t[j]) || t[j] == UInt8(ascii: ",") || t[j] == UInt8(ascii: ")") {
                    nameStart = i + 1; nameEnd = j; refEnd = j; ok = true
                }
            }
            let name = ok ? String(decoding: t[nameStart..<nameEnd], as: UTF8.self) : ""
            guard ok, let value = lookup(name, params: params, line: l, at: i) else {
                out.append(c); origin.append(l.offset(at: i)); i += 1; continue
            }
            if value.multiLine, expanding.contains(name) {
                diags.add(.syntax, .error, "multi-line definition $\(name) refers to itself; it is not expanded again",
                          at: spanOf(l, i, refEnd))
                out.append(c); origin.append(l.offset(at: i)); i += 1; continue
            }
            changed = true
            let refFirst = l.offset(at: i), refLast = l.offset(at: refEnd - 1)
            let atEnd = t[refEnd..<t.endIndex].trimmed().isEmpty
            let lines = value.multiLine && atEnd ? value.lines : [joinLines(value.lines)]
            if let first = lines.first {
                for (k, b) in first.text.enumerated() {
                    out.append(b)
                    origin.append(k == first.text.count - 1 ? refLast : refFirst)
                }
            }
            if lines.count > 1 { extra = Array(lines.dropFirst()); lastExpanded = name }
            i = refEnd
            if out.count > 4096 { break }
        }
        if out.count >= 1024 {
            diags.add(.syntax, .error, "parameter substitution makes this line \(out.count) bytes long; keepalived's limit is 1023",
                      at: spanOf(l))
        }
        return (LineText.make(out, origin, file: l.file), extra, changed)
    }

    func joinLines(_ lines: [LineText]) -> LineText {
        if lines.count == 1 { return lines[0] }
        var b: [UInt8] = [], o: [UInt32] = []
        for (n, l) in lines.enumerated() {
            if n > 0 { b.append(0x20); o.append(o.last ?? 0) }
            let (lb, lo) = l.owned()
            b += lb; o += lo
        }
        return LineText.make(b, o, file: lines.first?.file ?? 0)
    }

    /// User definitions first, then keepalived's predefined `_PWD`, `_INSTANCE`, `_RANDOM`,
    /// `_ENV`, `_HASH`, `_BANG`.
    func lookup(_ name: String, params: ArraySlice<UInt8>, line: LineText, at: Int) -> Definition? {
        if let d = defs[name] { return d }
        func literal(_ s: String) -> Definition {
            let bytes = Array(s.utf8)
            let o = [UInt32](repeating: line.offset(at: at), count: bytes.count)
            return Definition(lines: [LineText.make(bytes, o, file: line.file)], multiLine: false)
        }
        switch name {
        case "_PWD": return literal(includeStack.last?.dir ?? ".")
        case "_INSTANCE":
            if let id = options.configID { return literal(id) }
            // keepalived's config id defaults to the host name up to its first '.'.
            let host = ConfigParser.hostConfigID
            if !assumedInstanceNoted {
                assumedInstanceNoted = true
                diags.add(.syntax, .note, "${_INSTANCE} is the config id; without one keepalived uses the host name, so lvsc assumed '\(host)' (this machine's)",
                          at: spanOf(line), hint: "pass --config-id with the director's name to read the file as that director does")
            }
            return literal(host)
        case "_HASH": return literal("#")
        case "_BANG": return literal("!")
        case "_RANDOM":
            // Lint is deterministic: the lowest value keepalived could pick.
            let words = params.split(separator: 0x20)
            return literal(words.first.map { String(decoding: $0, as: UTF8.self) } ?? "0")
        case "_ENV":
            let key = String(decoding: params, as: UTF8.self)
            let value = getenv(key).map { String(cString: $0) } ?? ""
            if !value.isEmpty {
                var end = at + 1
                while end < line.text.endIndex, line.text[end] != UInt8(ascii: "}") { end += 1 }
                environment.append(EnvironmentUse(span: spanOf(line, at, min(end + 1, line.text.endIndex)), name: key, value: value))
            }
            return literal(value)
        default: return nil
        }
    }

    // MARK: ~SEQ / ~LST

    func generate(_ l: LineText, depth: Int) {
        let t = l.text
        let isList = t.hasPrefix("~LST")
        var i = t.startIndex + 4
        var hex = false
        if !isList, i < t.endIndex, t[i] == UInt8(ascii: "x") { hex = true; i += 1 }
        guard i < t.endIndex, t[i] == UInt8(ascii: "(") else {
            tokenize(l); return
        }
        // Find the matching ')' (braces inside ~LST tuples do not nest parentheses).
        var j = i + 1
        var braceDepth = 0
        while j < t.endIndex {
            if t[j] == UInt8(ascii: "{") { braceDepth += 1 }
            else if t[j] == UInt8(ascii: "}") { braceDepth -= 1 }
            else if t[j] == UInt8(ascii: ")"), braceDepth <= 0 { break }
            j += 1
        }
        guard j < t.endIndex else {
            diags.add(.syntax, .error, "missing ')' in \(isList ? "~LST" : "~SEQ")", at: spanOf(l))
            return
        }
        // Parameters may use $definitions.
        var paramLine = l.slice((i + 1)..<j)
        if paramLine.text.contains(UInt8(ascii: "$")) { paramLine = substitute(paramLine).0 }
        let rest = l.slice((j + 1)..<t.endIndex).trimmedLine()
        let headSpan = spanOf(l, t.startIndex, j + 1)
        let params = splitParams(paramLine.text)
        if isList {
            generateList(params, rest, headSpan, depth)
        } else {
            generateSequence(params, rest, hex, headSpan, depth)
        }
    }

    func splitParams(_ t: ArraySlice<UInt8>) -> [String] {
        var out: [String] = []
        var cur: [UInt8] = []
        var depth = 0
        for c in t {
            if c == UInt8(ascii: "{") { depth += 1 }
            if c == UInt8(ascii: "}") { depth -= 1 }
            if c == UInt8(ascii: ","), depth == 0 {
                out.append(String(decoding: cur[...].trimmed(), as: UTF8.self)); cur = []
            } else { cur.append(c) }
        }
        out.append(String(decoding: cur[...].trimmed(), as: UTF8.self))
        return out
    }

    func emitGenerated(_ rest: LineText, depth: Int) -> Bool {
        generated += 1
        if generated > options.maxGeneratedLines {
            if !generatorOverflow {
                generatorOverflow = true
                diags.add(.syntax, .error, "~SEQ/~LST generate more than \(options.maxGeneratedLines) lines; stopping", at: spanOf(rest))
            }
            return false
        }
        processLogical(rest, depth: depth + 1)
        return true
    }

    func setVar(_ name: String, _ value: String, _ at: LineText) {
        let bytes = Array(value.utf8)
        let o = [UInt32](repeating: at.offset(at: at.text.startIndex), count: bytes.count)
        defs[name] = Definition(lines: [LineText.make(bytes, o, file: at.file)], multiLine: false)
    }

    func generateSequence(_ p: [String], _ rest: LineText, _ hex: Bool, _ head: SourceSpan, _ depth: Int) {
        guard p.count >= 2, p.count <= 4, !p[0].isEmpty else {
            diags.add(.syntax, .error, "~SEQ needs (VAR, END), (VAR, START, END) or (VAR, START, STEP, END)", at: head)
            return
        }
        let nums = p.dropFirst().map(ConfigParser.parseCInteger)
        guard nums.allSatisfy({ $0 != nil }) else {
            diags.add(.syntax, .error, "~SEQ parameters must be integers", at: head)
            return
        }
        let v = nums.map { $0! }
        var start: Int, step: Int, end: Int
        switch v.count {
        case 1: end = v[0]; start = end < 0 ? -1 : 1; step = end < start ? -1 : 1
        case 2: start = v[0]; end = v[1]; step = end < start ? -1 : 1
        default: start = v[0]; step = v[1]; end = v[2]
        }
        if step == 0 || (step > 0 && end < start) || (step < 0 && end > start) {
            diags.add(.syntax, .error, "invalid ~SEQ values: step \(step) never gets from \(start) to \(end)", at: head)
            return
        }
        if hex && (start < 0 || end < 0) {
            diags.add(.syntax, .error, "~SEQx takes non-negative values only", at: head)
            return
        }
        var x = start
        while step > 0 ? x <= end : x >= end {
            setVar(p[0], hex ? String(x, radix: 16) : String(x), rest)
            if !emitGenerated(rest, depth: depth) { return }
            // The last value may sit next to Int.max: stop instead of overflowing past it.
            let (next, overflow) = x.addingReportingOverflow(step)
            if overflow { return }
            x = next
        }
    }

    func generateList(_ p: [String], _ rest: LineText, _ head: SourceSpan, _ depth: Int) {
        guard p.count >= 2 else {
            diags.add(.syntax, .error, "~LST needs (VAR, VALUE, ...)", at: head)
            return
        }
        func tuple(_ s: String) -> [String] {
            if s.hasPrefix("{") && s.hasSuffix("}") {
                return s.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                    .map { String(Array($0.utf8)[...].trimmed().map { Character(Unicode.Scalar($0)) }) }
            }
            return [s]
        }
        let vars = tuple(p[0])
        for value in p.dropFirst() {
            let vals = tuple(value)
            if vals.count > vars.count {
                diags.add(.syntax, .error, "~LST value \(value) has more items than variables \(p[0])", at: head)
                return
            }
            for (k, name) in vars.enumerated() { setVar(name, k < vals.count ? vals[k] : "", rest) }
            if !emitGenerated(rest, depth: depth) { return }
        }
    }

    /// `strtol(…, 0)`: decimal, `0x` hex or leading-`0` octal, optional sign.
    static func parseCInteger(_ s: String) -> Int? {
        var t = Substring(s)
        var neg = false
        if t.hasPrefix("-") { neg = true; t = t.dropFirst() } else if t.hasPrefix("+") { t = t.dropFirst() }
        var radix = 10
        if t.hasPrefix("0x") || t.hasPrefix("0X") { radix = 16; t = t.dropFirst(2) }
        else if t.count > 1, t.hasPrefix("0") { radix = 8; t = t.dropFirst() }
        guard let v = Int(t, radix: radix) else { return nil }
        return neg ? -v : v
    }
}

extension LineText {
    func trimmedLine() -> LineText {
        var l = self
        l.text = text.trimmed()
        return l
    }
}
