/// `lvsc fmt`: keepalived.conf in one canonical layout — four spaces per block level, one
/// statement a line, `{` at the end of its keyword's line, `}` alone, single spaces between
/// words, at most one blank line, comments kept where they were (full-line comments at the
/// block's indentation, trailing ones after two spaces).
///
/// It works on the text, not the model, so comments, includes, `$NAME` definitions, `@id`
/// lines and `~SEQ` generators survive; a test checks over every fixture and the corpus that
/// the output reads to the same model and that formatting twice changes nothing.
public enum KeepalivedFormatter {
    public static func format(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var depth = 0
        var blankPending = false
        var inDefinition = false
        var lines = split(bytes)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for raw in lines {
            var line = raw
            if line.last == 0x0D { line.removeLast() }
            // A multi-line $NAME= definition continues while its lines end in a backslash: verbatim.
            if inDefinition {
                out += rstrip(line); out.append(0x0A)
                inDefinition = line.last == UInt8(ascii: "\\")
                continue
            }
            let content = strip(line)
            if content.isEmpty {
                blankPending = !out.isEmpty
                continue
            }
            if isDefinition(content) {
                flushBlank(&out, &blankPending)
                out += rstrip(line); out.append(0x0A)
                inDefinition = line.last == UInt8(ascii: "\\")
                continue
            }
            let (code, comment) = splitComment(content)
            // Lines the preprocessor rewrites before keepalived sees their words ($NAME, @id,
            // ~SEQ, include with its brace globs) keep their text; only the indentation changes.
            if isPreprocessed(code) {
                flushBlank(&out, &blankPending)
                let (opens, closes, leadingCloses) = braceCounts(code)
                indent(&out, max(0, depth - leadingCloses))
                out += content; out.append(0x0A)
                depth = max(0, depth + opens - closes)
                continue
            }
            let words = tokenize(code)
            if words.isEmpty {
                // A full-line comment: at the indentation of what follows, or of a closing brace.
                flushBlank(&out, &blankPending)
                indent(&out, depth)
                out += comment!; out.append(0x0A)
                continue
            }
            var pieces: [[[UInt8]]] = []
            var current: [[UInt8]] = []
            for w in words {
                if w == [0x7B] {
                    current.append(w); pieces.append(current); current = []
                } else if w == [0x7D] {
                    if !current.isEmpty { pieces.append(current); current = [] }
                    pieces.append([w])
                } else {
                    current.append(w)
                }
            }
            if !current.isEmpty { pieces.append(current) }
            // A piece that would start a line of its own must not become a directive there:
            // `global_defs { include x` is a word of global_defs, not an include.
            if pieces.dropFirst().contains(where: { isDirectiveStart($0[0]) }) {
                flushBlank(&out, &blankPending)
                let (opens, closes, leadingCloses) = braceCounts(code)
                indent(&out, max(0, depth - leadingCloses))
                out += content; out.append(0x0A)
                depth = max(0, depth + opens - closes)
                continue
            }
            for (k, piece) in pieces.enumerated() {
                if piece == [[0x7D]] {
                    depth = max(0, depth - 1)
                    blankPending = false
                } else {
                    flushBlank(&out, &blankPending)
                }
                indent(&out, depth)
                out += join(piece)
                if k == pieces.count - 1 { appendComment(&out, comment) } else { out.append(0x0A) }
                if piece.last == [0x7B] { depth += 1 }
            }
            if pieces.last?.last == [0x7B] { blankPending = false }
        }
        return out
    }

    /// A line keepalived's preprocessor changes before splitting it into words.
    static func isPreprocessed(_ code: [UInt8]) -> Bool {
        guard let first = code.first else { return false }
        if first == UInt8(ascii: "@") || first == UInt8(ascii: "~") { return true }
        if code.contains(UInt8(ascii: "$")) { return true }
        return isIncludeWord(code.prefix { !isBlank($0) })
    }

    /// A word that means something special at the start of a line.
    static func isDirectiveStart(_ w: [UInt8]) -> Bool {
        guard let first = w.first else { return false }
        return first == UInt8(ascii: "@") || first == UInt8(ascii: "~") || first == UInt8(ascii: "$") || isIncludeWord(w[...])
    }

    static func isIncludeWord(_ w: ArraySlice<UInt8>) -> Bool {
        let inc = Array("include".utf8)
        guard w.starts(with: inc) else { return false }
        let rest = w.dropFirst(inc.count)
        return rest.isEmpty || (rest.count == 1 && "rmwba".utf8.contains(rest.first!))
    }

    /// Braces outside quotes and `${…}`: those opened, those closed, and the closes before the
    /// first word (which the line's own indentation should already reflect).
    static func braceCounts(_ code: [UInt8]) -> (Int, Int, Int) {
        var opens = 0, closes = 0, leading = 0
        var inQuote = false, inRef = 0, seenWord = false
        var i = 0
        while i < code.count {
            let c = code[i]
            if c == UInt8(ascii: "\""), inRef == 0 { inQuote.toggle(); seenWord = true }
            else if !inQuote, c == UInt8(ascii: "$"), i + 1 < code.count, code[i + 1] == UInt8(ascii: "{") { inRef += 1; i += 1; seenWord = true }
            else if !inQuote, inRef > 0, c == UInt8(ascii: "}") { inRef -= 1 }
            else if !inQuote, inRef == 0, c == UInt8(ascii: "{") { opens += 1; seenWord = true }
            else if !inQuote, inRef == 0, c == UInt8(ascii: "}") { closes += 1; if !seenWord { leading += 1 } }
            else if !isBlank(c) { seenWord = true }
            i += 1
        }
        return (opens, closes, leading)
    }

    static func split(_ b: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        for i in 0..<b.count where b[i] == 0x0A {
            lines.append(Array(b[start..<i])); start = i + 1
        }
        lines.append(Array(b[start...]))
        return lines
    }

    /// The parser's blanks (isspace without the newline): a line of CRs is an empty line.
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0B || c == 0x0C || c == 0x0D }

    static func strip(_ l: [UInt8]) -> [UInt8] {
        var s = 0, e = l.count
        while s < e && isBlank(l[s]) { s += 1 }
        while e > s && isBlank(l[e - 1]) { e -= 1 }
        return Array(l[s..<e])
    }

    static func rstrip(_ l: [UInt8]) -> [UInt8] {
        var e = l.count
        while e > 0 && isBlank(l[e - 1]) { e -= 1 }
        return Array(l[..<e])
    }

    /// `$NAME=…` (a definition, not a `$NAME` use).
    static func isDefinition(_ l: [UInt8]) -> Bool {
        guard l.first == UInt8(ascii: "$") else { return false }
        for c in l.dropFirst() {
            if c == UInt8(ascii: "=") { return true }
            if isBlank(c) || c == UInt8(ascii: "{") || c == UInt8(ascii: "}") { return false }
        }
        return false
    }

    /// Code and comment (from the first `#` or `!` outside double quotes, not escaped).
    static func splitComment(_ l: [UInt8]) -> ([UInt8], [UInt8]?) {
        var inQuote = false
        var i = 0
        while i < l.count {
            let c = l[i]
            // Only `\#` and `\!` are escapes, as in the parser.
            if c == UInt8(ascii: "\\"), i + 1 < l.count, l[i + 1] == UInt8(ascii: "#") || l[i + 1] == UInt8(ascii: "!") { i += 2; continue }
            if c == UInt8(ascii: "\"") { inQuote.toggle() }
            if !inQuote && (c == UInt8(ascii: "#") || c == UInt8(ascii: "!")) {
                return (Array(l[..<i]), rstrip(Array(l[i...])))
            }
            i += 1
        }
        return (l, nil)
    }

    /// Words, quoted strings as one word with their quotes, and each brace alone.
    static func tokenize(_ l: [UInt8]) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var i = 0
        while i < l.count {
            let c = l[i]
            if isBlank(c) { i += 1; continue }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "}") { words.append([c]); i += 1; continue }
            var w: [UInt8] = []
            var inQuote = false
            while i < l.count {
                let d = l[i]
                if !inQuote && (isBlank(d) || d == UInt8(ascii: "{") || d == UInt8(ascii: "}")) { break }
                if d == UInt8(ascii: "\\") && i + 1 < l.count && (l[i + 1] == UInt8(ascii: "#") || l[i + 1] == UInt8(ascii: "!")) {
                    w.append(d); w.append(l[i + 1]); i += 2; continue
                }
                if d == UInt8(ascii: "\"") { inQuote.toggle() }
                w.append(d)
                i += 1
            }
            words.append(w)
        }
        return words
    }

    static func join(_ words: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, w) in words.enumerated() {
            if i > 0 { out.append(0x20) }
            out += w
        }
        return out
    }

    /// Four spaces a level; past the parser's nesting limit (where the file is refused anyway)
    /// the indentation stops growing, so a hostile file cannot make output quadratic.
    static func indent(_ out: inout [UInt8], _ depth: Int) {
        out += [UInt8](repeating: 0x20, count: 4 * min(depth, 64))
    }

    static func appendComment(_ out: inout [UInt8], _ comment: [UInt8]?) {
        if let comment { out += [0x20, 0x20]; out += comment }
        out.append(0x0A)
    }

    static func flushBlank(_ out: inout [UInt8], _ pending: inout Bool) {
        if pending && !out.isEmpty { out.append(0x0A) }
        pending = false
    }
}
